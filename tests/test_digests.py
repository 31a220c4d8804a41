"""``hotfix_hooks.digests`` gives hashlib's digests (cache keys, blob ids and finding
fingerprints must not change with where the hash function comes from) without loading
OpenSSL."""
from __future__ import annotations

import hashlib
import subprocess
import sys

from hotfix_hooks import digests
from hotfix_hooks.changeset import git_blob_id
from tests.support.gitrepo import GitRepo
from tests.support.gitrepo import SRC

SAMPLES = [b'', b'a', b'blob 3\0abc', bytes(range(256)) * 300, 'é\u2603'.encode()]


def test_the_digests_are_hashlibs() -> None:
    for data in SAMPLES:
        assert digests.sha256(data).hexdigest() == hashlib.sha256(data).hexdigest()
        assert digests.sha1(data).hexdigest() == hashlib.sha1(data).hexdigest()
        assert digests.sha256(data).digest() == hashlib.sha256(data).digest()
        h = digests.sha256()
        h.update(data)
        h.update(b'more')
        assert h.hexdigest() == hashlib.sha256(data + b'more').hexdigest()


def test_blob_ids_are_gits(repo: GitRepo) -> None:
    for i, data in enumerate(SAMPLES):
        (repo.path / f'f{i}').write_bytes(data)
        assert git_blob_id(data) == repo.git('hash-object', f'f{i}')


def test_no_openssl_is_loaded() -> None:
    code = ('import sys\n'
            'from hotfix_hooks import digests\n'
            'digests.sha256(b"x").hexdigest(); digests.sha1(b"x").hexdigest()\n'
            'print("_hashlib" in sys.modules, "hashlib" in sys.modules)\n')
    out = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True,
                         env={'PYTHONPATH': str(SRC)}, timeout=60, check=True).stdout
    assert out.split() == ['False', 'False']
