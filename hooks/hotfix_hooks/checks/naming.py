"""Naming rules: branch, tag, PR title and commit message.

Pure functions of names and policy (tested without git). The commands that resolve the
names from argv, pre-commit's environment, push stdin, CI variables or git are in
``hotfix_hooks.commands`` (``check_branch``, ``check_tag``, ``check_pr_title``,
``check_commit_msg``).
"""
from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from hotfix_hooks.findings import Finding
    from hotfix_hooks.policy import Policy

SEMVER = (r'(?P<major>0|[1-9]\d*)\.(?P<minor>0|[1-9]\d*)\.(?P<patch>0|[1-9]\d*)'
          r'(?:-(?P<pre>(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)'
          r'(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?')
DESC_RE = re.compile(r'^[a-z0-9]+(?:-[a-z0-9]+)*$')
BRANCH_SHAPE = 'hotfix/<ticket>-<short-description>'


@functools.cache
def _semver() -> re.Pattern[str]:
    """The released-version pattern, compiled when a tag is checked (not on every commit)."""
    return re.compile(rf'^{SEMVER}(?:\+[0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*)?$')


def _finding(*, rule: str, severity: str, message: str, hint: str = '',
             extra: dict[str, str] | None = None) -> Finding:
    """A naming finding. ``findings`` is imported only when a rule fails: the branch hook's
    passing run must not pay for dataclasses (more than its whole budget)."""
    from hotfix_hooks.findings import Finding

    return Finding(rule=rule, category='naming', severity=severity, message=message,
                   hint=hint, extra=dict(extra or {}))


# -- helpers -------------------------------------------------------------------
def slugify(text: str, max_length: int = 48) -> str:
    """Lowercase kebab-case ASCII, cut at a word boundary to ``max_length``."""
    import unicodedata

    norm = unicodedata.normalize('NFKD', text).encode('ascii', 'ignore').decode()
    slug = re.sub(r'[^a-z0-9]+', '-', norm.lower()).strip('-')
    if len(slug) > max_length:
        cut = slug[:max_length + 1]
        slug = cut[:cut.rfind('-')] if '-' in cut else slug[:max_length]
    return slug.strip('-')


def is_hotfix_branch(branch: str | None, policy: Policy) -> bool:
    """A branch meant as a hotfix: the hotfix prefix or one of its near misses."""
    if not branch:
        return False
    return (branch.startswith(policy['hotfix_prefix'])
            or near_miss_prefix(branch, policy) is not None)


def is_release_branch(branch: str | None, policy: Policy) -> bool:
    """A branch matching one of the policy's ``release_branches`` globs."""
    import fnmatch

    return bool(branch) and any(fnmatch.fnmatchcase(branch or '', pattern)
                                for pattern in policy['release_branches'])


def near_miss_prefix(branch: str, policy: Policy) -> str | None:
    lower = branch.lower()
    if branch.startswith(policy['hotfix_prefix']):
        return None
    for prefix in policy['naming']['near_miss_prefixes']:
        if lower.startswith(prefix.lower()):
            return branch[:len(prefix)]
    return None


def branch_ticket(branch: str | None, policy: Policy) -> str | None:
    """The ticket of a well-formed hotfix branch (``hotfix/ARIS-77-x`` -> ``ARIS-77``)."""
    if not branch or not branch.startswith(policy['hotfix_prefix']):
        return None
    rest = branch[len(policy['hotfix_prefix']):]
    m = re.match(f'(?:{policy["ticket_pattern"]})', rest)
    return m.group(0) if m else None


def _find_ticket(text: str, policy: Policy) -> tuple[str | None, str]:
    """Find a ticket in free text, as written, else upper-cased (``aris-77`` -> ``ARIS-77``
    under an upper-case pattern); return (TICKET, text without it)."""
    pattern = f'(?:{policy["ticket_pattern"]})'
    m = re.search(pattern, text) or re.search(pattern, text.upper())
    if not m:
        return None, text
    return m.group(0), (text[:m.start()] + ' ' + text[m.end():])


