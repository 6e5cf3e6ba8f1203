"""Fixtures of the synthetic COCO generator tests: one small dataset made through the CLI."""
from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import pytest

#: small but enough for every visibility flag, several persons and false detections
TRAIN, VAL, SEED = 14, 8, 3


def posecore(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    """Run ``python -m posecore ARGS`` with the installed plugins (no POSECORE_* switches)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith('POSECORE_')}
    return subprocess.run([sys.executable, '-m', 'posecore', *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=300)


def tree_hashes(root: Path) -> dict[str, str]:
    """sha256 of every file under ``root``, keyed by its relative path."""
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob('*')) if p.is_file()}


@pytest.fixture(scope='session')
def synth_run(tmp_path_factory) -> tuple[Path, subprocess.CompletedProcess]:
    """``posecore coco synth`` with two workers and the progress bar on: (root, result)."""
    root = tmp_path_factory.mktemp('synth') / 'coco'
    result = posecore('coco', 'synth', str(root), '--train', str(TRAIN), '--val', str(VAL),
                      '--seed', str(SEED), '--workers', '2')
    assert result.returncode == 0, result.stderr
    return root, result


@pytest.fixture(scope='session')
def synth_root(synth_run) -> Path:
    """The folder of the generated dataset (layout of MMPose's ``data/coco``)."""
    return synth_run[0]
