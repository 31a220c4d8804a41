"""AST helpers shared by every engine that reads Python source (routes, the ``/actions``
flow, the contract from code, migrations, the data-integrity condition). They read the
tree only; nothing of the scanned code is ever imported or run."""
from __future__ import annotations

import ast
import re
import sys
from collections.abc import Callable
from collections.abc import Iterable
from typing import Any

from hotfix_hooks import tomlio


def call_name(func: ast.expr) -> str:
    """The called name: ``f`` for ``f()``, ``attr`` for ``x.y.attr()``; '' otherwise."""
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return ''


def source_of(node: ast.AST | None) -> str:
    """The source text of a node, for messages ('' for None or a tree unparse rejects)."""
    if node is None:
        return ''
    try:
        return ast.unparse(node)
    except Exception:  # noqa: BLE001 - unparse of exotic trees must not crash a scan
        return ''


def short(node: ast.AST, limit: int = 90) -> str:
    """``source_of`` on one line, cut to ``limit`` characters."""
    t = ' '.join(source_of(node).split())
    return t if len(t) <= limit else t[:limit - 3] + '...'


# -- newer Python syntax ---------------------------------------------------------------------
# The hooks parse with the Python that runs them; a project may be written for a newer one.
# ``parse`` first tries the running parser; when that fails it rewrites, line for line (so
# line numbers stay), the statements of newer grammars that carry nothing the analyses read
# differently, and tries again:
#   PEP 758 (3.14) ``except A, B:``      -> ``except (A, B):``
#   PEP 695 (3.12) ``type X[T] = ...``   -> ``X = ...``
#   PEP 695 (3.12) ``def f[T](...)``, ``class C[T: B](...)`` -> without the type parameters
# Anything else (a real syntax error, PEP 701 f-strings) raises the original error.

_EXCEPT_MULTI = re.compile(r'^([ \t]*except\*?)[ \t]+([\w.]+(?:[ \t]*,[ \t]*[\w.]+)+)[ \t]*:',
                           re.M)
_TYPE_ALIAS = re.compile(r'^([ \t]*)type[ \t]+([A-Za-z_]\w*)[ \t]*(?=[\[=])', re.M)
_GENERIC_DEF = re.compile(r'^[ \t]*(?:async[ \t]+)?(?:def|class)[ \t]+[A-Za-z_]\w*[ \t]*\[',
                          re.M)


def _drop_brackets(text: str, start: int) -> tuple[str, int]:
    """``text`` without the bracketed group opening at ``start`` (nested brackets kept
    together); the removed newlines are kept so line numbers do not move."""
    depth = 0
    for i in range(start, len(text)):
        c = text[i]
        if c in '[(':
            depth += 1
        elif c in '])':
            depth -= 1
            if depth == 0:
                removed = text[start:i + 1]
                return text[:start] + text[i + 1:], removed.count('\n')
    return text, 0


def downgrade(text: str) -> str | None:
    """``text`` with the newer statements above rewritten for older parsers (``None`` when
    there is nothing to rewrite)."""
    out = _EXCEPT_MULTI.sub(r'\1 (\2):', text)
    out = _TYPE_ALIAS.sub(r'\1\2', out)
    if '[' in out:
        # ``type X[T] = ...`` became ``X[T] = ...``: drop its parameters as well
        out = re.sub(r'^([ \t]*[A-Za-z_]\w*)\[[^\]=]*\]([ \t]*=)', _alias_params(text), out,
                     flags=re.M)
        pos = 0
        while True:
            m = _GENERIC_DEF.search(out, pos)
            if m is None:
                break
            bracket = m.end() - 1
            is_class = 'class' in m.group(0).split()
            before = out
            out, lines = _drop_brackets(out, bracket)
            if is_class:        # class C[T](B): -> class C(B, Generic[T]): (T stays a param)
                names = _param_names(before[bracket + 1:bracket + len(before) - len(out) - 1])
                if names:
                    generic = f'Generic[{", ".join(names)}]'
                    if out[bracket:bracket + 1] == '(':
                        inner = out[bracket + 1:bracket + 2] != ')'
                        out = out[:bracket + 1] + generic + (', ' if inner else '') + \
                            out[bracket + 1:]
                    else:
                        out = out[:bracket] + f'({generic})' + out[bracket:]
            if lines:       # keep the line count: put the newlines after the header line
                eol = out.find('\n', bracket)
                eol = len(out) if eol < 0 else eol
                out = out[:eol] + '\n' * lines + out[eol:]
            pos = bracket
    return out if out != text else None


