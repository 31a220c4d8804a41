"""The API contract guard, the engine behind the ``contract`` check: breaking OpenAPI
changes, frozen endpoints, and route changes in code.

1. Contract files among the changed files (a JSON/YAML file with a top-level ``openapi`` or
   ``swagger`` key; policy ``include``/``exclude`` globs) are compared base vs head with the
   direction-aware engine in ``diff.py``.
2. The same engine compares the contract built statically from the route code
   (``fromcode.py``, both sides kept in the analysis cache by ``codeside.py``) when Python
   files changed; a committed spec that did not
   change while the code's contract did is reported stale.
3. Frozen groups/endpoints turn any change to them into an error; on a hotfix branch a new
   operation is a ``scope`` warning.
"""
from __future__ import annotations

import re
from typing import Any
from typing import TYPE_CHECKING

from hotfix_hooks.changeset import ADDED
from hotfix_hooks.changeset import ChangeSet
from hotfix_hooks.changeset import code_view
from hotfix_hooks.changeset import decode_text
from hotfix_hooks.changeset import DELETED
from hotfix_hooks.changeset import FileChange
from hotfix_hooks.changeset import matches_any
from hotfix_hooks.findings import Finding
from hotfix_hooks.openapi.codeside import code_findings
from hotfix_hooks.openapi.codeside import side_contract

if TYPE_CHECKING:
    from hotfix_hooks.openapi.diff import Operations
    from hotfix_hooks.openapi.loader import Spec

# The OpenAPI engine (loader, diff, model, schema, standing) is imported by the functions
# that read a spec file: a change that touches only route code, with both sides' contracts
# in the analysis cache, loads none of it (``codeside``).

SPEC_SUFFIXES = ('.json', '.yaml', '.yml')
_TOP_KEY_RE = re.compile(rb'^\s*\{?\s*["\']?(?:openapi|swagger)["\']?\s*:', re.M)


def guard(changes: ChangeSet, cfg: dict[str, Any], hotfix: bool) -> list[Finding]:
    """The findings of the contract guard over a change (``cfg``: the policy's
    ``[tool.hotfix-hooks.contract]`` table; ``hotfix``: the branch is a hotfix branch)."""
    findings: list[Finding] = []
    spec_changed = False
    marked: dict[tuple[str, str], str] = {}     # operations the spec marks x-frozen
    for f in changes.files:
        if not _candidate(f, cfg):
            continue
        got = compare_file(f, cfg, marked)
        if got is None:
            continue
        spec_changed = True
        if f.status == DELETED:
            got = [_removed_copy(x, f, changes, cfg) if x.rule == 'openapi-spec-removed'
                   else x for x in got]
        findings.extend(got)
    findings = _once(findings)
    if spec_changed and cfg.get('code_policy', cfg.get('code', True)):
        findings = _caught_up(changes, cfg, findings)
    if cfg.get('code', True):
        code = code_findings(changes, cfg)
        findings.extend(_not_in_spec(code, findings))
        if not spec_changed and any(x.extra.get('code_change') for x in code):
            findings.extend(_stale(changes, cfg, code))
    findings = apply_frozen(findings, cfg.get('frozen_groups', []),
                            cfg.get('frozen_endpoints', []), marked)
    if hotfix:
        findings = _hotfix(findings, cfg.get('hotfix_new_operation', 'warning'))
    return findings


def _once(findings: list[Finding]) -> list[Finding]:
    """Identical findings from several copies of one spec (dated snapshots, a docs copy)
    are reported once, naming the other copies."""
    first: dict[tuple[str, str, str, tuple[str, ...]], Finding] = {}
    out = []
    for f in findings:
        message = re.sub(r' \(line \d+ of [^)]*\)$', '', f.message)
        key = (f.rule, f.severity, message, tuple(f.extra.get('affected') or ()))
        seen = first.get(key)
        if seen is None or seen.path == f.path or not f.extra.get('affected'):
            first.setdefault(key, f)
            out.append(f)
            continue
        seen.extra.setdefault('also_in', [])
        if f.path not in seen.extra['also_in']:
            seen.extra['also_in'].append(f.path)
    return out


