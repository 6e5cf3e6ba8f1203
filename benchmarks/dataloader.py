"""DataLoader throughput of the top-down training pipeline on real JPEGs:
posecore beside MMPose 1.3.2, with 0 and 2 workers.

Each side builds, through mmengine's ``Runner.build_dataloader`` (what
training does), a ``DataLoader`` of batch 8 over ``RepeatDataset`` of its
own ``CocoDataset`` on the 14 person instances of the real COCO JPEGs in
``tests/data/mmpose-testdata/coco``, with the HRNet-w32 256x192 training
pipeline (``LoadImage`` ... ``GenerateTarget(MSRAHeatmap)`` ->
``PackPoseInputs``), ``DefaultSampler(shuffle=True)``, seed 0, persistent
workers, and OpenCV's threads as mmengine's ``env_cfg`` sets them. Timed:
seconds to the first batch (workers started) and samples/s over the
following epochs, wall clock and CPU seconds of the process and its
workers. Each (side, workers) runs in a fresh subprocess of this script
(MMPose's in its own environment; posecore never imports MMPose); the sides
alternate round by round (A B A B) and each keeps its best figures.

    python benchmarks/dataloader.py [--quick | --tiny] [--workers 0 2]
        [--rounds 2] [--mmpose-python PATH] [--json PATH]
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Any, Dict, List, Optional

from machine import ANCHOR_PYTHON, has_mmpose
from result_rows import row, write
from worker_process import run_worker

REPO = Path(__file__).resolve().parents[1]
COCO = REPO / 'tests' / 'data' / 'mmpose-testdata' / 'coco'
TARGET = 2.0
CODEC = dict(type='MSRAHeatmap', input_size=(192, 256), heatmap_size=(48, 64), sigma=2)
PIPELINE = [dict(type='LoadImage'), dict(type='GetBBoxCenterScale'),
            dict(type='RandomFlip', direction='horizontal'), dict(type='RandomHalfBody'),
            dict(type='RandomBBoxTransform'),
            dict(type='TopdownAffine', input_size=(192, 256)),
            dict(type='GenerateTarget', encoder=CODEC), dict(type='PackPoseInputs')]


# --------------------------------------------------------------- worker side
def _cpu_seconds() -> float:
    """CPU seconds of this process and its (live or reaped) children."""
    own = os.times()
    return own.user + own.system + own.children_user + own.children_system + sum(
        _proc_cpu(pid) for pid in _children())


def _children() -> List[int]:
    try:
        text = Path(f'/proc/{os.getpid()}/task/{os.getpid()}/children').read_text()
    except OSError:
        return []
    return [int(p) for p in text.split()]


def _proc_cpu(pid: int) -> float:
    try:
        fields = Path(f'/proc/{pid}/stat').read_text().rsplit(')', 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf('SC_CLK_TCK')


def worker(args: argparse.Namespace) -> Dict[str, Any]:
    """Build the side's DataLoader, time it; return its figures."""
    import cv2
    from mmengine.registry import init_default_scope
    from mmengine.runner import Runner

    cv2.setNumThreads(0)  # mmengine's env_cfg default (opencv_num_threads=0)
    init_default_scope(args.impl)
    if args.impl == 'posecore':
        import posecore.registry  # noqa: F401  (the 'posecore' scope's registries)
    cfg = dict(batch_size=8, num_workers=args.workers,
               persistent_workers=args.workers > 0,
               sampler=dict(type='DefaultSampler', shuffle=True),
               dataset=dict(type='RepeatDataset', times=args.times, dataset=dict(
                   type='CocoDataset', data_root=str(COCO), ann_file='test_coco.json',
                   data_prefix=dict(img=''), data_mode='topdown', pipeline=PIPELINE)))
    start, cpu = time.perf_counter(), _cpu_seconds()
    loader = Runner.build_dataloader(cfg, seed=0)
    samples = 0
    first_s = first_cpu = None
    for epoch in range(args.epochs + 1):
        loader.sampler.set_epoch(epoch)
        for batch in loader:
            samples += len(batch['inputs'])
            if first_s is None:
                first_s, first_cpu = time.perf_counter() - start, _cpu_seconds() - cpu
                # the steady part starts after the first epoch
        if epoch == 0:
            steady, steady_cpu, steady_samples = time.perf_counter(), _cpu_seconds(), samples
    wall = time.perf_counter() - steady
    used = _cpu_seconds() - steady_cpu
    n = samples - steady_samples
    return dict(first_s=first_s, first_cpu_s=first_cpu, rate=n / wall, cpu_rate=n / used,
                samples=n)


# --------------------------------------------------------------- driver side
def _run(python: str, impl: str, workers: int, args: argparse.Namespace) -> Dict[str, Any]:
    cmd = [python, str(Path(__file__).resolve()), '--worker', '--impl', impl,
           '--workers-one', str(workers), '--times', str(args.times),
           '--epochs', str(args.epochs)]
    return run_worker(cmd, cwd=str(REPO))


