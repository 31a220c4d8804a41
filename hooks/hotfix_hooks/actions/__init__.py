"""The ``/actions`` engine: Python route code read with ``ast`` (``routes.py``), handlers
followed into the functions they call (``flow.py`` over the module ``index.py``),
idempotency middleware (``middleware.py``), per-statement reuse (``delta.py``), and the
guard that compares base and head (``guard.py``). Drives ``checks/actions.py``; the route
reader is shared with the contract built from code (``openapi/fromcode.py``)."""