def _removed_copy(finding: Finding, f: FileChange, changes: ChangeSet,
                  cfg: dict[str, Any]) -> Finding:
    """A deleted spec whose every operation another remaining spec still describes is a
    redundant copy: info, not an error."""
    from hotfix_hooks.openapi.loader import is_contract
    from hotfix_hooks.openapi.loader import looks_like_contract
    from hotfix_hooks.openapi.model import operations
    from hotfix_hooks.openapi.schema import Doc

    old = f.old_bytes()
    base, _ = _load(old, f.old_path or f.path)
    if base is None:
        return finding
    gone = set(operations(Doc(base.data)))
    keeping: list[str] = []
    folder = f.path.rsplit('/', 1)[0] + '/' if '/' in f.path else ''
    globs = [*cfg.get('specs', []), *cfg.get('include', [])]
    for path in changes.head.paths():
        if path == f.path or not path.endswith(SPEC_SUFFIXES) or matches_any(
                path, cfg.get('exclude', [])):
            continue
        low = path.lower()
        if not ('openapi' in low or 'swagger' in low or matches_any(path, globs)
                or (path.startswith(folder) and '/' not in path[len(folder):])):
            continue
        data = changes.head.read(path)
        if data is None or not looks_like_contract(data):
            continue
        spec, _ = _load(data, path)
        if spec is None or not is_contract(spec.data):
            continue
        covered = gone & set(operations(Doc(spec.data)))
        if covered:
            keeping.append(path)
        gone -= covered
        if not gone:
            break
    if gone:
        finding.message += f' ({len(gone)} of its operations are in no remaining spec)'
        return finding
    return Finding(rule='openapi-spec-removed', category='contract', severity='info',
                   path=f.path, message='contract file deleted; every operation it describes '
                   f'is still described by {", ".join(keeping)}', hint='nothing to fix',
                   extra={'kept_by': keeping})


_SAME_RULE = {'api-path-removed': 'api-route-removed', 'api-operation-removed': 'api-route-removed',
              'api-operation-added': 'api-route-added'}


def _not_in_spec(code: list[Finding], spec: list[Finding]) -> list[Finding]:
    """Code findings the changed spec does not already report (same rule, operation)."""
    if not spec:
        return list(code)
    from hotfix_hooks.openapi.model import normalize_path

    def key(f: Finding) -> tuple[str, tuple[str, ...]]:
        ops = []
        for op in f.extra.get('affected') or []:
            method, _, path = op.partition(' ')
            ops.append(f'{method} {normalize_path(path)}')
        return _SAME_RULE.get(f.rule, f.rule), tuple(sorted(ops))
    seen = {key(f) for f in spec}
    return [f for f in code if not f.extra.get('code_change') or key(f) not in seen]


def _candidate(f: FileChange, cfg: dict[str, Any]) -> bool:
    paths = [p for p in (f.path, f.old_path) if p]
    if any(matches_any(p, cfg.get('exclude', [])) for p in paths):
        return False
    if any(matches_any(p, cfg.get('include', [])) for p in paths):
        return True
    return f.path.endswith(SPEC_SUFFIXES) or (f.old_path or '').endswith(SPEC_SUFFIXES)