def _param_names(text: str) -> list[str]:
    """``T, U: int, *Ts`` -> ['T', 'U'] (the names of PEP 695 type parameters)."""
    names, depth, part = [], 0, ''
    for c in text + ',':
        if c in '[(':
            depth += 1
        elif c in '])':
            depth -= 1
        if c == ',' and depth == 0:
            m = re.match(r'\s*([A-Za-z_]\w*)', part)
            if m:
                names.append(m.group(1))
            part = ''
        else:
            part += c
    return names


def _alias_params(original: str) -> Any:
    names = {m.group(2) for m in _TYPE_ALIAS.finditer(original)}

    def repl(m: re.Match[str]) -> str:
        return (m.group(1) + m.group(2)) if m.group(1).strip() in names else m.group(0)
    return repl


def parse(source: str | bytes, filename: str = '<unknown>') -> ast.Module:
    """``ast.parse``, falling back to ``downgrade`` for newer-Python statements. Raises the
    original ``SyntaxError`` (or ``ValueError`` for NUL bytes) when neither parses."""
    try:
        return ast.parse(source, filename=filename)
    except SyntaxError as first:
        text = source.decode('utf-8', 'replace') if isinstance(source, bytes) else source
        rewritten = downgrade(text)
        if rewritten is None:
            raise
        try:
            return ast.parse(rewritten, filename=filename)
        except SyntaxError:
            raise first from None


_VERSION = re.compile(r'(>=|>|~=|==)\s*3\.(\d+)')


def minimum_python(spec: str) -> tuple[int, int] | None:
    """The lowest Python 3 minor a ``requires-python`` specifier allows (``>=3.14`` ->
    (3, 14)); ``None`` when it sets no lower bound."""
    best = None
    for op, minor in _VERSION.findall(spec):
        v = int(minor) + (1 if op == '>' else 0)
        best = v if best is None else max(best, v)
    return (3, best) if best is not None else None


def requires_python(paths: Iterable[str], read: Callable[[str], bytes | None]
                    ) -> tuple[str, str, tuple[int, int]] | None:
    """(file, specifier, lowest version) of the project's ``requires-python`` when it is
    above the Python running the hooks: its newer syntax may not parse here. Read from the
    ``pyproject.toml`` files at most two folders deep."""
    running = sys.version_info[:2]
    best: tuple[str, str, tuple[int, int]] | None = None
    for path in paths:
        if not (path == 'pyproject.toml' or path.endswith('/pyproject.toml')) \
                or path.count('/') > 2:
            continue
        data = read(path)
        if not data:
            continue
        try:
            doc = tomlio.loads(data.decode('utf-8', 'replace'))
        except tomlio.TomlError:
            continue
        project = doc.get('project')
        spec = project.get('requires-python') if isinstance(project, dict) else None
        if not isinstance(spec, str):
            poetry = doc.get('tool', {}).get('poetry', {}) if isinstance(doc.get('tool'),
                                                                          dict) else {}
            deps = poetry.get('dependencies') if isinstance(poetry, dict) else None
            spec = deps.get('python') if isinstance(deps, dict) else None
            if isinstance(spec, str) and spec.startswith('^'):
                spec = '>=' + spec[1:]
        if not isinstance(spec, str):
            continue
        floor = minimum_python(spec)
        if floor is not None and floor > running and (best is None or floor > best[2]):
            best = (path, spec, floor)
    return best


def version_hint(found: tuple[str, str, tuple[int, int]]) -> str:
    """The one line that tells how to run the hooks with the project's Python."""
    path, spec, floor = found
    running = '.'.join(map(str, sys.version_info[:2]))
    return (f'{path} requires Python {spec} but hotfix-hooks runs on Python {running}: set '
            f'`language_version: python{floor[0]}.{floor[1]}` for the hotfix-hooks hooks in '
            '.pre-commit-config.yaml (or run them with that Python) so newer syntax parses')
