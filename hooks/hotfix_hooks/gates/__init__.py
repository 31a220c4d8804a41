"""The pre-push gates: what to run (``plan.py``: gates, impacted domains, rollback dry-run),
how to run it (``process.py``: process groups, timeouts, logs), one push's run on exactly
the pushed tree (``run.py``), the evidence kept per tree (``evidence.py``) and how a run is
shown (``render.py``). ``commands/gate.py`` is the command."""
