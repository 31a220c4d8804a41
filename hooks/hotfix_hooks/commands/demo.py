"""``hotfix-hooks demo``: play a whole hotfix in a throwaway repository (the story is in
``demo/story.py``, the sample service in ``demo/service.py``)."""
from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from collections.abc import Sequence

from hotfix_hooks.demo.story import Player
from hotfix_hooks.errors import GitError
from hotfix_hooks.errors import UsageError


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog='hotfix-hooks demo',
                                     description='Play a whole hotfix in a throwaway repository.')
    parser.add_argument('--dir', help='where to build it (default: a new temporary folder)')
    args = parser.parse_args(argv)
    if shutil.which('git') is None:
        raise GitError('git is not installed or not on PATH')
    root = args.dir or tempfile.mkdtemp(prefix='hotfix-hooks-demo-')
    if args.dir:
        try:
            os.makedirs(root, exist_ok=True)
            entries = os.listdir(root)
        except OSError as e:
            raise UsageError(f'cannot use {root} as the demo folder: {e.strerror}',
                             hint='pass an empty or new folder') from None
        if entries:
            raise UsageError(f'{root} is not empty', hint='pass an empty or new folder')
    try:
        return Player(root).play()
    except RuntimeError as e:
        print(f'hotfix-hooks demo: {e}', file=sys.stderr)
        return 1
