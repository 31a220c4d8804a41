"""The glue of the flow context -> change set -> checks -> findings (``scan.py``), and the
facts the record commands judge on top of it (``readiness.py``)."""
