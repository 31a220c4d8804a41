"""One small adapter per CI system: which CI this is, the branch being built, the PR/MR
target branch and title when there is one (the env-ci shape)."""
from __future__ import annotations

from collections.abc import Mapping


class CIInfo:
    """What a CI system says about the build (the env-ci shape)."""

    def __init__(self, name: str) -> None:
        self.name = name                       # 'GitHub Actions', 'GitLab CI', ...
        self.branch: str | None = None         # source branch of the PR, else the branch built
        self.branch_var = ''                   # which variable gave the branch
        self.target: str | None = None         # PR/MR target branch
        self.target_var = ''
        self.base_sha: str | None = None       # PR/MR base commit when the CI gives it
        self.title: str | None = None          # PR/MR title when the CI gives it
        self.title_source = ''
        self.is_pr = False
        self.tag: str | None = None


def _strip_heads(ref: str | None) -> str | None:
    if not ref:
        return None
    for prefix in ('refs/heads/', 'origin/', 'refs/remotes/origin/'):
        if ref.startswith(prefix):
            return ref[len(prefix):]
    return ref


def _first(env: Mapping[str, str], *names: str) -> tuple[str | None, str]:
    for n in names:
        v = env.get(n)
        if v:
            return v, n
    return None, ''


def _github(env: Mapping[str, str]) -> CIInfo:
    info = CIInfo('GitHub Actions')
    if env.get('GITHUB_HEAD_REF'):
        info.branch, info.branch_var = env['GITHUB_HEAD_REF'], 'GITHUB_HEAD_REF'
        info.is_pr = True
    elif env.get('GITHUB_REF', '').startswith('refs/heads/'):
        info.branch, info.branch_var = env['GITHUB_REF'][len('refs/heads/'):], 'GITHUB_REF'
    elif env.get('GITHUB_REF', '').startswith('refs/tags/'):
        info.tag = env['GITHUB_REF'][len('refs/tags/'):]
    if env.get('GITHUB_BASE_REF'):
        info.target, info.target_var = env['GITHUB_BASE_REF'], 'GITHUB_BASE_REF'
    event_path = env.get('GITHUB_EVENT_PATH')
    if event_path:
        import json

        try:
            with open(event_path, encoding='utf-8') as f:
                event = json.load(f)
        except (OSError, ValueError):
            event = {}
        pr = event.get('pull_request') if isinstance(event, dict) else None
        if isinstance(pr, dict):
            info.is_pr = True
            if isinstance(pr.get('title'), str):
                info.title, info.title_source = pr['title'], 'GITHUB_EVENT_PATH'
            base = pr.get('base') or {}
            head = pr.get('head') or {}
            if isinstance(base, dict):
                sha = base.get('sha')
                info.base_sha = sha if isinstance(sha, str) and sha else None
                if not info.target and isinstance(base.get('ref'), str) and base['ref']:
                    info.target, info.target_var = base['ref'], 'GITHUB_EVENT_PATH'
            if (isinstance(head, dict) and not info.branch and isinstance(head.get('ref'), str)
                    and head['ref']):
                info.branch, info.branch_var = head['ref'], 'GITHUB_EVENT_PATH'
    return info


def _gitlab(env: Mapping[str, str]) -> CIInfo:
    info = CIInfo('GitLab CI')
    info.branch, info.branch_var = _first(
        env, 'CI_MERGE_REQUEST_SOURCE_BRANCH_NAME', 'CI_COMMIT_BRANCH')
    if not info.branch and not env.get('CI_COMMIT_TAG'):
        info.branch, info.branch_var = _first(env, 'CI_COMMIT_REF_NAME')
    info.tag = env.get('CI_COMMIT_TAG') or None
    info.target, info.target_var = _first(env, 'CI_MERGE_REQUEST_TARGET_BRANCH_NAME')
    info.base_sha = env.get('CI_MERGE_REQUEST_DIFF_BASE_SHA') or None
    if env.get('CI_MERGE_REQUEST_TITLE'):
        info.title, info.title_source = env['CI_MERGE_REQUEST_TITLE'], 'CI_MERGE_REQUEST_TITLE'
    info.is_pr = bool(env.get('CI_MERGE_REQUEST_IID') or info.target)
    return info


def _bitbucket(env: Mapping[str, str]) -> CIInfo:
    info = CIInfo('Bitbucket Pipelines')
    info.branch, info.branch_var = _first(env, 'BITBUCKET_BRANCH')
    info.tag = env.get('BITBUCKET_TAG') or None
    info.target, info.target_var = _first(env, 'BITBUCKET_PR_DESTINATION_BRANCH')
    info.is_pr = bool(env.get('BITBUCKET_PR_ID') or info.target)
    return info