def ticket_shape(ticket: str) -> str | None:
    """A ticket pattern that matches ``ticket`` and ids shaped like it: ``ARIS-77`` ->
    ``[A-Z][A-Z0-9]+-[0-9]+``, ``fsft-102`` -> ``[a-z][a-z0-9]+-[0-9]+``, ``1234`` ->
    ``[0-9]+``; ``None`` when it is no ticket-like id (letters, then a separator, then
    digits; or digits only)."""
    if re.fullmatch(r'[0-9]+', ticket):
        return '[0-9]+'
    m = re.fullmatch(r'([A-Za-z][A-Za-z0-9]*)([-_])([0-9]+)', ticket)
    if not m:
        return None
    key, sep = m.group(1), m.group(2)
    if key.isupper() or key.upper() == key:
        letters = 'A-Z'
    elif key.lower() == key:
        letters = 'a-z'
    else:
        letters = 'A-Za-z'
    return f'[{letters}][{letters}0-9]+{sep}[0-9]+' if len(key) > 1 else \
        f'[{letters}]{sep}[0-9]+'


def suggest_branch(name: str, policy: Policy) -> str:
    prefix = policy['hotfix_prefix']
    rest = name
    for p in [prefix, *policy['naming']['near_miss_prefixes']]:
        if rest.lower().startswith(p.lower()):
            rest = rest[len(p):]
            break
    ticket, remainder = _find_ticket(rest, policy)
    slug = slugify(remainder, policy['naming']['description_max_length'])
    if len(slug) < policy['naming']['description_min_length']:
        slug = 'short-description'      # never suggest a name the rule refuses again
    return f'{prefix}{ticket or "<TICKET>"}-{slug}'


# -- rules ---------------------------------------------------------------------
def check_branch(branch: str | None, policy: Policy, source: str = '') -> list[Finding]:
    """The ``branch-name`` rule."""
    naming = policy['naming']
    if not branch:
        mode = policy['unknown_branch']
        if mode == 'pass':
            return []
        return [_finding(
            rule='branch-unknown',
            severity='error' if mode == 'error' else 'warning',
            message='cannot tell which branch this is (detached HEAD, no CI branch variable)',
            hint='pass --branch NAME, run inside the CI job that sets the branch variables, or '
                 'set [tool.hotfix-hooks] unknown_branch = "pass"',
        )]
    prefix = policy['hotfix_prefix']
    miss = near_miss_prefix(branch, policy)
    if miss is not None:
        suggestion = suggest_branch(branch, policy)
        return [_finding(
            rule='branch-name', severity='error',
            message=(f'branch {branch!r} looks like a hotfix branch but uses the prefix '
                     f'{miss!r}; hotfix branches are named {BRANCH_SHAPE}'),
            hint=f'rename it: git branch -m {suggestion!s}',
            extra={'branch': branch, 'suggestion': suggestion},
        )]
    if not branch.startswith(prefix):
        allowed = naming['allowed_prefixes']
        if allowed and not any(branch.startswith(a) for a in allowed) and not (
                branch == (policy.get('base') or '') or branch in ('main', 'master')
                or is_release_branch(branch, policy)):
            return [_finding(
                rule='branch-prefix-not-allowed', severity='error',
                message=(f'branch {branch!r} does not start with an allowed prefix '
                         f'({", ".join(allowed)})'),
                hint='rename the branch (git branch -m NEW) or extend '
                     '[tool.hotfix-hooks.naming] allowed_prefixes',
            )]
        return []
    rest = branch[len(prefix):]
    problems = []
    ticket_m = re.match(f'(?:{policy["ticket_pattern"]})', rest)
    desc = ''
    if not ticket_m:
        problems.append(f'it does not start with a ticket matching {policy["ticket_pattern"]}')
    else:
        after = rest[ticket_m.end():]
        if not after.startswith('-'):
            problems.append('the ticket must be followed by "-<short-description>"')
        else:
            desc = after[1:]
            if not desc:
                problems.append('the short description is missing')
            elif not DESC_RE.match(desc):
                problems.append(f'the description {desc!r} is not lowercase kebab-case '
                                '(a-z, 0-9 and single dashes)')
            elif len(desc) < naming['description_min_length']:
                problems.append(f'the description {desc!r} is shorter than '
                                f'{naming["description_min_length"]} characters')
            elif len(desc) > naming['description_max_length']:
                problems.append(f'the description is {len(desc)} characters long; at most '
                                f'{naming["description_max_length"]}')
    if not problems:
        return []
    suggestion = suggest_branch(branch, policy)
    return [_finding(
        rule='branch-name', severity='error',
        message=(f'branch {branch!r} is not a valid hotfix branch name: {"; ".join(problems)}. '
                 f'Expected {BRANCH_SHAPE}, e.g. hotfix/ARIS-77-fix-stock-totals'),
        hint=f'rename it: git branch -m {suggestion}',
        extra={'branch': branch, 'suggestion': suggestion},
    )]


