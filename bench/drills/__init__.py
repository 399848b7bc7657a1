"""Reliability drills (issue 13): each sets up its own world, does harm, checks, prints a line.

    python -m bench.drills [names...] [--full]      # or: make drill [NAME=crash] [FULL=1]

Every module here except ``common`` and private ones (``_child``) is a drill: it has
``run(*, full=False) -> DrillResult``. See ``common.py`` for the shape of a drill.
"""
