"""Loading OpenAPI documents (JSON or YAML) and finding the line of a JSON pointer.

Parsing uses ``json`` or PyYAML's C loader when available. Lines are looked up lazily,
only for the pointers a finding reports. YAML goes through a scan of the text, else the
composed node tree (built once, on the first lookup). JSON that ``json`` parsed is located
by rank: ``json`` keeps the order of keys, so the n-th key of a pre-order walk of the
parsed document is the n-th key token of the text; each key of the pointer is ranked from
the counts of the keys under its earlier siblings (counted once per container), and the
key tokens are found by one pattern scan that reads only as far as the ranks need. A
token that does not spell the expected key, or more key tokens than keys (duplicate keys),
falls back to the search below for the rest of the document. Other JSON (read by YAML) is
searched: each key from its parent, by ``str.find`` and the parity of the quotes before it
in JSON without escaped quotes, else in an index of every key token. An offset becomes a
line by counting the line feeds from the nearest offset already counted: the cost of many
findings stays close to linear in the file size, not the file size times the findings.
"""
from __future__ import annotations

import bisect
import itertools
import json
import re
from collections.abc import Iterator

from hotfix_hooks.fastclass import dataclass
from hotfix_hooks.fastclass import field

TYPE_CHECKING = False  # typing is not imported at run time
if TYPE_CHECKING:
    from typing import Any

    import yaml

_MISSING = object()


