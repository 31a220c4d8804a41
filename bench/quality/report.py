"""Precision (and recall on the labelled real breaks) of the diff checks on real histories.

    python bench/quality/report.py [PROJECT ...] [--severity error,warning] [--write]

Joins the findings of ``runs/<project>.jsonl`` (``replay.py``) with the hand-written labels
of ``labels/<project>.tsv`` and prints, per category and per rule:

* per finding: how many findings, how many labelled, true and false positives, precision;
* per (commit, rule): the same with all the findings of one rule on one commit counted once
  (a (commit, rule) is true when any of its labelled findings is true), so that one change
  that yields hundreds of copies of a finding does not decide the figure;
* recall on the labelled real breaks (verdict ``tp`` labels, each of which must match a
  finding; a ``tp`` label with no finding is a miss), in all and per category, so that the
  ``scope`` labels (new operations) do not hide the misses of the ``contract`` ones;
* coverage, from the contract's coverage findings (rule ending in ``-coverage`` with
  ``resolved``/``total`` in its details), when present.

Labels (``labels/<project>.tsv`` or ``labels/<project>.<area>.tsv``; tab-separated, ``#``
comments, a header line): ``commit  rule  path  verdict  why``.
``commit`` is a prefix of the sha (7+ characters), ``path`` a repository path or ``*``,
``verdict`` ``tp`` (a reviewer must act on it), ``fp`` (noise) or ``unsure``. Labels are
written by reading the diff of the commit, before the rule is changed; a label keeps its
meaning when the rule's wording changes, as it names the rule, the file and the commit.

``--write`` stores the figures in ``RESULTS.md`` beside this script.
"""
from __future__ import annotations

import argparse
import collections
import csv
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
CLONES = HERE.parent / '.work' / 'quality'


class Label:
    def __init__(self, commit: str, rule: str, path: str, verdict: str, why: str) -> None:
        self.commit, self.rule, self.path = commit.strip(), rule.strip(), path.strip()
        self.verdict, self.why = verdict.strip(), why.strip()
        self.hits = 0

    def matches(self, f: dict[str, Any]) -> bool:
        return (f['commit'].startswith(self.commit) and f['rule'] == self.rule
                and (self.path == '*' or (f.get('path') or '') == self.path))


def load_labels(project: str, area: str | None = None) -> list[Label]:
    """``labels/<project>.tsv`` and ``labels/<project>.<area>.tsv`` (one file per area,
    e.g. ``polar.contract.tsv`` and ``polar.migrations.tsv``); only the area's file when
    ``area`` is given."""
    out = []
    if area:
        paths = sorted((HERE / 'labels').glob(f'{project}.{area}.tsv'))
    else:
        paths = sorted((HERE / 'labels').glob(f'{project}.tsv')) + \
            sorted((HERE / 'labels').glob(f'{project}.*.tsv'))
    for path in paths:
        rows = [line for line in path.read_text().splitlines()
                if line.strip() and not line.lstrip().startswith('#')]
        for row in csv.reader(rows[1:], delimiter='\t'):
            if len(row) < 4 or row[3].strip() not in ('tp', 'fp', 'unsure'):
                raise SystemExit(f'{path}: a label is commit, rule, path, verdict (tp, fp or '
                                 f'unsure), why: {row!r}')
            out.append(Label(row[0], row[1], row[2], row[3], row[4] if len(row) > 4 else ''))
    return out


def run_paths(project: str, tags: list[str] | None = None) -> list[Path]:
    """The run files of ``project``: ``runs/<project>.<tag>.jsonl`` for each of ``tags``
    (``replay.py --tag``), else ``runs/<project>.jsonl`` when it exists, else every tagged
    run. Untagged and tagged runs of one project are never mixed silently: the files left
    out are named on stderr."""
    runs = HERE / 'runs'
    untagged = runs / f'{project}.jsonl'
    tagged = sorted(runs.glob(f'{project}.*.jsonl'))
    if tags:
        chosen = [runs / f'{project}.{tag}.jsonl' for tag in tags]
        missing = [str(p.name) for p in chosen if not p.exists()]
        if missing:
            raise SystemExit(f'report.py: no run {", ".join(missing)} in {runs}')
    elif untagged.exists():
        chosen = [untagged]
    else:
        chosen = tagged
    left_out = [p.name for p in [untagged, *tagged] if p.exists() and p not in chosen]
    if left_out:
        print(f'report.py: {project}: reading {", ".join(p.name for p in chosen)}; left out '
              f'{", ".join(left_out)} (choose with --tags)', file=sys.stderr)
    return chosen


