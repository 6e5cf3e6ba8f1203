"""Run one ``CocoMetric`` implementation on pickled cases; print JSON.

    python coco_metric_runner.py {posecore|mmpose} CASES.pkl

``CASES.pkl`` holds ``dict(dataset_meta=..., batch_size=..., repeat=...,
cases=[dict(name=..., ann_file=PATH|None, samples=[...], metrics=[dict(
name=..., kwargs=...)])])``. Each metric is built, given ``dataset_meta``,
fed the samples in batches through ``process`` and evaluated; the best of
``repeat`` runs is kept. Prints ``{case: {metric: {"results": {...},
"build_s": s, "eval_s": s, "eval_cpu_s": s}}}`` (``eval_s``: process +
evaluate, wall clock; ``eval_cpu_s``: the same in process CPU time). MMPose's
side runs in its own environment (``/tmp/anchor-venv``); posecore never
imports MMPose. xtcocotools' progress prints go to stderr.
"""
from __future__ import annotations

import contextlib
import copy
import json
import pickle
import sys
import time
from typing import Any, Callable


def metric_class(impl: str) -> Callable[..., Any]:
    """``CocoMetric`` of ``impl``: MMPose's class, or posecore's through the
    METRICS registry (its entry point)."""
    if impl == 'mmpose':
        from mmpose.evaluation.metrics import CocoMetric
        return CocoMetric
    from posecore.registry import METRICS
    return lambda **kwargs: METRICS.build(dict(type='CocoMetric', **kwargs))


def run_once(build: Callable[..., Any], meta: dict, ann_file: Any,
             samples: list, kwargs: dict, batch_size: int) -> tuple:
    """(results, build seconds, process + evaluate seconds, the same in CPU
    seconds) of one run."""
    samples = copy.deepcopy(samples)  # neither side may see another's edits
    start = time.perf_counter()
    metric = build(ann_file=ann_file, **kwargs)
    metric.dataset_meta = copy.deepcopy(meta)
    built, cpu = time.perf_counter(), time.process_time()
    for i in range(0, len(samples), batch_size):
        metric.process([], samples[i:i + batch_size])
    results = metric.evaluate(size=len(samples))
    done, cpu_done = time.perf_counter(), time.process_time()
    return ({k: float(v) for k, v in results.items()}, built - start,
            done - built, cpu_done - cpu)


def main() -> None:
    impl, path = sys.argv[1], sys.argv[2]
    with open(path, 'rb') as f:
        spec = pickle.load(f)
    build = metric_class(impl)
    out: dict = {}
    with contextlib.redirect_stdout(sys.stderr):
        for case in spec['cases']:
            for metric in case['metrics']:
                best = None
                for _ in range(spec.get('repeat', 1)):
                    try:
                        res = run_once(build, spec['dataset_meta'],
                                       case['ann_file'], case['samples'],
                                       metric['kwargs'], spec['batch_size'])
                    except Exception as exc:  # report, keep comparing
                        res = ({'error': f'{type(exc).__name__}: {exc}'},
                               0.0, 0.0, 0.0)
                    best = res if best is None else (
                        res[0], min(best[1], res[1]), min(best[2], res[2]),
                        min(best[3], res[3]))
                out.setdefault(case['name'], {})[metric['name']] = dict(
                    results=best[0], build_s=best[1], eval_s=best[2],
                    eval_cpu_s=best[3])
    print(json.dumps(out))


if __name__ == '__main__':
    main()