def looks_like_hotfix_tag(tag: str, policy: Policy) -> bool:
    return 'hotfix' in tag.lower()


def is_release_tag(tag: str, policy: Policy) -> bool:
    """A tag that marks a release: one matching a pattern of ``naming.release_tag_patterns``
    (by default a SemVer 2.0 version with or without a leading ``v``, and so its hotfix tags
    ``<version>+hotfix.<n>``): whatever it names has been deployed. The single place that
    decides what a release tag looks like."""
    patterns = (policy.get('naming') or {}).get('release_tag_patterns')
    if patterns is None:
        patterns = DEFAULT_RELEASE_TAG_PATTERNS
    return bool(release_tag_regex(tuple(patterns)).match(tag))


# ``{semver}`` in a release-tag pattern: a SemVer 2.0 version, build metadata included (so a
# hotfix tag ``1.4.0+hotfix.1`` is a release of its own)
SEMVER_PLACEHOLDER = '{semver}'
DEFAULT_RELEASE_TAG_PATTERNS = ['{semver}', '[vV]{semver}']


@functools.cache
def release_tag_regex(patterns: tuple[str, ...]) -> re.Pattern[str]:
    """One regular expression for the glob patterns (``*`` any characters, ``/`` included;
    ``?`` one; ``[...]`` a class, ``[!...]`` its complement), ``{semver}`` standing for a
    version; the whole tag must match. No pattern matches nothing."""
    version = re.sub(r'\?P<\w+>', '', SEMVER) + r'(?:\+[0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*)?'
    alternatives = []
    for pattern in patterns:
        parts = [_glob_regex(part) for part in pattern.split(SEMVER_PLACEHOLDER)]
        alternatives.append(f'(?:{version})'.join(parts))
    if not alternatives:
        return re.compile(r'(?!)')
    return re.compile('(?:' + '|'.join(alternatives) + r')\Z')


def _glob_regex(glob: str) -> str:
    out, i = [], 0
    while i < len(glob):
        c = glob[i]
        end = -1
        if c == '[':
            j = i + 1 + (glob[i + 1:i + 2] == '!')
            end = glob.find(']', j + (glob[j:j + 1] == ']'))
        if c == '*':
            out.append('.*')
        elif c == '?':
            out.append('.')
        elif end != -1:
            body = glob[i + 1:end]
            negate = body.startswith('!')
            body = ''.join('\\' + ch if ch in '\\[]^&~|' else ch
                           for ch in (body[1:] if negate else body))
            out.append('[' + ('^' if negate else '') + body + ']')
            i = end
        else:
            out.append(re.escape(c))
        i += 1
    return ''.join(out)


