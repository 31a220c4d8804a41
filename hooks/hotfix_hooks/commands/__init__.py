"""The commands: one module per ``hotfix-hooks COMMAND``, each with
``main(argv: Sequence[str] | None = None) -> int`` (0 pass, 1 findings, 2 usage/config/env).

A command parses its options, resolves the invocation context, runs the pipeline (or part
of it) and reports. ``hotfix_hooks.cli`` maps command names to these modules and imports
only the one that runs.
"""
