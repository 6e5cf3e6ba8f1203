"""Every benchmark script runs end to end at tiny sizes and writes its rows.

No figure is asserted (timing never goes into unit tests): these tests keep
``make bench`` working. Each script runs as ``run_all.py`` runs it, with the
``tiny`` arguments of :data:`run_all.SCRIPTS` and MMPose's environment named
as missing, so posecore's side runs alone, as on a machine without it.
"""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import BENCHMARKS, load_script

run_all = load_script('run_all')
result_rows = load_script('result_rows')
# the optional scripts (resnet, onnx_infer) come with their plugins' own tests
SCRIPTS = [s for s in run_all.SCRIPTS if not s.optional]


@pytest.mark.parametrize('script', SCRIPTS, ids=[s.name for s in SCRIPTS])
def test_script_runs_tiny_and_writes_rows(script, tmp_path):
    out = tmp_path / 'rows.json'
    cmd = run_all.command(script, 'tiny', None, out)
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=300,
                          cwd=BENCHMARKS.parent)
    assert proc.returncode == 0, proc.stderr[-2000:]
    data = json.loads(out.read_text())
    assert data['script'] and data['rows'] and data['machine']['cores'] >= 1
    assert data['mmpose_measured'] is False
    for row in data['rows']:
        # posecore measured, MMPose absent: never a reference figure in its place
        assert row['mmpose'] is None, row
        assert row['posecore'] is not None and row['posecore'] >= 0, row
        assert row['better'] in ('higher', 'lower')


def test_run_script_runs_one_and_shows_no_temporary_path():
    startup = next(s for s in SCRIPTS if s.name == 'startup')
    res = run_all.run_script(startup, 'tiny', None, timeout=300)
    assert res['returncode'] == 0, res['stderr']
    assert res['data']['rows'] and res['command'].startswith('benchmarks/startup.py ')
    # without MMPose's environment the missing one is named inside the repository
    assert '--anchor benchmarks/no-anchor-environment' in res['command']
    assert '--json startup.json' in res['command'] and str(BENCHMARKS.parent) not in res['command']


def test_verdicts_and_ratios():
    row = result_rows.row
    assert result_rows.ratio(row('a', 's', 2.0, 0.5, better='lower')) == 4.0
    assert result_rows.verdict(row('a', '/s', 10.0, 40.0, target=3)) == 'meets'
    assert result_rows.verdict(row('a', '/s', 10.0, 20.0, target=3)) == 'MISSES (2.00x of 3x)'
    assert result_rows.verdict(row('a', 's', None, 0.4, better='lower', limit=0.3)) \
        == 'MISSES (<= 0.3 s)'
    assert result_rows.verdict(row('a', '/s', None, 5.0, target=3)) == 'not compared'
    assert result_rows.verdict(row('a', '/s', 1.0, 2.0)) == 'no target'
    with pytest.raises(ValueError, match='better must be'):
        row('a', '/s', 1.0, 2.0, better='faster')


def test_run_all_keeps_each_sides_best_and_writes_the_page(tmp_path, monkeypatch):
    rows = lambda mm, pc: dict(title='t', rows=[  # noqa: E731
        result_rows.row('w', 'img/s', mm, pc, target=2.0)], notes=['n'])
    first = dict(name='x', command='x.py', returncode=0, seconds=1.0, stdout='one',
                 stderr='', data=rows(10.0, 15.0))
    second = dict(first, stdout='two', data=rows(12.0, 30.0))
    merged = run_all.merge(first, second)
    assert (merged['data']['rows'][0]['mmpose'], merged['data']['rows'][0]['posecore']) \
        == (12.0, 30.0)
    info = run_all.describe()
    args = run_all.argparse.Namespace(quick=True, repeats=2, anchor=Path('/none'))
    page = run_all.markdown([merged], ['y (benchmarks/y.py is absent)'], info, args, None)
    assert '| w | 12.0 | 30.0 | img/s | 2.50x | 2x | meets |' in page
    assert 'skipped: y' in page and 'posecore measured alone' in page
    assert info['cpu'] in page and 'ISA flags' in page


def test_page_says_when_mmposes_side_failed_beside_its_environment():
    failed = dict(name='codecs', command='codecs.py', returncode=0, seconds=1.0,
                  stdout='table', stderr='Traceback\nNotImplementedError',
                  data=dict(title='t', rows=[result_rows.row('w', '/s', None, 2.0, target=3)],
                            notes=[], mmpose_measured=False))
    anchor = Path('/anchor')
    args = run_all.argparse.Namespace(quick=True, repeats=1, anchor=anchor)
    page = run_all.markdown([failed], [], run_all.describe(), args, anchor)
    assert "MMPose's side did not run in this script" in page
    assert 'NotImplementedError' in page and '| w | - | 2 | /s | - | 3x | not compared |' in page


def test_cpu_amp_script_prints_both_sides_and_the_ratio():
    """``benchmarks/cpu_amp.py`` (posecore against itself, outside ``run_all``)."""
    proc = subprocess.run([sys.executable, str(BENCHMARKS / 'cpu_amp.py'), '--threads', '1',
                           '--steps', '1', '--rounds', '1', '--batch', '2'],
                          capture_output=True, text=True, timeout=300, cwd=BENCHMARKS)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert 'ISA' in proc.stdout and 'native bfloat16 (oneDNN):' in proc.stdout
    assert 'float32' in proc.stdout and 'x as fast' in proc.stdout
