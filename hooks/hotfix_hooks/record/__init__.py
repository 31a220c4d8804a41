"""The hotfix record (``hotfixes/<ticket>.toml``): parse and validate it (``model.py``),
the rules that need the branch and the change (``rules.py``), the rollback-first decision
(``decision.py``), waivers (``waivers.py``) and the data-integrity condition derived from
the change (``integrity.py``). Drives ``checks/record.py`` and the record commands."""
