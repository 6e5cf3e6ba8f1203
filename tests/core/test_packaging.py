"""`pip wheel --no-deps` builds every distribution, with its entry points."""
from __future__ import annotations

import subprocess
import sys
import zipfile

import pytest

from ..conftest import REPO

PROJECTS = [REPO] + sorted(p.parent for p in (REPO / 'plugins').glob('*/pyproject.toml'))


@pytest.mark.parametrize('project', PROJECTS, ids=lambda p: p.name)
def test_wheel_builds_with_entry_points(project, tmp_path):
    subprocess.run([sys.executable, '-m', 'pip', 'wheel', '--quiet', '--no-deps',
                    '--no-build-isolation', '--disable-pip-version-check', '-w', str(tmp_path),
                    str(project)], check=True)
    (wheel,) = tmp_path.glob('*.whl')
    names = zipfile.ZipFile(wheel).namelist()
    assert not any(n.startswith('tests/') for n in names)
    if project == REPO:
        assert 'posecore/registry.py' in names
        entry_points = next(n for n in names if n.endswith('entry_points.txt'))
        text = zipfile.ZipFile(wheel).read(entry_points).decode()
        assert 'posecore = posecore.cli.main:main' in text
    else:
        entry_points = next(n for n in names if n.endswith('entry_points.txt'))
        text = zipfile.ZipFile(wheel).read(entry_points).decode()
        assert '[posecore.' in text
        metadata = zipfile.ZipFile(wheel).read(
            next(n for n in names if n.endswith('METADATA'))).decode()
        assert 'Requires-Dist: posecore' in metadata


def test_first_party_hints_name_every_registered_type():
    """The `pip install ...` hint for an unknown type knows each first-party plugin's
    registered names (the installed entry points are the truth)."""
    from importlib.metadata import entry_points

    from posecore.first_party import FIRST_PARTY

    from posecore.discovery import REGISTRY_GROUPS

    missing = sorted(
        f'{ep.dist.name}:{ep.name}' for group in REGISTRY_GROUPS.values()
        for ep in entry_points(group=group)
        if ep.dist is not None and ep.dist.name in set(FIRST_PARTY.values())
        and ep.name not in FIRST_PARTY)
    assert missing == []
