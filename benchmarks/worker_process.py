"""A benchmark script run as a worker subprocess of itself, and the small
helpers its two sides share: the worker prints its figures as one JSON line
(:func:`serve`), the driver runs it and reads that line (:func:`run_worker`).

Standard library only: the worker side also runs in MMPose's environment.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence


def run_worker(cmd: List[str], name: Optional[str] = None,
               env: Optional[Mapping[str, str]] = None,
               cwd: Optional[str] = None) -> Dict[str, Any]:
    """Run ``cmd`` (saying so when it has a ``name``); its last JSON line as a dict, or
    ``{'error': its last 3 stderr lines}``."""
    if name:
        print(f'  running {name} ...', file=sys.stderr, flush=True)
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=cwd,
                          env={**os.environ, 'PYTHONWARNINGS': 'ignore', **(env or {})})
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith('{')]
    if proc.returncode or not lines:
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-3:]
        return {'error': ' | '.join(tail)}
    return json.loads(lines[-1])


def serve(args: Any, worker: Callable[[Any], Dict[str, Any]],
          driver: Callable[[Any], None]) -> None:
    """``--worker``: print ``worker(args)`` as the JSON line to read; else ``driver(args)``."""
    if args.worker:
        print(json.dumps(worker(args)))
    else:
        driver(args)


def keep_best(best: Dict[str, Dict[str, Any]], name: str, result: Dict[str, Any],
              lower: Sequence[str] = ('rss', )) -> None:
    """Fold a run into ``best[name]``: least of keys starting with ``lower``, most of the rest."""
    old = best.get(name)
    if old is None or 'error' in old:
        best[name] = result
    elif 'error' not in result:
        best[name] = {k: (min if k.startswith(tuple(lower)) else max)(old[k], result[k])
                      for k in result}


def median_seconds(fn: Callable[[], Any], iters: int) -> float:
    """Median seconds per call of ``fn`` over ``iters`` calls."""
    times = []
    for _ in range(iters):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    times.sort()
    return times[len(times) // 2]


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far, in MB."""
    import resource
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def fmt(value: Any, spec: str) -> str:
    """``value`` formatted by ``spec``, or '-' padded to its width if it is no number."""
    if isinstance(value, (int, float)):
        return format(value, spec)
    return '-'.rjust(int(spec.split('.')[0]))
