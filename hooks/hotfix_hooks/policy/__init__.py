"""The policy: ``[tool.hotfix-hooks]`` (or ``.hotfix-hooks.toml``), the ARIS3 v1 protocol
as defaults.

- ``keys.py``: the key model (``Key``) and the generic validation of a table;
- ``schema.py``: every key with its type, default and documentation (``SCHEMA``);
- ``load.py``: ``Policy``, reading it from a repository or a file;
- ``source.py``: where policy files are read from (the working tree, a commit), ``load_from``;
- ``status_template.py``: the status message template and its placeholders.
"""
from __future__ import annotations

from hotfix_hooks.policy.keys import Key
from hotfix_hooks.policy.keys import SEVERITY_VALUES
from hotfix_hooks.policy.load import CONFIG_FILES
from hotfix_hooks.policy.load import defaults
from hotfix_hooks.policy.load import describe
from hotfix_hooks.policy.load import from_mapping
from hotfix_hooks.policy.load import load
from hotfix_hooks.policy.load import Policy
from hotfix_hooks.policy.schema import SCHEMA
from hotfix_hooks.policy.source import load_at

__all__ = ['CONFIG_FILES', 'Key', 'Policy', 'SCHEMA', 'SEVERITY_VALUES', 'defaults',
           'describe', 'from_mapping', 'load', 'load_at']
