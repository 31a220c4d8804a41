"""Column type families, for lossy type changes and table rewrites (SQLAlchemy, Django
and SQL spellings: ``sa.String(50)``, ``CharField(50)``, ``varchar(50)``)."""
from __future__ import annotations

import re

_FAMILIES = [
    (r'^(unicodetext|text|clob|citext|tsvector)\b', 'text', 10 ** 9),
    (r'^(string|unicode|varchar|character varying|nvarchar|char|character|nchar)\b', 'text', None),
    (r'^(email|slug|url|filepath|file|image)\b', 'text', None),        # Django CharField kin
    (r'^(bigint|biginteger|int8|bigserial|bigauto|positivebiginteger)\b', 'int', 8),
    (r'^(smallint|smallinteger|int2|smallauto|positivesmallinteger)\b', 'int', 2),
    (r'^(integer|int|int4|serial|auto|positiveinteger)\b', 'int', 4),
    (r'^(numeric|decimal)\b', 'numeric', None),
    (r'^(float|double|double_precision|real|float8|float4)\b', 'float', 8),
    (r'^(boolean|bool|nullboolean)\b', 'bool', 1),
    (r'^(datetime|timestamp|timestamptz)\b', 'datetime', 2),
    (r'^(date)\b', 'date', 1),
    (r'^(json|jsonb)\b', 'json', 1),
]


def type_family(text: str | None) -> tuple[str, int | None] | None:
    """(family, size) of a type spelling; ``None`` when there is no type."""
    if not text:
        return None
    t = text.strip().lower()
    t = re.sub(r'^(sa|sqlalchemy|postgresql|mysql|types|models|db|pg)\.', '', t)
    t = re.sub(r'^(sa|sqlalchemy|postgresql|mysql|types|models|db|pg)\.', '', t)
    t = t.replace('field', '') if t.endswith(('field)', 'field')) or 'field(' in t else t
    for rx, fam, size in _FAMILIES:
        mt = re.match(rx, t)
        if mt:
            if size is None:
                num = re.search(r'(?:\(|length\s*=\s*)(\d+)', t)
                size = int(num.group(1)) if num else (10 ** 9 if fam == 'text' else None)
            return fam, size
    return ('other:' + re.sub(r'\(.*', '', t), None)


_LOSSY_FAMILY = {('text', 'int'), ('text', 'numeric'), ('text', 'float'), ('text', 'bool'),
                 ('text', 'date'), ('text', 'datetime'), ('numeric', 'int'), ('float', 'int'),
                 ('datetime', 'date'), ('int', 'bool'), ('text', 'json'), ('numeric', 'float')}


def lossy(old: str | None, new: str | None) -> bool:
    """Values of ``old`` may not fit ``new`` (narrowing, text -> number, ...)."""
    a, b = type_family(old), type_family(new)
    if a is None or b is None:
        return False
    if a[0] == b[0]:
        return a[1] is not None and b[1] is not None and b[1] < a[1]
    return (a[0], b[0]) in _LOSSY_FAMILY


def rewrites(old: str | None, new: str | None) -> bool:
    """PostgreSQL rewrites the table for a type change, except a varchar widening or
    varchar -> text."""
    a, b = type_family(old), type_family(new)
    if a is not None and b is not None and a[0] == b[0] == 'text' and \
            (b[1] or 0) >= (a[1] or 0):
        return False
    return True


def widens(old: str | None, new: str | None) -> bool:
    """``new`` holds every value of ``old`` (varchar(50) -> varchar(200), varchar -> text,
    integer -> bigint, Django IntegerField -> BigIntegerField, an integer -> numeric, a
    4-byte integer -> double precision): backward compatible for the running code, which
    keeps writing and reading the same values."""
    a, b = type_family(old), type_family(new)
    if a is None or b is None:
        return False
    if a[0] == 'int' and (b[0] == 'numeric' or (b[0] == 'float' and (a[1] or 8) <= 4)):
        return True
    return a[0] == b[0] and a[1] is not None and b[1] is not None and b[1] >= a[1]