def check_tag(tag: str, existing: Iterable[str], policy: Policy) -> list[Finding]:
    """The ``tag-name`` rule: ``<version>+hotfix.<n>`` with a released version and no gap."""
    if not looks_like_hotfix_tag(tag, policy):
        return []
    marker = policy['naming']['tag_marker']
    shape = f'<version>{marker}<n>, e.g. 0.1.0-rc.3{marker}1'
    existing = [t for t in existing if t != tag]

    def bad(msg: str, hint: str) -> list[Finding]:
        return [_finding(rule='tag-name', severity='error',
                        message=f'tag {tag!r}: {msg}', hint=hint, extra={'tag': tag})]

    if marker not in tag:
        return bad(f'looks like a hotfix tag but is not {shape}',
                   'delete it (git tag -d TAG) and tag again with the expected shape')
    version, _, n = tag.rpartition(marker)
    if not _semver().match(version) or '+' in version:
        hint = 'use the released version exactly as tagged, e.g. 0.1.0-rc.3'
        if version.startswith('v') and _semver().match(version[1:]):
            hint = f'drop the "v": {version[1:]}{marker}{n}'
        return bad(f'{version!r} is not a valid SemVer 2.0 version; expected {shape}', hint)
    if not re.fullmatch(r'[1-9][0-9]*', n):
        return bad(f'the hotfix number {n!r} must be a positive integer without leading '
                   'zeros', f'tag it as {version}{marker}1 (or the next free number)')
    number = int(n)
    if policy['naming']['tag_requires_released_version'] and version not in existing and \
            f'v{version}' not in existing:
        return bad(f'version {version} has no tag: a hotfix tag must build on a released '
                   'version', f'check the version (git tag --list "{version.split("-")[0]}*")')
    # every other tag of this version, including sloppy spellings (+hotfix.01) of a number
    used = sorted(int(t[len(version) + len(marker):]) for t in existing
                  if t.startswith(version + marker)
                  and re.fullmatch(r'[0-9]+', t[len(version) + len(marker):]))
    expected = next(i for i in range(1, len(used) + 2) if i not in used)
    if number in used:
        return bad(f'hotfix number {number} is already used for {version}',
                   f'use {version}{marker}{max(used) + 1}')
    # older tags may be pushed after newer ones (git push --tags): only a hole below counts
    if any(i not in used for i in range(1, number)):
        return bad(f'hotfix numbers for {version} must go up by one: the next is {expected}, '
                   f'not {number}', f'tag it as {version}{marker}{expected}')
    return []


def check_pr_title(title: str, branch: str | None, policy: Policy) -> list[Finding]:
    """The ``pr-title`` rule: ``Hotfix: <ticket> <impact summary>`` with the branch's ticket."""
    prefix = policy['naming']['pr_title_prefix']
    hotfix = is_hotfix_branch(branch, policy)
    looks = title.strip().lower().startswith(prefix.strip().lower().rstrip(':'))
    if not hotfix and not looks:
        return []
    ticket = branch_ticket(branch, policy)
    shape = f'{prefix}<ticket> <impact summary>'

    def bad(msg: str) -> list[Finding]:
        example = f'{prefix}{ticket or "ARIS-77"} <what customers see fixed>'
        return [_finding(rule='pr-title', severity='error',
                        message=f'PR title {title!r}: {msg}; expected {shape}',
                        hint=f'retitle the PR, e.g. "{example}"', extra={'title': title})]

    if not title.startswith(prefix):
        return bad(f'must start with {prefix!r}')
    rest = title[len(prefix):]
    m = re.match(f'(?:{policy["ticket_pattern"]})', rest)
    if not m:
        return bad(f'no ticket matching {policy["ticket_pattern"]} after {prefix!r}')
    if ticket and m.group(0) != ticket:
        return bad(f'ticket {m.group(0)} differs from the branch ticket {ticket} ({branch})')
    summary = rest[m.end():].strip()
    shortest = policy['naming']['pr_title_min_summary']
    if not rest[m.end():].startswith(' ') or len(summary) < shortest:
        return bad('the impact summary after the ticket is missing or too short')
    return []


def strip_message(text: str, comment_char: str = '#') -> str:
    lines = []
    for line in text.splitlines():
        if line.startswith(f'{comment_char} ------------------------ >8'):
            break
        if comment_char and line.startswith(comment_char):
            continue
        lines.append(line)
    return '\n'.join(lines).strip()


def check_commit_msg(message: str, branch: str | None, policy: Policy) -> list[Finding]:
    """The ``commit-msg`` rule (policy switch): commits on a hotfix branch name its ticket."""
    if not policy['naming']['commit_msg']:
        return []
    ticket = branch_ticket(branch, policy)
    if not ticket or not message:
        return []
    first = message.splitlines()[0] if message else ''
    if first.startswith(('Merge ', 'Revert "', 'fixup! ', 'squash! ', 'amend! ')):
        return []
    if re.search(rf'(?<![A-Za-z0-9]){re.escape(ticket)}(?![0-9])', message):
        return []       # the ticket itself, not ARIS-770 for ARIS-77
    return [_finding(rule='commit-msg', severity='error',
                    message=f'the commit message does not mention the ticket {ticket} of '
                            f'branch {branch}',
                    hint=f'start the subject with "{ticket}: ..." '
                         '(git commit --amend to fix the last one)')]
