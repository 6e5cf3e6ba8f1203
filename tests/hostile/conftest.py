"""Fixtures of the hostile-input corpus: the prepared inputs every case shares, and
the runs of the selected cases, several at a time (each is a subprocess)."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import pytest

from ..conftest import DATA, REPO, posecore_env
from .corpus import OFF_PLUGINS, Fixtures, Outcome, run_case

HERE = Path(__file__).resolve().parent
TINY = REPO / 'configs' / 'tiny' / 'tiny-regressor_linear_1xb16-3e_synthetic.py'


@pytest.fixture(scope='session')
def hostile_fixtures(plugin_site, tmp_path_factory) -> Fixtures:
    """The shared inputs; ``trained`` comes from one epoch of the tiny config."""
    root = tmp_path_factory.mktemp('hostile-shared')
    trained = root / 'trained'
    result = subprocess.run(
        [sys.executable, '-m', 'posecore', 'train', str(TINY), '--work-dir', str(trained),
         '--cfg-options', 'train_cfg.max_epochs=1'], cwd=root, capture_output=True, text=True,
        env=posecore_env(plugin_site, POSECORE_DISABLE_PLUGINS=OFF_PLUGINS))
    assert result.returncode == 0, result.stderr[-3000:]
    coco = root / 'coco'
    shutil.copytree(DATA / 'mmpose-testdata' / 'coco', coco)
    return Fixtures(repo=REPO, site=plugin_site, tiny=TINY, trained=trained, coco=coco,
                    topdown=HERE / 'topdown_small.py')


@pytest.fixture(scope='session')
def corpus_runs(request, hostile_fixtures, tmp_path_factory) -> dict[str, Future]:
    """``{case id: Future[Outcome]}`` for every case the session will test, started
    together on a few threads (the runs are subprocesses: the GIL is not held)."""
    selected = [item.callspec.params['case'] for item in request.session.items
                if hasattr(item, 'callspec') and 'case' in item.callspec.params
                and item.originalname == 'test_corpus_case']
    root = tmp_path_factory.mktemp('hostile-cases')
    workers = int(os.environ.get('POSECORE_HOSTILE_JOBS', max(2, os.cpu_count() or 1)))
    pool = ThreadPoolExecutor(max_workers=workers)
    # the slow ones (a top-down model, a training epoch) first: the pool ends sooner
    slow = ('data', 'resume', 'disk')
    ordered = sorted(selected, key=lambda c: c.category not in slow)
    runs = {c.id: pool.submit(run_case, c, root / c.id, hostile_fixtures) for c in ordered}
    yield runs
    pool.shutdown(wait=True)
