"""``hotfix-hooks init``: inspect a repository and write its policy.

- ``inspect.py``: what the repository holds (services, tests, markers, scripts, specs,
  migrations, the ticket ids of its branches and commits), read from a tree of files;
- ``render.py``: the commented policy (root and folder files), proposals marked;
- ``files.py``: writing it without destroying anything (a table appended to an existing
  ``pyproject.toml``, a repository entry added to ``.pre-commit-config.yaml``).

The command itself (git facts, options, where the files go) is ``commands/init.py``.
"""
