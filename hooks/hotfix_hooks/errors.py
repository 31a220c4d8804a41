"""Errors that end a run with exit code 2 and one clear line."""
from __future__ import annotations


class HotfixError(Exception):
    """A usage, configuration or environment error: exit 2, one line, no traceback.

    ``hint`` says how to fix it; it is printed after the message.
    """

    exit_code = 2

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        if self.hint:
            return f'{self.message} ({self.hint})'
        return self.message


class UsageError(HotfixError):
    """Bad command-line usage."""


class ConfigError(HotfixError):
    """Bad policy (pyproject.toml / .hotfix-hooks.toml) or input file."""


class GitError(HotfixError):
    """git could not give what was needed (unknown ref, shallow clone, empty repo ...)."""