def load_run(project: str, tags: list[str] | None = None
             ) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """The findings of the project's run files (``run_paths``); tagged runs are read
    together (one check at a time over the same commits; commits are counted once, seconds
    added up)."""
    paths = run_paths(project, tags)
    findings: list[dict[str, Any]] = []
    meta: dict[str, Any] = {'commits': 0, 'seconds': 0.0, 'errors': 0, 'skipped': 0}
    done_in_all: set[str] | None = None
    for path in paths:
        commits = skipped = 0
        done: set[str] = set()
        for line in path.read_text().splitlines():
            item = json.loads(line)
            if item.get('done'):
                done.add(item['commit'])
                commits += 1
                skipped += 1 if item.get('skipped') else 0
                meta['seconds'] += item.get('seconds', 0.0)
                meta['errors'] += 1 if item.get('error') else 0
            else:
                findings.append(item)
        meta['commits'] = max(meta['commits'], commits)
        meta['skipped'] = max(meta['skipped'], skipped)
        done_in_all = done if done_in_all is None else done_in_all & done
    # the commits every run file judged: a label of another commit is not expected of the run
    meta['done'] = done_in_all or set()
    return findings, meta


def touched_paths(project: str, parent: str, commit: str,
                  cache: dict[str, set[str] | None]) -> set[str] | None:
    """The paths ``parent..commit`` changes (both sides of a rename), from the replay's clone;
    None when the clone is not there (the untouched count is then left out)."""
    if commit not in cache:
        repo = CLONES / project
        if not (repo / '.git').is_dir():
            cache[commit] = None
        else:
            out = subprocess.run(['git', 'diff', '--name-status', '-M', parent, commit], cwd=repo,
                                 capture_output=True, text=True)
            cache[commit] = ({p for line in out.stdout.splitlines() for p in line.split('\t')[1:]}
                             if out.returncode == 0 else None)
    return cache[commit]


# A tp label whose break is now reported, on the same commit and file, by the rule that
# took over that case (a label is never rewritten; the report says which rule found it):
# a route whose URL moved is one api-route-changed (not a removal plus a new operation); a
# list that became an object was a media-type removal while the generic model was unread.
SUCCESSORS = {
    'api-route-removed': ('api-route-changed',),
    'api-operation-added-in-hotfix': ('api-route-changed',),
    'response-media-type-removed': ('response-body-type-changed',),
    # a property removed from a model sent both ways is one finding (issue 13, round three)
    'request-property-removed': ('response-property-removed',),
}


def successor(label: Label, findings: list[dict[str, Any]], severities: set[str]) -> str | None:
    for f in findings:
        if (f['rule'] in SUCCESSORS.get(label.rule, ()) and f['severity'] in severities
                and f['commit'].startswith(label.commit)
                and (label.path == '*' or (f.get('path') or '') == label.path)):
            return f'{f["rule"]} ({f["message"][:120]})'
    return None


def verdict_of(f: dict[str, Any], labels: list[Label]) -> str | None:
    for label in labels:
        if label.matches(f):
            label.hits += 1
            return label.verdict
    return None


class Tally:
    def __init__(self) -> None:
        self.n = 0
        self.tp = 0
        self.fp = 0

    def add(self, verdict: str | None) -> None:
        self.n += 1
        if verdict == 'tp':
            self.tp += 1
        elif verdict == 'fp':
            self.fp += 1

    @property
    def precision(self) -> str:
        judged = self.tp + self.fp
        return f'{self.tp / judged:.2f}' if judged else '-'

    def row(self) -> str:
        return f'{self.n:6d} {self.tp + self.fp:6d} {self.tp:5d} {self.fp:5d} {self.precision:>6}'


def category_of(rule: str) -> str:
    """The category of a rule no run has reported, from the rule id's family."""
    if rule.endswith('-in-hotfix'):
        return 'scope'
    if rule.startswith(('actions-', 'idempotency-')):
        return 'actions'
    if rule.startswith('migration'):
        return 'migrations'
    if rule.startswith(('api-', 'request-', 'response-', 'new-', 'openapi-', 'security-',
                        'frozen-')):
        return 'contract'
    return '?'


