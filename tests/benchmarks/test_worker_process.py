"""The worker-subprocess helpers the benchmark scripts share (benchmarks/worker_process.py)."""
from __future__ import annotations

import sys

from .conftest import load_script

worker_process = load_script('worker_process')


def test_run_worker_reads_the_last_json_line_or_the_error_tail():
    show = 'import json, os; print("{}"); print("noise"); print(json.dumps({"v": os.environ["V"]}))'
    assert worker_process.run_worker([sys.executable, '-c', show], 'ok', env={'V': '1'}) \
        == {'v': '1'}
    fail = 'import sys; print("a\\nb\\nc\\nd", file=sys.stderr); sys.exit(3)'
    assert worker_process.run_worker([sys.executable, '-c', fail], 'fails') \
        == {'error': 'b | c | d'}


def test_keep_best_and_fmt():
    best: dict = {}
    for res in ({'error': 'x'}, {'rate': 1.0, 'rss_mb': 50.0, 'compile_s': 9.0},
                {'error': 'y'}, {'rate': 2.0, 'rss_mb': 60.0, 'compile_s': 5.0}):
        worker_process.keep_best(best, 'a', res, lower=('rss', 'compile'))
    assert best == {'a': {'rate': 2.0, 'rss_mb': 50.0, 'compile_s': 5.0}}
    assert worker_process.fmt(1.234, '6.2f') == '  1.23'
    assert worker_process.fmt(None, '6.2f') == '     -'
