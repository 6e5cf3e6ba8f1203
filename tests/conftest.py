"""Fixtures shared by the tests of every distribution in this repository."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
TEST_PLUGINS = REPO / 'tests' / 'plugins'


DATA = REPO / 'tests' / 'data'


@pytest.fixture(scope='session')
def shared_dir() -> Path:
    """The test data carried in the repository (``tests/data``, origins in its README):
    ``reference/`` (MMPose 1.3.2's outputs) and ``mmpose-testdata/`` (small real data)."""
    return DATA


@pytest.fixture(scope='session')
def testdata() -> Path:
    """``tests/data/mmpose-testdata``: real COCO, MPII, OneHand10K and WFLW samples."""
    return DATA / 'mmpose-testdata'


def pip_install_target(target: Path, *projects: Path) -> None:
    """Install distributions as a user would (pip builds and installs wheels)."""
    subprocess.run(
        [sys.executable, '-m', 'pip', 'install', '--quiet', '--no-deps', '--no-build-isolation',
         '--disable-pip-version-check', '--target', str(target), *map(str, projects)],
        check=True)


@pytest.fixture(scope='session')
def plugin_site(tmp_path_factory) -> Path:
    """A directory where the test plugin distributions are pip-installed."""
    target = tmp_path_factory.mktemp('plugin-site')
    pip_install_target(target, *sorted(p for p in TEST_PLUGINS.iterdir()
                                       if (p / 'pyproject.toml').is_file()))
    return target


def posecore_env(site: Path, **extra: str) -> dict[str, str]:
    """Environment for a subprocess that sees the plugins installed in ``site``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith('POSECORE_')
           or k == 'POSECORE_SHARED'}
    env['PYTHONPATH'] = os.pathsep.join(filter(None, [str(site), env.get('PYTHONPATH')]))
    env.update(extra)
    return env


def run_posecore(site: Path, *args: str, cwd: Path | None = None,
                 **env: str) -> subprocess.CompletedProcess:
    """Run ``python -m posecore ARGS`` with the plugins of ``site`` installed."""
    return subprocess.run([sys.executable, '-m', 'posecore', *args], cwd=cwd,
                          env=posecore_env(site, **env), capture_output=True, text=True)