def analyse(projects: list[str], severities: set[str], area: str | None = None,
            tags: list[str] | None = None) -> list[str]:
    lines: list[str] = []
    per_finding: dict[tuple[str, str], Tally] = collections.defaultdict(Tally)
    per_group: dict[tuple[str, str], Tally] = collections.defaultdict(Tally)
    misses: list[str] = []
    moved: list[str] = []
    coverage: list[str] = []
    unlabelled = 0
    expected = 0
    not_replayed = 0
    rule_category: dict[str, str] = {}
    expected_labels: list[Label] = []
    untouched: collections.Counter[str] = collections.Counter()
    untouched_known = True
    for project in projects:
        findings, meta = load_run(project, tags)
        labels = load_labels(project, area)
        groups: dict[tuple[str, str, str], list[str | None]] = collections.defaultdict(list)
        family_of: dict[str, str] = {}
        touched_cache: dict[str, set[str] | None] = {}
        cover: list[tuple[str, int, int]] = []
        error_cover: list[tuple[int, int]] = []
        for f in findings:
            rule_category.setdefault(f['rule'], f['category'])
            if f['rule'].endswith('-coverage') and f.get('total'):
                cover.append((f['commit'], int(f.get('resolved') or 0), int(f['total'])))
                if f.get('errors_total'):
                    error_cover.append((int(f.get('errors_resolved') or 0),
                                        int(f['errors_total'])))
            if f['severity'] not in severities:
                continue
            v = verdict_of(f, labels)
            unlabelled += v is None
            keys = [(f['category'], '*'), (f['category'], f['rule'])]
            if f.get('family'):
                family_of[f['rule']] = f['family']
                keys.append((f['category'], f'family:{f["family"]}'))
            for key in keys:
                per_finding[key].add(v)
            groups[(f['category'], f['rule'], f['commit'])].append(v)
            if f.get('path') and f.get('parent'):
                paths = touched_paths(project, f['parent'], f['commit'], touched_cache)
                if paths is None:
                    untouched_known = False
                elif f['path'] not in paths:
                    untouched[f['rule']] += 1
        for (cat, rule, _commit), vs in groups.items():
            v = 'tp' if 'tp' in vs else ('fp' if 'fp' in vs else None)
            per_group[(cat, '*')].add(v)
            per_group[(cat, rule)].add(v)
            if rule in family_of:
                per_group[(cat, f'family:{family_of[rule]}')].add(v)
        if cover:
            ratios = sorted(r / t for _, r, t in cover)
            last = cover[-1]
            coverage.append(f'{project}: {len(cover)} scans; resolved response schemas at the '
                            f'last ({last[0][:12]}): {last[1]}/{last[2]} ({last[1] / last[2]:.0%})'
                            f'; median {ratios[len(ratios) // 2]:.0%}, lowest {ratios[0]:.0%}'
                            + (f'; error responses read at the last: {error_cover[-1][0]}/'
                               f'{error_cover[-1][1]}' if error_cover else ''))
        for label in labels:
            if label.verdict == 'tp' and not any(c.startswith(label.commit)
                                                 for c in meta['done']):
                not_replayed += 1       # a partial run: its commit was not judged
                continue
            if label.verdict == 'tp':
                expected += 1
                expected_labels.append(label)
                if not label.hits:
                    other = successor(label, findings, severities)
                    if other:
                        moved.append(f'{project} {label.commit} {label.rule} {label.path}: '
                                     f'reported as {other}')
                    else:
                        misses.append(f'{project} {label.commit} {label.rule} {label.path}: '
                                      f'{label.why}')
        skipped = (f' ({meta["skipped"]} skipped by --touching: they change no migration or '
                   'model path)' if meta['skipped'] else '')
        lines.append(f'{project}: {meta["commits"]} commits replayed{skipped}, {len(findings)} '
                     f'findings, {meta["errors"]} crashed, {meta["seconds"]:.1f}s in all, '
                     f'{len(labels)} labels')
    lines += ['', f'severities: {", ".join(sorted(severities))}; unlabelled findings: '
                  f'{unlabelled}', '',
              '| category / rule | findings | judged | tp | fp | precision | (commit, rule) '
              '| judged | tp | fp | precision |', '|---|---|---|---|---|---|---|---|---|---|---|']
    for key in sorted(per_finding, key=lambda k: (k[0], k[1] != '*',
                                                  not k[1].startswith('family:'), k[1])):
        a, b = per_finding[key], per_group[key]
        name = (f'**{key[0]}**' if key[1] == '*' else
                f'&nbsp;&nbsp;*{key[1]}*' if key[1].startswith('family:') else
                f'&nbsp;&nbsp;{key[1]}')
        lines.append(f'| {name} | {a.n} | {a.tp + a.fp} | {a.tp} | {a.fp} | {a.precision} | '
                     f'{b.n} | {b.tp + b.fp} | {b.tp} | {b.fp} | {b.precision} |')
    if untouched_known:
        lines += ['', f'findings on files the commit did not touch: {sum(untouched.values())}'
                      + (' (' + ', '.join(f'{r} {n}' for r, n in untouched.most_common()) + ')'
                         if untouched else '')]
    else:
        # said, never left out silently: the count needs the replay's clones under CLONES
        lines += ['', 'findings on files the commit did not touch: not counted (the '
                      f'project clones under {CLONES} are missing: run replay.py first)']
    found = expected - len(misses) - len(moved)
    recall: dict[str, list[int]] = collections.defaultdict(lambda: [0, 0])   # category: found, all
    for label in expected_labels:   # a label's category: the one its rule has in any run
        tally = recall[rule_category.get(label.rule) or category_of(label.rule)]
        tally[0] += bool(label.hits)
        tally[1] += 1
    lines += ['', f'recall on labelled real breaks: {found} of {expected} found'
                  + (f' ({found / expected:.2f})' if expected else '')
                  + (f' ({not_replayed} `tp` labels of commits the runs did not judge left out)'
                     if not_replayed else '')
              + ('; per category: ' + ', '.join(f'{cat} {n}/{m}' for cat, (n, m)
                                               in sorted(recall.items())) if recall else '')]
    if moved:
        lines += [f'the same breaks under the rule that now reports them (see SUCCESSORS): '
                  f'{found + len(moved)} of {expected}'
                  + (f' ({(found + len(moved)) / expected:.2f})' if expected else '')]
    lines += [f'- missed: {m}' for m in misses]
    lines += [f'- reported under another rule: {m}' for m in moved]
    if coverage:
        lines += ['', 'coverage (contract from code, `api-code-coverage`):'] + [
            f'- {c}' for c in coverage]
    return lines


