"""Findings in a module read through a symbolic link, located at the file their lines are
in. The engines read a module as Python imports it (``changeset.code_view``): a link is the
file it points at, and a module below a linked folder is the file below the folder the link
points at, so a finding's lines are the target's. Every reporter (SARIF, GitHub, GitLab,
...) needs a file of the repository holding those lines: the finding is moved to the target,
and the path it was imported as is kept in ``extra.linked_as``. A finding at a link that
cannot be followed is located at that link (a tree entry), without a line."""
from __future__ import annotations

from hotfix_hooks.changeset import ChangeSet
from hotfix_hooks.changeset import code_view
from hotfix_hooks.changeset import MODE_SYMLINK
from hotfix_hooks.findings import Finding


def at_real_files(changes: ChangeSet, findings: list[Finding]) -> list[Finding]:
    """``findings`` with each path read through a link replaced by the file read."""
    if not findings:
        return findings
    views = (code_view(changes.head), code_view(changes.base))
    out = []
    for f in findings:
        path = f.path
        if path:
            for view in views:
                if view.inner.exists(path) and view.inner.mode(path) != MODE_SYMLINK:
                    break                       # a file of this side: where its lines are
                real, linked_as = view.located(path)
                if real != path:
                    extra = dict(f.extra)
                    if linked_as is not None:
                        extra['linked_as'] = linked_as
                    f = f.replace(path=real, extra=extra,
                                  line=f.line if linked_as is not None else None)
                    break
        out.append(f)
    return _merged(out) if any('linked_as' in f.extra for f in out) else out


def _merged(findings: list[Finding]) -> list[Finding]:
    """One finding per root cause: a file read under two names (its own, and below a linked
    folder: a router module found as itself and as the module the app mounts) gives the
    same finding twice at the same lines. The one read through the link is kept, with the
    operations of the other added to its ``affected``."""
    linked = {(f.rule, f.path, f.line): f for f in findings if 'linked_as' in f.extra}
    out = []
    for f in findings:
        twin = linked.get((f.rule, f.path, f.line)) if 'linked_as' not in f.extra else None
        if twin is None:
            out.append(f)
            continue
        more = f.extra.get('affected') or ([f.extra['operation']] if f.extra.get('operation')
                                           else [])
        if more and isinstance(twin.extra.get('affected'), list):
            twin.extra['affected'] = list(dict.fromkeys([*twin.extra['affected'], *more]))
    return out