def compare_file(f: FileChange, cfg: dict[str, Any],
                 marked: dict[tuple[str, str], str] | None = None) -> list[Finding] | None:
    """Findings for one changed file, or ``None`` when it is not a contract file.
    Operations the base marks ``x-frozen: true`` are added to ``marked``."""
    from hotfix_hooks.openapi.diff import diff_specs
    from hotfix_hooks.openapi.loader import is_contract
    from hotfix_hooks.openapi.loader import looks_like_contract

    forced = matches_any(f.path, cfg.get('include', []))
    old_b = None if f.status == ADDED else f.old_bytes()
    new_b = None if f.status == DELETED else f.new_bytes()
    # a file at a spec path (contract.specs) that is not text is not skipped as "no contract"
    declared = matches_any(f.path, cfg.get('specs', [])) and new_b is not None and \
        decode_text(new_b) is None
    if not forced and not declared and not any(b is not None and looks_like_contract(b)
                                               for b in (old_b, new_b)):
        return None
    limit = cfg.get('max_spec_bytes', 20_000_000)
    size = max(len(old_b or b''), len(new_b or b''))
    if size > limit:
        return [Finding(rule='openapi-too-large', category='contract', severity='error',
                        path=f.path, message=f'contract file of {size:,} bytes, over the limit '
                        f'of {limit:,}: it was not compared, so a breaking change in it would '
                        'go unseen', hint='raise [tool.hotfix-hooks.contract] max_spec_bytes '
                        '(on the base branch) to compare it, or split the spec',
                        extra={'bytes': size, 'limit': limit})]
    if declared:
        forced = True
    base, base_err = _load(old_b, f.old_path or f.path)
    head, head_err = _load(new_b, f.path)
    if not forced and not (is_contract(getattr(base, 'data', None))
                           or is_contract(getattr(head, 'data', None))):
        # An unparseable file is reported when it declares itself a contract.
        if head_err is None or not _TOP_KEY_RE.search((new_b or b'')[:4096]):
            return None
    out: list[Finding] = []
    if head_err is not None:
        out.append(head_err)
    if f.status == DELETED and base is not None:
        return [Finding(rule='openapi-spec-removed', category='contract', severity='error',
                        path=f.path, message='contract file deleted: every operation it '
                        'describes loses its contract', hint='keep the contract file (or '
                        'exclude it in [tool.hotfix-hooks.contract] exclude)')]
    if head is None:
        return out
    if base is None:
        # New file (or unparseable base): only its validity can be checked.
        out.extend(f2 for f2 in diff_specs(None, head) if f2.rule.startswith('openapi-'))
        return out
    ops: dict[str, Operations] = {}
    out.extend(diff_specs(base, head, ops_out=ops))
    if marked is not None:
        for key, op in ops.get('base', {}).items():
            if op.frozen:
                marked[key] = f'x-frozen in {f.old_path or f.path}'
    return out


def _load(data: bytes | None, path: str) -> tuple[Spec | None, Finding | None]:
    from hotfix_hooks.openapi.loader import parse
    from hotfix_hooks.openapi.loader import SpecError

    if data is None:
        return None, None
    text = decode_text(data)
    if text is None:
        return None, Finding(rule='openapi-unparseable', category='contract', severity='error',
                             path=path, message='contract file is not UTF-8 text',
                             hint='save the file as UTF-8')
    try:
        return parse(text, path), None
    except SpecError as e:
        return None, Finding(rule='openapi-unparseable', category='contract', severity='error',
                             path=path, line=e.line,
                             message=f'cannot parse the contract file: {e.message}; it is '
                                     'not compared',
                             hint='fix the JSON/YAML syntax at the reported line')


# -- frozen endpoints ---------------------------------------------------------------------

def _glob_rx(path: str) -> str:
    from hotfix_hooks.openapi.model import normalize_path

    out = []
    segs = normalize_path(path).strip('/').split('/')
    for i, seg in enumerate(segs):
        if seg == '**':
            out.append('/.+' if i == len(segs) - 1 else '(?:/[^/]+)*')
        elif seg == '':
            continue
        else:
            part = re.escape(seg).replace(r'\*', '[^/]+').replace(r'\{\}', r'\{\}')
            out.append('/' + part)
    return ''.join(out) or '/'