class SpecError(Exception):
    """The file is not valid JSON/YAML (``line`` is 1-based when known)."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line


def escape(segment: str) -> str:
    if '~' not in segment and '/' not in segment:
        return segment
    return segment.replace('~', '~0').replace('/', '~1')


def unescape(segment: str) -> str:
    if '~' not in segment:
        return segment
    return segment.replace('~1', '/').replace('~0', '~')


def split_pointer(pointer: str) -> list[str]:
    if not pointer:
        return []
    if '~' not in pointer:
        return pointer.split('/')[1:]
    return [unescape(s) for s in pointer.split('/')[1:]]


def lookup(doc: Any, pointer: str) -> Any:
    """The node at ``pointer`` in ``doc`` or ``_MISSING``."""
    node = doc
    for seg in split_pointer(pointer):
        if isinstance(node, dict):
            if seg in node:
                node = node[seg]
            elif seg.isdigit() and int(seg) in node:   # YAML integer keys (status codes)
                node = node[int(seg)]
            else:
                return _MISSING
        elif isinstance(node, list):
            if not seg.isdigit() or int(seg) >= len(node):
                return _MISSING
            node = node[int(seg)]
        else:
            return _MISSING
    return node


def is_missing(node: object) -> bool:
    return node is _MISSING


@dataclass
class Spec:
    """One parsed OpenAPI document."""

    path: str
    text: str
    data: dict[str, Any]
    syntax: str                       # 'json' | 'yaml'
    _yaml_root: yaml.Node | None = field(default=None, repr=False)
    _lines: dict[str, int | None] = field(default_factory=dict, repr=False)
    # offsets whose line is known (sorted) and their lines; the first is (0, 1)
    _marks: list[int] = field(default_factory=lambda: [0], repr=False)
    _mark_lines: list[int] = field(default_factory=lambda: [1], repr=False)
    # JSON that ``json`` parsed (strict) and holds no escaped quote: keys found by search
    plain_json: bool = field(default=False, repr=False)
    # JSON that ``json`` parsed: its keys in text order are the keys of a pre-order walk of
    # ``data`` (``json`` keeps their order), so the n-th key of the walk is the n-th key
    # token of the text. ``_key_offsets`` holds the key tokens' offsets found so far (the
    # text is scanned only as far as the lookups need), ``_subtree_keys`` the number of
    # keys under a container (by ``id``), ``_key_ranks`` per container the rank of each
    # key or item's first key inside it. ``None`` in ``_aligned``: not tried yet; ``False``
    # when the counts disagree (duplicate keys): the search below is used instead.
    strict_json: bool = field(default=False, repr=False)
    _aligned: bool | None = field(default=None, repr=False)
    _key_offsets: list[int] = field(default_factory=list, repr=False)
    _key_scan: Iterator[int] | None = field(default=None, repr=False)
    _subtree_keys: dict[int, int] = field(default_factory=dict, repr=False)
    _key_ranks: dict[int, Any] = field(default_factory=dict, repr=False)
    _found: dict[tuple[str, int], int] = field(default_factory=dict, repr=False)
    _searched: int = field(default=0, repr=False)
    # JSON that ``json`` parsed, laid out one key or item per line, each container's
    # children one unit deeper than its line (``json.dumps(indent=...)``, FastAPI's
    # exporters): ``_text_lines`` its lines, ``_indent_unit`` the unit, ``_root_line``
    # the root brace's line (0-based), ``_key_lines`` per container read (by ``id``) the
    # lines of its keys (a dict) or items (a list), empty when they did not verify.
    # ``None`` in ``_indent_ok``: not tried yet; ``False``: not laid out that way (one
    # line, no line break after the first brace): the rank walk below answers
    _indent_ok: bool | None = field(default=None, repr=False)
    _text_lines: list[str] | None = field(default=None, repr=False)
    _indent_unit: str = field(default='', repr=False)
    _root_line: int = field(default=0, repr=False)
    _key_lines: dict[int, Any] = field(default_factory=dict, repr=False)
    # per indentation, the key tokens (``<ind>"name":``) of the plain keys made so far
    _tokens: dict[str, dict[str, str]] = field(default_factory=dict, repr=False)
    # otherwise (or once the searches have read the text once over: many findings), built
    # on the first lookup: the offsets of every JSON key token ('"name"' followed by ':')
    # by token
    _keys: dict[str, list[int]] | None = field(default=None, repr=False)
    # YAML: per node (line start, key column) the keys found in its block, and its end
    _yaml_keys: dict[tuple[int, int], dict[str, tuple[int, int] | None]] = field(
        default_factory=dict, repr=False)
    _yaml_ends: dict[tuple[int, int], int] = field(default_factory=dict,
                                                              repr=False)

    @property
    def version(self) -> str:
        """'2.0', '3.0' or '3.1'."""
        if 'swagger' in self.data:
            return '2.0'
        v = str(self.data.get('openapi', '3.0'))
        return '3.1' if v.startswith('3.1') else '3.0'

    def line(self, pointer: str | None) -> int | None:
        """1-based line of the key (or item) at ``pointer``; the nearest known ancestor's
        line when the exact place cannot be found."""
        if pointer is None:
            return None
        if pointer in self._lines:
            return self._lines[pointer]
        try:
            if self.syntax == 'yaml':
                got = self._yaml_scan(pointer)
                if got is None:
                    got = self._yaml_line(pointer)
            else:
                got = self._json_line(pointer)
        except Exception:  # noqa: BLE001 - a line number is a nicety, never a crash
            got = None
        self._lines[pointer] = got
        return got

    def line_at(self, offset: int) -> int:
        """1-based line of a character offset (1 + the line feeds before it), counted from
        the nearest offset below it whose line is known, and remembered."""
        marks = self._marks
        i = bisect.bisect_right(marks, offset) - 1
        start = marks[i]
        if start == offset:
            return self._mark_lines[i]
        line = self._mark_lines[i] + self.text.count('\n', start, offset)
        marks.insert(i + 1, offset)
        self._mark_lines.insert(i + 1, line)
        return line

    def _key_after(self, token: str, pos: int) -> int:
        """Offset of the first JSON key ``token`` (``"name"`` followed by ``:``) at or after
        ``pos``, -1 when there is none. ``pos`` is the offset of a key, an array item or 0."""
        if self.plain_json and self._searched < len(self.text):
            memo = (token, pos)
            got = self._found.get(memo)
            if got is None:
                got = self._found[memo] = self._plain_key_after(token, pos)
            return got
        if self._keys is None:
            keys: dict[str, list[int]] = {}
            for m in (_PLAIN_KEY_RE if self.plain_json else _KEY_RE).finditer(self.text):
                keys.setdefault(m.group(), []).append(m.start())
            self._keys = keys
        found = self._keys.get(token)
        if not found:
            return -1
        i = bisect.bisect_left(found, pos)
        return found[i] if i < len(found) else -1

    def _plain_key_after(self, token: str, pos: int) -> int:
        """``_key_after`` in plain JSON: every ``"`` opens or closes a string, so an
        occurrence of ``token`` is a key exactly when an even number of quotes precede it
        (counted from ``pos``, which is outside any string: the start of a key, an item's
        first character or 0) and ``:`` follows it after spaces."""
        text = self.text
        quotes = 0                 # the quotes in text[pos:at]
        at = pos
        find, count = text.find, text.count
        while True:
            hit = find(token, at)
            self._searched += (len(text) if hit < 0 else hit) - at
            if hit < 0:
                return -1
            quotes += count('"', at, hit)
            if quotes % 2 == 0 and _COLON_RE.match(text, hit + len(token)):
                return hit
            quotes += count('"', hit, hit + 1)
            at = hit + 1

    def _json_line(self, pointer: str) -> int | None:
        if self._indent_ok is not False:
            try:
                got = self._indented_line(pointer)
            except IndexError:          # the text ended where a line was expected
                got = _MISSING
            if got is not _MISSING:
                return got  # type: ignore[return-value]
        if self._aligned is None:
            self._aligned = self.strict_json
        if self._aligned:
            got = self._aligned_line(pointer)
            if got is not _MISSING:
                return got  # type: ignore[return-value]
            self._aligned = False
        return self._searched_line(pointer)

    def _indented_line(self, pointer: str) -> int | None | object:
        """Line of ``pointer`` in JSON laid out one key or item per line, each container's
        children one indentation unit deeper than the line that opens it, an empty
        container written ``{}``/``[]`` on its key's line (``json.dumps(indent=...)``,
        FastAPI's exporters; spaces or tabs).

        In that layout a JSON string never holds a raw line feed, so what follows a line's
        indentation is outside every string, and each line holds one token: the lines of an
        object's keys are read in order (``_chain``, once per object): the first on the
        line after the object's own, the next one line further after a scalar or an empty
        container, or on the line after a container's closing line (found by C-level
        comparison of the text's lines, ``list.index``, not by a walk of the container).
        Every key is checked on its line: its token (``"name":``) at its indentation, and
        a line that opens a non-empty container exactly when the parsed value is one. An
        array's items are read the same way (``_items``): a container item is its bracket
        alone on its line, any other item one token on its line. ``_MISSING`` when a step
        does not verify (another layout, a duplicate key): the rank walk answers that
        pointer. Where the indentation follows the nesting the answer is the rank walk's
        (``tests/openapi/test_line_starts.py``
        compares the two on many layouts); a hand-made file whose lines contradict its
        brackets so that a same-named key sits where the next key is expected could get
        that line: lines are shown, never part of a finding's identity (its fingerprint).
        """
        lines = self._text_lines
        if lines is None:
            lines = self._text_lines = self._indent_layout()
            if not lines:
                self._indent_ok = False
                return _MISSING
            self._indent_ok = True
        unit = self._indent_unit
        line = self._root_line        # 0-based index of the line of the current node
        ind = ''                      # the current node's indentation
        found = None
        node: Any = self.data
        for seg in split_pointer(pointer):
            t = type(node)
            if t is dict:
                if seg not in node:
                    break
                at = self._key_lines.get(id(node))
                if at is None:
                    at = self._key_lines[id(node)] = self._chain(node, line, ind + unit)
                if not at:
                    return _MISSING
                line = at[seg]
                ind += unit
                node = node[seg]
            elif t is list:
                if not seg.isdigit() or int(seg) >= len(node):
                    break
                i = int(seg)
                items = self._key_lines.get(id(node))
                if items is None:
                    items = self._key_lines[id(node)] = self._items(node, line, ind + unit)
                if not items:
                    return _MISSING
                line = items[i]
                ind += unit
                node = node[i]
            else:
                break
            found = line
        if found is None:
            return None
        return found + 1

    def _indent_layout(self) -> list[str]:
        """The text's lines when it opens with ``{`` alone on its line and the next line
        is indented (the indentation unit, remembered); an empty list otherwise."""
        if not self.strict_json:
            return []
        text = self.text
        brace = _BLANK_RE.match(text).end()  # type: ignore[union-attr]
        if not text.startswith('{\n', brace) or brace and text[brace - 1] != '\n':
            return []
        unit = _INDENT_RE.match(text, brace + 2).group()  # type: ignore[union-attr]
        if not unit:
            return []
        self._indent_unit = unit
        self._root_line = text.count('\n', 0, brace)
        return text.split('\n')

    def _chain(self, node: dict[str, Any], line: int, ind: str) -> dict[str, int]:
        """The line of every key of the non-empty object ``node`` whose line is ``line``
        (its keys indented ``ind``), each checked on its line: the key token, and a line
        that opens a non-empty container exactly when the value is one. The first key is
        on the next line; a key after a scalar or empty value on the line after it; a key
        after a container on the line after that container's closing line (the first line
        after it that is ``ind`` and the bracket with a comma: a container nested in it
        closes at a deeper indentation), found by C-level comparison of the lines instead
        of a walk of the container. Empty when a key does not verify."""
        lines = self._text_lines or []
        out: dict[str, int] = {}
        j = line + 1
        last = len(node) - 1
        # the same keys recur at the same depth (``type``, ``description``): each plain
        # key's token is made once per indentation
        tokens = self._tokens.get(ind)
        if tokens is None:
            tokens = self._tokens[ind] = {}
        closes = {dict: ind + '},', list: ind + '],'}
        for i, (k, v) in enumerate(node.items()):
            row = lines[j]
            token = tokens.get(k)
            if token is None:
                if k.isascii() and k.isprintable() and '"' not in k and '\\' not in k:
                    token = tokens[k] = f'{ind}"{k}":'
                else:
                    token = ind + json.dumps(k) + ':'
                    if not row.startswith(token) and not k.isascii():
                        token = ind + json.dumps(k, ensure_ascii=False) + ':'
            if not row.startswith(token):
                return {}
            out[k] = j
            t = type(v)
            if (t is dict or t is list) and v:
                if len(row) != len(token) + 2 or row[-1] != ('{' if t is dict else '['):
                    return {}
                if i < last:
                    try:
                        j = lines.index(closes[t], j + 1) + 1
                    except ValueError:
                        return {}
            elif row[-1:] in _OPENERS:
                return {}
            else:
                j += 1
        return out

    def _items(self, node: list[Any], line: int, ind: str) -> list[int]:
        """The line of every item of the non-empty array ``node`` whose line is ``line``
        (its items indented ``ind``), read as ``_chain`` reads an object's keys: an item
        that is a non-empty container is its bracket alone on its line, the next item on
        the line after its closing line (``ind`` and the bracket with a comma); any other
        item is one token on its line. Empty when an item does not verify."""
        lines = self._text_lines or []
        out: list[int] = []
        j = line + 1
        last = len(node) - 1
        n = len(ind)
        for i, v in enumerate(node):
            row = lines[j]
            if not row.startswith(ind):
                return []
            out.append(j)
            t = type(v)
            if (t is dict or t is list) and v:
                if len(row) != n + 1 or row[-1] != ('{' if t is dict else '['):
                    return []
                if i < last:
                    try:
                        j = lines.index(ind + ('},' if t is dict else '],'), j + 1) + 1
                    except ValueError:
                        return []
            elif row[n:n + 1] in _NOT_A_TOKEN or row[-1:] in _OPENERS:
                return []
            else:
                j += 1
        return out

    def _key_offset(self, rank: int) -> int:
        """Offset of the key token of rank ``rank`` (0-based, in text order), -1 when the
        text has fewer; the text is scanned only as far as needed, in chunks."""
        offsets = self._key_offsets
        if rank < len(offsets):
            return offsets[rank]
        scan = self._key_scan
        if scan is None:
            if self.plain_json:
                scan = map(_match_start, _PLAIN_KEY_RE.finditer(self.text))
            else:
                # every string token matched whole (a match never starts inside one:
                # linear however many escaped quotes a long string holds), keys kept
                scan = (m.start() for m in _STRING_TOKEN_RE.finditer(self.text)
                        if m.group(1) is not None)
            self._key_scan = scan
        while rank >= len(offsets):
            n = len(offsets)
            offsets.extend(itertools.islice(scan, max(rank + 1 - n, n, 256)))
            if len(offsets) == n:
                return -1
        return offsets[rank]

    def _count(self, node: Any) -> int:
        """Number of keys under ``node`` (a dict or a list); remembered for large
        containers (the ones a later lookup would count again)."""
        got = self._subtree_keys.get(id(node))
        if got is None:
            got = _count_keys(node, self._subtree_keys)
        return got

    def _ranks(self, node: Any) -> Any:
        """Per key of a dict, the rank of that key among the keys under ``node``; per item
        of a list, the rank of the first key under the item."""
        got = self._key_ranks.get(id(node))
        if got is None:
            count = self._count
            r = 0
            if type(node) is dict:
                got = {}
                for k, v in node.items():
                    got[k] = r
                    t = type(v)
                    r += 1 + (count(v) if t is dict or t is list else 0)
            else:
                got = []
                for v in node:
                    got.append(r)
                    t = type(v)
                    if t is dict or t is list:
                        r += count(v)
            self._key_ranks[id(node)] = got
            self._subtree_keys[id(node)] = r
        return got

    def _aligned_line(self, pointer: str) -> int | None | object:
        """Line of ``pointer`` from the rank of each of its keys in a pre-order walk of the
        document: exact (a key is never taken for a same-named key elsewhere); ``_MISSING``
        when the text does not line up with the parsed document (duplicate keys)."""
        text = self.text
        rank = 0                # rank of the first key under ``node``
        pos = 0
        found = None
        node: Any = self.data
        for seg in split_pointer(pointer):
            t = type(node)
            if t is list:
                if not seg.isdigit() or int(seg) >= len(node):
                    break
                i = int(seg)
                rank += self._ranks(node)[i]
                node = node[i]
                if type(node) is dict and node:
                    # an object item starts at the brace just before its first key
                    at = self._key_offset(rank)
                    if at < 0 or not _is_key(text, at, next(iter(node))):
                        return _MISSING
                    brace = text.rfind('{', pos, at)
                    if brace < 0 or not text[brace + 1:at].isspace() and brace + 1 != at:
                        return _MISSING
                    pos = found = brace
                    continue
                got = _array_item(text, pos, i)
                if got is None:
                    break
                pos = found = got
                continue
            if t is not dict:
                break
            ranks = self._ranks(node)
            r = ranks.get(seg)
            if r is None:
                break
            rank += r
            at = self._key_offset(rank)
            if at < 0 or not _is_key(text, at, seg):
                return _MISSING
            pos = found = at
            rank += 1
            node = node[seg]
        if self._key_scan is not None and len(self._key_offsets) > self._count(self.data):
            return _MISSING             # more key tokens than keys: duplicate keys
        if found is None:
            return None
        return self.line_at(found)

    def _searched_line(self, pointer: str) -> int | None:
        text = self.text
        pos = 0
        found = None
        node: Any = self.data
        for seg in split_pointer(pointer):
            if isinstance(node, list):
                if not seg.isdigit() or int(seg) >= len(node):
                    break
                node = node[int(seg)]
                at = _array_item(text, pos, int(seg))
                if at is None:
                    break
                pos = found = at
                continue
            if not isinstance(node, dict):
                break
            node = node.get(seg)
            at = self._key_after(json.dumps(seg), pos)
            if at < 0:
                break
            pos = found = at
        if found is None:
            return None
        return self.line_at(found)

    def _yaml_scan(self, pointer: str) -> int | None:
        """Line of ``pointer`` in block-style YAML by scanning the text for each key inside
        its parent's block (no second parse). ``None`` when the text is not laid out that
        way; the caller then uses the node tree."""
        text = self.text
        pos = 0                 # start of the line of the current node
        indent = -1             # column of the current node's key (or dash)
        line = None
        node: Any = self.data
        for seg in split_pointer(pointer):
            if isinstance(node, list):
                if not seg.isdigit() or int(seg) >= len(node):
                    return line
                node = node[int(seg)]
                item = _yaml_item(text, pos, indent, int(seg))
                if item is None:
                    return None
                pos, indent = item
                line = self.line_at(pos)
                continue
            if not isinstance(node, dict):
                return line
            node = node.get(seg, node.get(int(seg)) if seg.isdigit() else None)
            got = self._yaml_key(seg, pos, indent)
            if got is None:
                return None
            pos, indent = got
            line = self.line_at(pos)
        return line

    def _yaml_key(self, seg: str, pos: int, indent: int) -> tuple[int, int] | None:
        """(line start, key column) of key ``seg`` in the block of the node whose line starts
        at ``pos`` (key column ``indent``); each (node, key) is searched once."""
        memo = self._yaml_keys.setdefault((pos, indent), {})
        if seg in memo:
            return memo[seg]
        text = self.text
        key = re.escape(seg)
        rx = re.compile(rf'^( *)(?:- +)?(?P<k>{key}|\'{key}\'|"{key}")[ \t]*:(?=\s)', re.M)
        m = None
        for cand in rx.finditer(text, pos):
            if cand.start('k') - cand.start() > indent:
                m = cand
                break
        got = None
        if m is not None:
            nl = text.find('\n', pos)
            if indent < 0 or nl == -1 or nl >= m.start() or \
                    self._block_end(pos, indent) >= m.start():
                got = m.start(), m.start('k') - m.start()
            # else: it left the parent's block before finding the key
        memo[seg] = got
        return got

    def _block_end(self, pos: int, indent: int) -> int:
        """Offset of the first line after the one at ``pos`` that is indented at most
        ``indent`` (a sibling or a parent: the end of the block), else the end of the text."""
        key = (pos, indent)
        end = self._yaml_ends.get(key)
        if end is None:
            text = self.text
            nl = text.find('\n', pos)
            m = re.compile(rf'^ {{0,{indent}}}[^\s#]', re.M).search(text, nl + 1) \
                if nl != -1 else None
            end = self._yaml_ends[key] = m.start() if m else len(text)
        return end

    def _yaml_line(self, pointer: str) -> int | None:
        import yaml
        if self._yaml_root is None:
            loader = getattr(yaml, 'CSafeLoader', yaml.SafeLoader)
            self._yaml_root = yaml.compose(self.text, Loader=loader)
        node = self._yaml_root
        line = None
        for seg in split_pointer(pointer):
            if isinstance(node, yaml.MappingNode):
                for k, v in node.value:
                    if str(k.value) == seg:
                        line = k.start_mark.line + 1
                        node = v
                        break
                else:
                    return line
            elif isinstance(node, yaml.SequenceNode):
                if not seg.isdigit() or int(seg) >= len(node.value):
                    return line
                item: yaml.Node = node.value[int(seg)]
                line = item.start_mark.line + 1
                node = item
            else:
                return line
        return line


def _yaml_item(text: str, pos: int, indent: int, index: int) -> tuple[int, int] | None:
    """(line start, dash column) of item ``index`` of the block sequence under the key
    whose line starts at ``pos`` (the dash may sit at the key's own column)."""
    i = text.find('\n', pos)
    count = -1
    item_indent = None
    while i != -1:
        start = i + 1
        i = text.find('\n', start)
        row = text[start:i if i != -1 else len(text)]
        stripped = row.lstrip(' ')
        if not stripped or stripped.startswith('#'):
            continue
        col = len(row) - len(stripped)
        dash = stripped.startswith('- ') or stripped == '-'
        if item_indent is None:
            if not dash or col < indent:
                return None
            item_indent = col
        if col < item_indent or (col == item_indent and not dash):
            return None
        if dash and col == item_indent:
            count += 1
            if count == index:
                return start, col
    return None


# a string, a bracket or comma, or a bare number / true / false / null
_TOKEN_RE = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{},]|[^\s\[\]{},:"]+')
# a JSON string followed by ':' (valid JSON has no raw line break inside a string)
_KEY_RE = re.compile(r'"[^"\\\n]*(?:\\.[^"\\\n]*)*"(?=[ \t\r\n]*:)')
_COLON_RE = re.compile(r'[ \t\r\n]*:')
# the same in plain JSON, where a backslash is never followed by a quote: a third faster
_PLAIN_KEY_RE = re.compile(r'"[^"\n]*"(?=[ \t\r\n]*:)')



def _count_keys(node: Any, memo: dict[int, int]) -> int:
    """Number of keys under ``node`` (a dict or a list); containers with many keys under
    them are remembered in ``memo`` (by ``id``)."""
    if type(node) is dict:
        n = len(node)
        values: Any = node.values()
    else:
        n = 0
        values = node
    for v in values:
        t = type(v)
        if t is dict or t is list:
            n += _count_keys(v, memo)
    if n > 8:
        memo[id(node)] = n
    return n


_match_start = re.Match.start
_BLANK_RE = re.compile(r'[ \t\r\n]*')
_INDENT_RE = re.compile(r'[ \t]*')
# what cannot follow an array item's indentation on its line; what ends a line that
# opens a container
_NOT_A_TOKEN = frozenset(('', ' ', '\t', ']', '}'))
_OPENERS = frozenset(('{', '['))


def _is_key(text: str, at: int, key: str) -> bool:
    """The string token at ``at`` spells ``key`` (raw or with escapes)."""
    end = at + 1 + len(key)
    if text.startswith(key, at + 1) and text.startswith('"', end) and '"' not in key \
            and '\\' not in key:
        return True
    m = _STRING_RE.match(text, at)
    if m is None:
        return False
    try:
        return bool(json.loads(m.group()) == key)
    except ValueError:
        return False


_STRING_TOKEN_RE = re.compile(r'"[^"\\\n]*(?:\\.[^"\\\n]*)*"([ \t\r\n]*:)?')
_STRING_RE = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"')
# ``\"`` in a text: the pattern skips to each backslash (rare in JSON), where ``'\\"' in
# text`` stops at every quote (4 ms against 1 ms on a 2.7 MB spec)
_ESCAPED_QUOTE_RE = re.compile(r'\\"')


def _array_item(text: str, pos: int, index: int) -> int | None:
    """Offset of item ``index`` of the JSON array that follows the key at ``pos``."""
    start = text.find('[', pos)
    if start == -1:
        return None
    depth = 0
    count = 0
    for m in _TOKEN_RE.finditer(text, start):
        tok = m.group(0)
        if tok in '[{':
            depth += 1
            if depth == 2 and count == index:
                return m.start()
        elif tok in ']}':
            depth -= 1
            if depth == 0:
                return None
        elif tok == ',' and depth == 1:
            count += 1
        elif depth == 1 and count == index:
            return m.start()
    return None


def looks_like_contract(data: bytes) -> bool:
    """Cheap pre-filter before parsing: the bytes mention an openapi/swagger key."""
    head = data[:4096]
    return (b'openapi' in head or b'swagger' in head) and (
        b'paths' in data or b'components' in data or b'definitions' in data)


def _parse(text: str, path: str) -> Spec:
    stripped = text.lstrip()
    strict = False
    if path.endswith('.json') or stripped.startswith('{'):
        try:
            data = json.loads(text)
            strict = True
        except json.JSONDecodeError as e:
            if path.endswith('.json'):
                raise SpecError(f'invalid JSON: {e.msg} (line {e.lineno} column {e.colno})',
                                e.lineno) from None
            data = _yaml_load(text)
        syntax = 'json'
    else:
        data = _yaml_load(text)
        syntax = 'yaml'
    if not isinstance(data, dict):
        raise SpecError('the document is not a mapping', 1)
    return Spec(path=path, text=text, data=data, syntax=syntax,
                plain_json=strict and _ESCAPED_QUOTE_RE.search(text) is None,
                strict_json=strict)


def parse(text: str, path: str) -> Spec:
    """Parse ``text`` as JSON (when it looks like JSON) or YAML. Raises ``SpecError``."""
    try:
        return _parse(text, path)
    except RecursionError:
        raise SpecError('the document nests too deeply to be read') from None


# the most nodes a YAML document may stand for once its aliases are expanded: a spec's
# anchors save some repetition; "billion laughs" multiplies a few lines into billions of
# nodes that every later walk of the document would visit
MAX_EXPANDED_NODES = 2_000_000


def _yaml_load(text: str) -> Any:
    import yaml
    loader = getattr(yaml, 'CSafeLoader', yaml.SafeLoader)
    try:
        if '*' in text and '&' in text:       # anchors and aliases: bound their expansion
            root = yaml.compose(text, Loader=loader)
            if root is not None:
                _expanded_size(root)
        return yaml.load(text, Loader=loader)  # noqa: S506 - a safe loader
    except yaml.YAMLError as e:
        mark = getattr(e, 'problem_mark', None)
        line = mark.line + 1 if mark is not None else None
        problem = getattr(e, 'problem', None) or str(e).splitlines()[0]
        where = f' (line {line})' if line else ''
        raise SpecError(f'invalid YAML: {problem}{where}', line) from None


def _expanded_size(root: yaml.Node) -> int:
    """How many nodes the document stands for with its aliases expanded, counted without
    expanding them (each node once); ``SpecError`` over ``MAX_EXPANDED_NODES`` or for an
    alias that contains itself."""
    import yaml

    size: dict[int, int] = {}
    on_path: set[int] = set()
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, done = stack.pop()
        key = id(node)
        children: list[yaml.Node] = []
        if isinstance(node, yaml.SequenceNode):
            children = list(node.value)
        elif isinstance(node, yaml.MappingNode):
            children = [n for pair in node.value for n in pair]
        if done:
            on_path.discard(key)
            total = 1 + sum(size[id(c)] for c in children)
            if total > MAX_EXPANDED_NODES:
                raise SpecError(f'its YAML aliases expand to more than '
                                f'{MAX_EXPANDED_NODES:,} nodes (line '
                                f'{node.start_mark.line + 1}); it is not read',
                                node.start_mark.line + 1)
            size[key] = total
            continue
        if key in size:
            continue
        if key in on_path:
            raise SpecError('a YAML alias contains itself (a recursive document)',
                            node.start_mark.line + 1)
        on_path.add(key)
        stack.append((node, True))
        stack.extend((c, False) for c in children if id(c) not in size)
    return size[id(root)]


def is_contract(data: object) -> bool:
    """A mapping with a top-level ``openapi`` (3.x) or ``swagger`` (2.0) key."""
    if not isinstance(data, dict):
        return False
    return (str(data.get('openapi', '')).startswith('3')
            or str(data.get('swagger', '')).startswith('2'))