def _best(runs: List[Dict[str, Any]]) -> Dict[str, Any]:
    ok = [r for r in runs if 'error' not in r]
    if not ok:
        return runs[-1]
    return dict(first_s=min(r['first_s'] for r in ok),
                first_cpu_s=min(r['first_cpu_s'] for r in ok),
                rate=max(r['rate'] for r in ok), cpu_rate=max(r['cpu_rate'] for r in ok),
                samples=ok[0]['samples'])


def driver(args: argparse.Namespace) -> None:
    anchor = args.mmpose_python
    have_anchor = has_mmpose(anchor)
    sides = [('posecore', sys.executable)] + ([('MMPose', anchor)] if have_anchor else [])
    runs: Dict[tuple, List[Dict[str, Any]]] = {}
    for r in range(args.rounds):
        for workers in args.workers:
            for name, python in (sides if r % 2 else sides[::-1]):
                print(f'  {name}, {workers} workers, round {r + 1} ...', file=sys.stderr,
                      flush=True)
                runs.setdefault((name, workers), []).append(
                    _run(python, 'posecore' if name == 'posecore' else 'mmpose', workers,
                         args))
    best = {key: _best(rs) for key, rs in runs.items()}
    print(f'DataLoader of the top-down training pipeline (HRNet-w32 256x192, MSRAHeatmap), '
          f'batch 8, 14 real COCO instances x {args.times} per epoch, {args.epochs} timed '
          f'epoch(s) after the first; best of {args.rounds} alternating round(s); '
          f'{os.cpu_count()} CPUs')
    if not have_anchor:
        print(f'(no MMPose environment at {anchor!r}: posecore alone)')
    head = (f'{"workers":<9}{"side":<10}{"1st batch s":>12}{"samples/s":>11}'
            f'{"per CPU s":>11}{"ratio":>8}{"CPU ratio":>11}')
    print(head + '\n' + '-' * len(head))
    rows = []
    for workers in args.workers:
        ours = best[('posecore', workers)]
        theirs = best.get(('MMPose', workers), {})
        for name, res in (('MMPose', theirs), ('posecore', ours)):
            if not res:
                continue
            if 'error' in res:
                print(f'{workers:<9}{name:<10}failed: {res["error"]}')
                continue
            ok = theirs and 'error' not in theirs and 'error' not in ours
            ratio = f'{ours["rate"] / theirs["rate"]:.2f}x' if ok and name == 'posecore' else ''
            cpu = (f'{ours["cpu_rate"] / theirs["cpu_rate"]:.2f}x'
                   if ok and name == 'posecore' else '')
            print(f'{workers:<9}{name:<10}{res["first_s"]:>12.2f}{res["rate"]:>11.1f}'
                  f'{res["cpu_rate"]:>11.1f}{ratio:>8}{cpu:>11}')
        theirs = {} if 'error' in theirs else theirs
        ours = {} if 'error' in ours else ours
        rows += [row(f'{workers} workers: samples/s, wall clock', 'samples/s',
                     theirs.get('rate'), ours.get('rate'), target=TARGET),
                 row(f'{workers} workers: samples per CPU second (process + workers)',
                     'samples/s', theirs.get('cpu_rate'), ours.get('cpu_rate'),
                     target=TARGET),
                 row(f'{workers} workers: seconds to the first batch', 's',
                     theirs.get('first_s'), ours.get('first_s'), better='lower')]
    print(f'target: >= {TARGET}x MMPose')
    write(args.json, 'dataloader', f'DataLoader, training pipeline on real JPEGs, batch 8, '
          f'best of {args.rounds} alternating round(s)', rows,
          mmpose_measured=have_anchor)


def main(argv: Optional[List[str]] = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--quick', action='store_true', help='shorter (noisier)')
    parser.add_argument('--tiny', action='store_true', help='smoke test sizes')
    parser.add_argument('--workers', type=int, nargs='+', default=[0, 2])
    parser.add_argument('--rounds', type=int, default=None)
    parser.add_argument('--times', type=int, default=None,
                        help='repeats of the 14 instances per epoch')
    parser.add_argument('--epochs', type=int, default=None, help='timed epochs')
    parser.add_argument('--mmpose-python', default=ANCHOR_PYTHON)
    parser.add_argument('--json', type=Path, help='write the figures here')
    parser.add_argument('--worker', action='store_true', help=argparse.SUPPRESS)
    parser.add_argument('--impl', choices=('posecore', 'mmpose'), help=argparse.SUPPRESS)
    parser.add_argument('--workers-one', type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    sizes = (1, 1, 1) if args.tiny else (1, 8, 2) if args.quick else (2, 16, 3)
    args.rounds = args.rounds or sizes[0]
    args.times = args.times or sizes[1]
    args.epochs = args.epochs or sizes[2]
    if args.worker:
        args.workers = args.workers_one
        print(json.dumps(worker(args)))
    else:
        driver(args)


if __name__ == '__main__':
    main()