def frozen_rules(groups: list[str], endpoints: list[str]
                 ) -> list[tuple[str, str | None, re.Pattern[str]]]:
    rules: list[tuple[str, str | None, re.Pattern[str]]] = []
    for g in groups:
        rx = _glob_rx(g.rstrip('/') or '/')
        rules.append((f'frozen_groups: "{g}"', None, re.compile(rx + r'(?:/.*)?\Z')))
    for e in endpoints:
        method, _, path = e.strip().partition(' ')
        if not path:
            method, path = '*', method
        m = None if method in ('*', 'ANY') else method.upper()
        rules.append((f'frozen_endpoints: "{e}"', m, re.compile(_glob_rx(path.strip()) + r'\Z')))
    return rules


def frozen_match(label: str, rules: list[tuple[str, str | None, re.Pattern[str]]]
                 ) -> str | None:
    from hotfix_hooks.openapi.model import normalize_path

    method, _, path = label.partition(' ')
    npath = normalize_path(path)
    for text, m, rx in rules:
        if (m is None or m == method) and rx.match(npath):
            return text
    return None


def apply_frozen(findings: list[Finding], groups: list[str], endpoints: list[str],
                 marked: dict[tuple[str, str], str] | None = None) -> list[Finding]:
    """Add one ``frozen-endpoint-changed`` error per frozen operation that changed
    (frozen by the policy, or ``marked`` by ``x-frozen: true`` in the spec)."""
    marked = marked or {}
    if not groups and not endpoints and not marked:
        return findings
    from hotfix_hooks.openapi.model import normalize_path

    rules = frozen_rules(groups, endpoints)
    per_op: dict[str, tuple[str, list[Finding]]] = {}
    for f in findings:
        if f.rule.startswith('openapi-'):
            continue
        for op in f.extra.get('affected') or []:
            method, _, path = op.partition(' ')
            why = marked.get((method, normalize_path(path))) or frozen_match(op, rules)
            if why:
                per_op.setdefault(op, (why, []))[1].append(f)
    out = list(findings)
    for op, (why, fs) in per_op.items():
        rules_seen = ', '.join(dict.fromkeys(x.rule for x in fs))
        first = next((x for x in fs if x.line), fs[0])
        out.append(Finding(
            rule='frozen-endpoint-changed', category='contract', severity='error',
            path=first.path, line=first.line,
            message=(f'{op} is frozen ({why}) but its contract changed: {rules_seen}'),
            hint=('frozen endpoints must not change at all, not even additively: revert the '
                  'change to this endpoint'),
            extra={'operation': op, 'affected': [op], 'pointer': first.extra.get('pointer'),
                   'frozen_by': why, 'changes': [x.message for x in fs]}))
    return out


def _hotfix(findings: list[Finding], severity: str) -> list[Finding]:
    out = []
    for f in findings:
        if f.rule in ('api-operation-added', 'api-route-added') and not f.extra.get(
                'already_served'):
            f = Finding(rule='api-operation-added-in-hotfix', category='scope',
                        severity=severity, path=f.path, line=f.line,
                        message=f.message + ' on a hotfix branch: new feature scope',
                        hint=('a hotfix fixes an incident; ship new operations in a normal '
                              'release'), extra=f.extra)
        out.append(f)
    return out


# -- stale spec -----------------------------------------------------------------------------

