"""``python -m sandbox``: see ``sandbox.config`` for the flags and their ``SANDBOX_*`` twins."""

from sandbox.config import load_config
from sandbox.server import serve

if __name__ == "__main__":
    serve(load_config())
