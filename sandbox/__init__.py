"""A local FreshBooks: the same paths, bodies, OAuth flow, token rotation, webhooks and faults.

Run it with ``python -m sandbox`` (see ``sandbox.config`` for the flags). The app, its tests, its
demo and its benchmarks talk to it over HTTP exactly as they would talk to api.freshbooks.com.

Layout:
- ``config``, ``clock``, ``db``: settings, time formats, the SQLite state.
- ``store/``: the objects (identities, clients, invoices, projects, services, rates, time entries,
  callbacks). Every change goes through these functions, whether it comes from the API or from the
  control API, so both emit the same webhook events.
- ``api/``: the Flask blueprints serving FreshBooks' real paths, one module per family.
- ``faults``, ``webhooks``: fault injection and webhook delivery.
- ``api/control/``: the ``/_sandbox/`` control API (only in control mode), one module per family.
- ``control`` (a ``requests`` client for the control API) and ``process`` (start the sandbox as a
  subprocess) are what tests and benchmarks import.

Where the FreshBooks reference marks a shape UNCONFIRMED, the choice made here is written in the
docstring of the module that serves it.
"""