def _stale(changes: ChangeSet, cfg: dict[str, Any], code: list[Finding]) -> list[Finding]:
    out: list[Finding] = []
    globs = cfg.get('specs', [])
    exclude = cfg.get('exclude', [])
    rules = ', '.join(dict.fromkeys(f.rule for f in code if f.extra.get('code_change')))
    # a spec behind additive changes only still describes a contract every client generated
    # from it can use: context, unless the policy says otherwise
    additive = all(f.severity == 'info' for f in code if f.extra.get('code_change'))
    severity = (cfg.get('stale_additive_severity', 'info') if additive
                else cfg.get('stale_severity', 'warning'))
    paths = [p for p in changes.head.glob(*globs) if not matches_any(p, exclude)] \
        if globs else []
    if not paths:
        return out
    from hotfix_hooks.openapi.loader import is_contract
    from hotfix_hooks.openapi.loader import looks_like_contract
    from hotfix_hooks.openapi.loader import parse

    sides: list[Any] = []
    for path in paths:
        data = changes.head.read(path)
        if data is None or not looks_like_contract(data):
            continue
        try:
            spec = parse(data.decode('utf-8', 'replace'), path)
        except Exception:  # noqa: BLE001 - an unparseable snapshot is not "stale"
            continue
        if not is_contract(spec.data):
            continue
        sev, note, extra = severity, '', {'code_rules': rules}
        if not additive and severity != 'info':
            sev, note, extra = _behind_before(changes, cfg, spec, sides, severity, extra)
        out.append(Finding(
            rule='openapi-spec-stale', category='contract', severity=sev, path=path,
            line=1,
            message=(f'the route code changed the API contract ({rules}) but the committed '
                     'spec did not change: it no longer describes the code'
                     + (' (additive changes only: clients generated from it still work)'
                        if additive else '') + note),
            hint='regenerate the spec from the application and commit it with the change',
            extra=extra))
    return out


def _code_sides(changes: ChangeSet, cfg: dict[str, Any], *snaps: Any) -> list[Any]:
    """The code contracts of ``snaps`` (from the analysis cache when built before)."""
    exclude, roots = list(cfg.get('code_exclude', [])), list(cfg.get('python_roots', []))
    return [side_contract(changes, code_view(snap), exclude, roots) for snap in snaps]


def _behind_before(changes: ChangeSet, cfg: dict[str, Any], spec: Spec, sides: list[Any],
                   severity: str, extra: dict[str, Any]
                   ) -> tuple[str, str, dict[str, Any]]:
    """Report what the range introduces: a spec that was already behind the code at the
    base in the same way (no breaking difference between the spec and the head's code that
    the base's code did not have) is context; a new breaking difference keeps ``severity``."""
    from hotfix_hooks.openapi import standing

    if not sides:
        sides.extend(_code_sides(changes, cfg, changes.base, changes.head))
    new = standing.new_differences(spec, sides[0], sides[1])
    if not new:
        return 'info', ('; it was already behind the route code at the base in the same '
                        'way: this change adds no breaking difference between the spec and '
                        'the code'), {**extra, 'behind_at_base': True}
    return severity, (f'; new breaking difference(s) from the spec: '
                      f'{standing.summary(new)}'), {**extra, 'new_differences': len(new)}


def _caught_up(changes: ChangeSet, cfg: dict[str, Any], findings: list[Finding]
               ) -> list[Finding]:
    """Spec-diff findings the base side's route code already exhibits are context: the
    spec catches up with a change the code made in an earlier commit."""
    paths = {f.path for f in findings if f.path and (
        f.severity != 'info' or f.rule in _CATCH_UP_RULES) and not f.rule.startswith('openapi-')}
    if not paths:
        return findings
    from hotfix_hooks.openapi import standing
    from hotfix_hooks.openapi.loader import is_contract

    by_path = {f.path: f for f in changes.files if f.status not in (ADDED, DELETED)}
    sides: list[Any] = []
    for path in sorted(paths):
        f = by_path.get(path)
        if f is None:
            continue
        spec, _ = _load(f.old_bytes(), f.old_path or f.path)
        if spec is None or not is_contract(spec.data):
            continue
        if not sides:
            sides.extend(_code_sides(changes, cfg, changes.base))
        mine = [x for x in findings if x.path == path]
        done = standing.already_served(mine, spec, sides[0], _CATCH_UP_RULES)
        it = iter(done)
        findings = [next(it) if x.path == path else x for x in findings]
    return findings


# info findings that a hotfix branch turns into warnings (new scope): a spec catching up
# with an operation the code already served is not new scope either
_CATCH_UP_RULES = frozenset({'api-operation-added'})
