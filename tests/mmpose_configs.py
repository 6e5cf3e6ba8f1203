"""MMPose 1.3.2's own config files, fetched at test time (never copied into the repository).

``pip download mmpose==1.3.2 --no-deps`` brings its wheel; the configs under
``mmpose/.mim/configs`` are extracted into a cache folder
(``$POSECORE_TEST_CACHE``, default ``~/.cache/posecore-tests``) and reused.
Where the package registry cannot be reached, the tests that need them skip.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from functools import lru_cache
from pathlib import Path

MMPOSE_VERSION = '1.3.2'
_PREFIX = 'mmpose/.mim/configs/'


def cache_dir() -> Path:
    base = os.environ.get('POSECORE_TEST_CACHE') or Path.home() / '.cache' / 'posecore-tests'
    return Path(base) / f'mmpose-{MMPOSE_VERSION}-configs'


@lru_cache(maxsize=None)  # test modules ask at collection: one download per session
def fetch_mmpose_configs() -> tuple[Path | None, str]:
    """The extracted ``configs`` folder, or None and the reason it is unavailable."""
    target = cache_dir()
    if (target / '_base_' / 'default_runtime.py').is_file():
        return target, ''
    with tempfile.TemporaryDirectory() as tmp:
        try:
            result = subprocess.run(
                [sys.executable, '-m', 'pip', 'download', f'mmpose=={MMPOSE_VERSION}',
                 '--no-deps', '--only-binary', ':all:', '--disable-pip-version-check',
                 '--quiet', '-d', tmp], capture_output=True, text=True, timeout=300)
        except (OSError, subprocess.TimeoutExpired) as exc:
            return None, f'pip download mmpose=={MMPOSE_VERSION} failed: {exc}'
        wheels = list(Path(tmp).glob('mmpose-*.whl'))
        if result.returncode != 0 or not wheels:
            return None, (f'pip download mmpose=={MMPOSE_VERSION} failed (package registry '
                          f'unreachable?): {result.stderr.strip()[-300:]}')
        target.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(dir=target.parent))
        with zipfile.ZipFile(wheels[0]) as wheel:
            for name in wheel.namelist():
                if name.startswith(_PREFIX) and name.endswith('.py'):
                    out = staging / name[len(_PREFIX):]
                    out.parent.mkdir(parents=True, exist_ok=True)
                    out.write_bytes(wheel.read(name))
    if target.exists():
        shutil.rmtree(target)
    staging.rename(target)
    return target, ''