def unlabelled(project: str, severities: set[str], area: str | None,
               tags: list[str] | None = None) -> list[str]:
    """One line per (commit, rule, path) group without a label: what to label next."""
    findings, _ = load_run(project, tags)
    labels = load_labels(project, area)
    groups: dict[tuple[str, str, str], list[dict[str, Any]]] = {}
    for f in findings:
        if f['severity'] in severities and verdict_of(f, labels) is None:
            groups.setdefault((f['commit'][:12], f['rule'], f.get('path') or ''), []).append(f)
    return [f'{project}\t{c}\t{r}\t{p}\t{len(fs)}\t{fs[0]["severity"]}\t'
            f'{fs[0]["message"][:400]}' for (c, r, p), fs in sorted(groups.items())]


def write_section(path: Path, title: str, body: str) -> None:
    """Put ``body`` under ``## title`` in ``path``, keeping every other section."""
    text = path.read_text() if path.exists() else '# Detection quality on real histories\n'
    head = f'## {title}\n'
    start = text.find(head)
    block = f'{head}\n{body.rstrip()}\n'
    if start < 0:
        text = text.rstrip() + '\n\n' + block
    else:
        end = text.find('\n## ', start + len(head))
        text = text[:start] + block + (text[end:] if end >= 0 else '')
    path.write_text(text)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('projects', nargs='*')
    parser.add_argument('--severity', default='error,warning')
    parser.add_argument('--write', action='store_true', help='store the figures in RESULTS.md')
    parser.add_argument('--area', help='judge against labels/<project>.<area>.tsv only (e.g. '
                                       'migrations, api: the contract and /actions labels), so '
                                       'recall counts only that area')
    parser.add_argument('--section', metavar='TITLE',
                        help='with --write: replace only the "## TITLE" section of RESULTS.md '
                             '(the figures of other checks stay)')
    parser.add_argument('--tags', help='read runs/<project>.<tag>.jsonl for these tags '
                                       '(comma-separated; replay.py --tag) instead of the '
                                       'untagged run')
    parser.add_argument('--unlabelled', action='store_true',
                        help='list the (commit, rule, path) groups no label covers')
    args = parser.parse_args(argv)
    tags = [t for t in (args.tags or '').split(',') if t] or None
    projects = args.projects or sorted({p.name.split('.', 1)[0]
                                        for p in (HERE / 'runs').glob('*.jsonl')})
    if args.unlabelled:
        for project in projects:
            print('\n'.join(unlabelled(project, set(args.severity.split(',')), args.area, tags)))
        return 0
    lines = analyse(projects, set(args.severity.split(',')), args.area, tags)
    text = '\n'.join(lines) + '\n'
    print(text)
    if args.write and args.section:
        write_section(HERE / 'RESULTS.md', args.section,
                      f'Made by `python bench/quality/report.py {" ".join(projects)} '
                      f'--severity {args.severity}'
                      + (f' --area {args.area}' if args.area else '')
                      + (f' --tags {args.tags}' if args.tags else '')
                      + f' --write --section "{args.section}"`.\n\n'
                      + text)
    elif args.write:
        (HERE / 'RESULTS.md').write_text('# Detection quality on real histories\n\n'
                                         'Made by `python bench/quality/report.py --write`.\n\n'
                                         + text)
    return 0


if __name__ == '__main__':
    raise SystemExit(main())
