"""Everything that talks to git, and the invocation context it resolves:

- ``plumbing.py``: git subprocess helpers (argv only, ``-z`` lists, one-line errors);
- ``invocation.py``: the shared range/branch options and the cheap branch-only resolution;
- ``ci_env.py``: one adapter per CI system (branch, PR target, PR title, base sha);
- ``context.py``: the full ``Context`` (stage, mode, base, head, why) of an invocation;
- ``changes.py``: the ``ChangeSet`` of a context, built from ``git diff`` and blobs.
"""
