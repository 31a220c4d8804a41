"""Chunked parsing of the actions guard: a module split into top-level statements by lines
parses to exactly what a full parse gives, and falls back to a full parse when the split
is not safe."""
from __future__ import annotations

import ast

import pytest

from hotfix_hooks.actions.delta import split_chunks
from hotfix_hooks.actions.index import Index
from hotfix_hooks.changeset import MemorySnapshot

TRICKY = '''"""Orders router.

def not_a_function():
class NotAClass:
"""
from __future__ import annotations

import typing

from fastapi import APIRouter

router = APIRouter(prefix="/x")

if typing.TYPE_CHECKING:
    import os
else:
    os = None

try:
    import ujson as json
except ImportError:
    import json
finally:
    pass


@router.post(
    "/{id}/actions",
    status_code=202,
)
@other.decorator
async def act(id: int) -> dict:
    doc = \'\'\'
x = 1
def y(): ...
\'\'\'
    return {"doc": doc}


class Model:
    status: str = "open"

    def method(self):
        return 1
# trailing comment
'''

COL0_LIST = '''X = [
1,
]
def f():
    return X
'''


def dump_all(index: Index, path: str) -> str:
    mod = index.materialize(path, lambda c: True)
    assert mod is not None
    return ast.dump(mod.tree, include_attributes=True)


@pytest.mark.parametrize('source', [TRICKY, COL0_LIST, '', '# only a comment\n',
                                    'x = 1\n\n\n\ndef f():\n    pass\n'])
def test_chunked_parse_equals_full_parse(source: str) -> None:
    index = Index(MemorySnapshot({'m.py': source}), {}, ['idempotency'])
    assert dump_all(index, 'm.py') == ast.dump(ast.parse(source), include_attributes=True)


def test_chunks_follow_top_level_statements() -> None:
    chunks = split_chunks(TRICKY)
    kinds = [(c.kind, c.name) for c in chunks]
    assert ('def', 'act') in kinds and ('class', 'Model') in kinds
    assert ('def', 'not_a_function') not in kinds      # inside the docstring
    act = next(c for c in chunks if c.name == 'act')
    assert act.text.startswith('@router.post(') and 'return {"doc": doc}' in act.text
    assert sum(1 for c in chunks if c.text.startswith(('if ', 'try:'))) == 2


def test_functions_are_parsed_on_demand() -> None:
    index = Index(MemorySnapshot({'m.py': TRICKY}), {}, ['idempotency'])
    mod = index.module('m.py')
    assert mod is not None and 'act' not in mod.functions and 'Model' in mod.classes
    got = index.lookup(mod, 'act')
    assert got is not None and got[0] == 'function' and got[2].lineno == 32


def test_a_syntax_error_is_found_by_the_full_parse() -> None:
    source = 'x = 1\n\ndef f(:\n    pass\n'
    index = Index(MemorySnapshot({'m.py': source}), {}, [])
    index.module('m.py')
    assert index.materialize('m.py', lambda c: True) is None
    assert index.errors['m.py'].lineno == 3
