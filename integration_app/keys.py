"""Print a new Fernet key for FIELD_ENCRYPTION_KEYS: `python -m integration_app.keys`."""

from cryptography.fernet import Fernet

if __name__ == "__main__":
    print(Fernet.generate_key().decode())  # noqa: T201 - this module's output is the key