def _azure(env: Mapping[str, str]) -> CIInfo:
    info = CIInfo('Azure Pipelines')
    src, var = _first(env, 'SYSTEM_PULLREQUEST_SOURCEBRANCH', 'BUILD_SOURCEBRANCH')
    if src and src.startswith('refs/tags/'):
        info.tag = src[len('refs/tags/'):]
    elif src:
        info.branch, info.branch_var = _strip_heads(src), var
    tgt, tvar = _first(env, 'SYSTEM_PULLREQUEST_TARGETBRANCH')
    info.target, info.target_var = _strip_heads(tgt), tvar
    info.is_pr = bool(env.get('SYSTEM_PULLREQUEST_PULLREQUESTID') or info.target)
    return info


def _jenkins(env: Mapping[str, str]) -> CIInfo:
    info = CIInfo('Jenkins')
    if env.get('CHANGE_BRANCH'):
        info.branch, info.branch_var = env['CHANGE_BRANCH'], 'CHANGE_BRANCH'
    elif env.get('BRANCH_NAME') and not env.get('CHANGE_ID'):
        info.branch, info.branch_var = env['BRANCH_NAME'], 'BRANCH_NAME'
    elif env.get('GIT_BRANCH'):
        info.branch, info.branch_var = _strip_heads(env['GIT_BRANCH']), 'GIT_BRANCH'
    info.tag = env.get('TAG_NAME') or None
    info.target, info.target_var = _first(env, 'CHANGE_TARGET')
    if env.get('CHANGE_TITLE'):
        info.title, info.title_source = env['CHANGE_TITLE'], 'CHANGE_TITLE'
    info.is_pr = bool(env.get('CHANGE_ID'))
    return info


def _circle(env: Mapping[str, str]) -> CIInfo:
    info = CIInfo('CircleCI')
    info.branch, info.branch_var = _first(env, 'CIRCLE_BRANCH')
    info.tag = env.get('CIRCLE_TAG') or None
    info.is_pr = bool(env.get('CIRCLE_PULL_REQUEST'))
    return info


def _buildkite(env: Mapping[str, str]) -> CIInfo:
    info = CIInfo('Buildkite')
    info.branch, info.branch_var = _first(env, 'BUILDKITE_BRANCH')
    info.tag = env.get('BUILDKITE_TAG') or None
    pr = env.get('BUILDKITE_PULL_REQUEST', 'false')
    info.is_pr = pr not in ('', 'false')
    if info.is_pr:
        info.target, info.target_var = _first(env, 'BUILDKITE_PULL_REQUEST_BASE_BRANCH')
    return info


def _travis(env: Mapping[str, str]) -> CIInfo:
    info = CIInfo('Travis CI')
    if env.get('TRAVIS_PULL_REQUEST_BRANCH'):
        info.branch = env['TRAVIS_PULL_REQUEST_BRANCH']
        info.branch_var = 'TRAVIS_PULL_REQUEST_BRANCH'
        info.target, info.target_var = env.get('TRAVIS_BRANCH'), 'TRAVIS_BRANCH'
        info.is_pr = True
    else:
        info.branch, info.branch_var = _first(env, 'TRAVIS_BRANCH')
    info.tag = env.get('TRAVIS_TAG') or None
    return info


# (detect variable, adapter) in detection order
ADAPTERS = (
    ('GITHUB_ACTIONS', _github),
    ('GITLAB_CI', _gitlab),
    ('BITBUCKET_BUILD_NUMBER', _bitbucket),
    ('TF_BUILD', _azure),
    ('BUILD_BUILDURI', _azure),
    ('JENKINS_URL', _jenkins),
    ('CIRCLECI', _circle),
    ('BUILDKITE', _buildkite),
    ('TRAVIS', _travis),
)


def detect(env: Mapping[str, str]) -> CIInfo | None:
    """The CI this runs in, or ``None`` (a bare ``CI=true`` gives a generic adapter)."""
    for var, adapter in ADAPTERS:
        if env.get(var):
            info = adapter(env)
            if info.tag and info.branch == info.tag:
                # Jenkins, Buildkite and Travis put the tag name in their branch variable
                # on a tag build: it is a tag, not a branch
                info.branch, info.branch_var = None, ''
            return info
    if env.get('CI', '').lower() in ('true', '1', 'yes'):
        return CIInfo('CI')
    return None


def pr_title_from_env(env: Mapping[str, str]) -> tuple[str | None, str]:
    """The pull/merge request title the CI system exposes, and the variable it came from."""
    ci = detect(env)
    if ci and ci.title is not None:
        return ci.title, ci.title_source
    if env.get('CI_MERGE_REQUEST_TITLE'):
        return env['CI_MERGE_REQUEST_TITLE'], 'CI_MERGE_REQUEST_TITLE'
    return None, ''
