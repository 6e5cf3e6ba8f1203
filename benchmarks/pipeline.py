"""The top-down training pipeline: posecore vs MMPose 1.3.2, side by side.

LoadImage -> GetBBoxCenterScale -> RandomFlip -> RandomHalfBody ->
RandomBBoxTransform -> TopdownAffine(192x256) -> GenerateTarget(MSRAHeatmap
48x64, sigma 2) -> PackPoseInputs, on the 14 person instances of the real
COCO JPEGs in ``tests/data/mmpose-testdata/coco`` (data infos as MMPose's
``CocoDataset`` makes them, ``raw_ann_info`` included), one process, as a
data-loader worker runs it: torch on 1 thread and OpenCV's threads as
mmengine's default ``env_cfg`` sets them (``opencv_num_threads=0``).

Each side runs in its own subprocess of this script (MMPose's in the
environment of ``../shared/anchor/make-mmpose-venv.sh``, default
``/tmp/anchor-venv/bin/python``), both seeded alike: per-transform CPU
time per sample (the thread's CPU time: all work runs in that thread here,
and time spent waiting for a CPU busy with other work does not count), and
samples/s of the whole pipeline per CPU second and per wall-clock second,
best of several rounds; the two sides' rounds alternate, so both meet the
same load on a shared machine. The outputs are compared too: crops,
heatmaps and weights of the first pass.

    python benchmarks/pipeline.py [--quick] [--mmpose-python PATH] [--json PATH]
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Dict, List

from machine import ANCHOR_PYTHON, has_mmpose
from result_rows import row, write

HERE = Path(__file__).resolve().parent
NAMES = ['LoadImage', 'GetBBoxCenterScale', 'RandomFlip', 'RandomHalfBody',
         'RandomBBoxTransform', 'TopdownAffine', 'GenerateTarget',
         'PackPoseInputs']
CODEC = dict(type='MSRAHeatmap', input_size=(192, 256), heatmap_size=(48, 64),
             sigma=2)
# MMPose 1.3.2 on this machine class (../shared/anchor/README.md), shown
# when its environment is missing: ms per sample, and samples/s
ANCHOR = dict(per_transform={'LoadImage': 1.70, 'TopdownAffine': 1.37,
                             'RandomBBoxTransform': 0.37,
                             'GenerateTarget': 0.33, 'PackPoseInputs': 0.31},
              rate=225.0, cpu_rate=225.0, median_rate=225.0,
              median_cpu_rate=225.0)
TARGET = 2.0


# --------------------------------------------------------------- worker side
def _transforms(impl: str) -> list:
    cfgs = [dict(type='LoadImage'), dict(type='GetBBoxCenterScale'),
            dict(type='RandomFlip', direction='horizontal'),
            dict(type='RandomHalfBody'), dict(type='RandomBBoxTransform'),
            dict(type='TopdownAffine', input_size=(192, 256)),
            dict(type='GenerateTarget', encoder=CODEC),
            dict(type='PackPoseInputs')]
    if impl == 'posecore':
        # names resolve through pose-plugin-topdown's entry points
        from posecore.registry import TRANSFORMS
    else:  # the anchor environment only
        from mmpose.registry import TRANSFORMS
        from mmpose.utils import register_all_modules
        register_all_modules()
    return [TRANSFORMS.build(cfg) for cfg in cfgs]


def worker(args: argparse.Namespace) -> None:
    """Serve timing rounds: build the pipeline, save the first pass's
    outputs, then answer each ``round`` line on stdin with one JSON line of
    that round's figures (the driver interleaves the two sides' rounds, so
    both meet the same machine load)."""
    import cv2
    import numpy as np
    import torch

    sys.path.insert(0, str(HERE / 'anchor'))
    from coco_pipeline_samples import coco_data_infos, fresh

    torch.set_num_threads(args.torch_threads)
    cv2.setNumThreads(args.cv2_threads)
    transforms = _transforms(args.impl)
    infos = coco_data_infos(raw_ann_info=not args.no_raw_ann_info)
    n = len(infos) * args.passes

    np.random.seed(0)
    first = dict(img=[], heatmaps=[], weights=[])
    for info in infos:   # warm-up pass, outputs kept for the comparison
        res = fresh(info)
        for transform in transforms[:-1]:
            res = transform(res)
        first['img'].append(res['img'])
        first['heatmaps'].append(res['heatmaps'])
        first['weights'].append(res['keypoint_weights'])
        transforms[-1](res)
    np.savez(args.save, **{k: np.stack(v) for k, v in first.items()})
    print(json.dumps(dict(ready=True)), flush=True)

    clock = time.thread_time
    for line in sys.stdin:
        if line.strip() != 'round':
            break
        # instrumented: CPU time of each transform (this thread's: all the
        # work runs in it with these thread settings, and time spent
        # waiting for a CPU busy with other work does not count)
        samples = [fresh(infos[i % len(infos)]) for i in range(n)]
        spent = [0.] * len(transforms)
        for res in samples:
            for i, transform in enumerate(transforms):
                start = clock()
                res = transform(res)
                spent[i] += clock() - start
        # plain: the whole pipeline, no timers in between; wall and CPU time
        samples = [fresh(infos[i % len(infos)]) for i in range(n)]
        wall, cpu = time.perf_counter(), clock()
        for res in samples:
            for transform in transforms:
                res = transform(res)
        cpu, wall = clock() - cpu, time.perf_counter() - wall
        print(json.dumps(dict(
            per_transform={name: t / n * 1e3 for name, t in zip(NAMES, spent)},
            rate=n / wall, cpu_rate=n / cpu)), flush=True)


# --------------------------------------------------------------- driver side
class _Worker:
    """One side's worker process; ``round()`` runs one timing round."""

    def __init__(self, python: str, impl: str, args: argparse.Namespace,
                 save: Path) -> None:
        cmd = [python, str(Path(__file__).resolve()), '--worker', '--impl', impl,
               '--passes', str(args.passes),
               '--torch-threads', str(args.torch_threads),
               '--cv2-threads', str(args.cv2_threads), '--save', str(save)]
        if args.no_raw_ann_info:
            cmd.append('--no-raw-ann-info')
        self.impl = impl
        # stderr to a file: a chatty worker cannot fill a pipe and stall
        self.log = tempfile.TemporaryFile('w+')
        self.proc = subprocess.Popen(
            cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=self.log, text=True,
            env=dict(os.environ, PYTHONWARNINGS='ignore'))
        self.ok = self._answer() is not None

    def _answer(self) -> Dict[str, Any] | None:
        for line in self.proc.stdout:
            if line.startswith('{'):
                return json.loads(line)
        self.proc.wait(timeout=60)
        self.log.seek(0)
        err = self.log.read().strip().splitlines()[-3:]
        print(f'{self.impl} worker failed: {" | ".join(err)}', file=sys.stderr)
        return None

    def round(self) -> Dict[str, Any] | None:
        self.proc.stdin.write('round\n')
        self.proc.stdin.flush()
        return self._answer()

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.stdin.close()
            self.proc.wait(timeout=60)
        self.log.close()


def _best(rounds: List[Dict[str, Any]]) -> Dict[str, Any]:
    """Best of the rounds: least time per transform, highest rates; and
    the median rates."""
    def median(values: List[float]) -> float:
        values = sorted(values)
        mid = len(values) // 2
        return values[mid] if len(values) % 2 else (values[mid - 1] + values[mid]) / 2
    return dict(per_transform={name: min(r['per_transform'][name] for r in rounds)
                               for name in NAMES},
                rate=max(r['rate'] for r in rounds),
                cpu_rate=max(r['cpu_rate'] for r in rounds),
                median_rate=median([r['rate'] for r in rounds]),
                median_cpu_rate=median([r['cpu_rate'] for r in rounds]))


def _cpu() -> str:
    model, flags = platform.processor() or 'unknown CPU', []
    try:
        text = Path('/proc/cpuinfo').read_text()
        for line in text.splitlines():
            if line.startswith('model name') and model.startswith(('unknown', 'x86')):
                model = line.split(':', 1)[1].strip()
            if line.startswith('flags'):
                have = set(line.split(':', 1)[1].split())
                flags = [f for f in ('sse4_2', 'avx', 'avx2', 'fma', 'avx512f',
                                     'avx512bw', 'avx512_vnni') if f in have]
                break
    except OSError:
        pass
    load = os.getloadavg()[0] if hasattr(os, 'getloadavg') else float('nan')
    return (f'{model}, {os.cpu_count()} cores, flags {" ".join(flags) or "?"}, '
            f'load {load:.2f}')


def _compare(ours: Path, theirs: Path) -> str:
    import numpy as np
    with np.load(ours) as a, np.load(theirs) as b:
        crops = int(sum(np.array_equal(x, y) for x, y in zip(a['img'], b['img'])))
        weights = bool(np.array_equal(a['weights'], b['weights']))
        heat = float(np.abs(a['heatmaps'] - b['heatmaps']).max())
        n = len(a['img'])
    return (f'outputs vs MMPose (first pass, seed 0): crops equal {crops}/{n}, '
            f'keypoint weights {"equal" if weights else "DIFFER"}, heatmaps max '
            f'abs difference {heat:.1e}')


def driver(args: argparse.Namespace) -> None:
    anchor = args.mmpose_python
    have_anchor = has_mmpose(anchor)
    with tempfile.TemporaryDirectory() as tmp:
        saved = {k: Path(tmp) / f'{k}.npz' for k in ('posecore', 'mmpose')}
        workers = [_Worker(sys.executable, 'posecore', args, saved['posecore'])]
        if have_anchor:
            workers.append(_Worker(anchor, 'mmpose', args, saved['mmpose']))
        rounds: Dict[str, list] = {w.impl: [] for w in workers if w.ok}
        for r in range(args.rounds):
            # alternate who goes first, so neither side always meets the
            # same moment of a shared machine's load
            for w in (workers if r % 2 else workers[::-1]):
                if w.impl in rounds:
                    answer = w.round()
                    if answer is None:
                        del rounds[w.impl]
                    else:
                        rounds[w.impl].append(answer)
        for w in workers:
            w.close()
        ours = _best(rounds['posecore']) if rounds.get('posecore') else {}
        if rounds.get('mmpose'):
            theirs = _best(rounds['mmpose'])
            source = ('MMPose 1.3.2 measured in this run (its rounds '
                      'interleaved with posecore\'s)')
            check = _compare(saved['posecore'], saved['mmpose'])
        else:
            theirs, check = ANCHOR, 'outputs not compared (no MMPose run)'
            source = (f'MMPose 1.3.2 reference figures (no MMPose at {anchor!r}; '
                      'build it with ../shared/anchor/make-mmpose-venv.sh)')
    measured = bool(rounds.get('mmpose'))
    if not ours:
        sys.exit('posecore run failed')
    n = args.passes * 14
    print('top-down training pipeline, 14 COCO instances (4 JPEGs ~640x425), '
          f'input 192x256, MSRAHeatmap 48x64 sigma 2; {n} samples per round, '
          f'best of {args.rounds} rounds; torch threads {args.torch_threads}, '
          f'cv2 threads {args.cv2_threads}; '
          f'raw_ann_info {"off" if args.no_raw_ann_info else "on"}')
    print(f'CPU: {_cpu()}')
    print(source)
    head = f'{"CPU ms per sample":<22}{"posecore":>12}{"MMPose":>11}{"ratio":>8}'
    print(head)
    print('-' * len(head))
    for name in NAMES:
        mine = ours['per_transform'][name]
        base = theirs['per_transform'].get(name)
        ratio = f'{base / mine:.1f}x' if base else '-'
        print(f'{name:<22}{mine:>12.3f}'
              f'{(f"{base:.3f}" if base else "-"):>11}{ratio:>8}')
    total_mine = sum(ours['per_transform'].values())
    total_base = sum(theirs['per_transform'].values()) if measured else None
    print(f'{"sum of the above":<22}{total_mine:>12.3f}'
          f'{(f"{total_base:.3f}" if total_base else "-"):>11}'
          f'{(f"{total_base / total_mine:.1f}x" if total_base else "-"):>8}')
    print('\nwhole pipeline, samples/s (one process):')
    for key, label in (('cpu_rate', 'per CPU second'), ('rate', 'wall clock'),
                       ('median_cpu_rate', 'median per CPU s'),
                       ('median_rate', 'median wall')):
        base = theirs.get(key)
        if base is None:
            continue
        print(f'  {label:<16} posecore {ours[key]:6.0f}   MMPose {base:6.0f}   '
              f'{ours[key] / base:.2f}x (target {TARGET:.1f}x)')
    print(check)
    rows = [row(f'pipeline {name}, CPU per sample', 'ms',
                theirs['per_transform'].get(name) if measured else None,
                ours['per_transform'][name], better='lower') for name in NAMES]
    rows += [row(f'whole training pipeline, {label}', 'samples/s',
                 theirs[key] if measured else None, ours[key], target=TARGET)
             for key, label in (('cpu_rate', 'per CPU second'),
                                ('rate', 'wall clock'))]
    write(args.json, 'pipeline', f'top-down training pipeline on real COCO JPEGs, one '
          f'process, best of {args.rounds} alternating rounds', rows,
          mmpose_measured=measured, notes=[check])


def main(argv: List[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--quick', action='store_true',
                        help='fewer rounds (noisier)')
    parser.add_argument('--rounds', type=int, default=None)
    parser.add_argument('--passes', type=int, default=None,
                        help='passes over the 14 samples per round')
    parser.add_argument('--mmpose-python', default=ANCHOR_PYTHON)
    parser.add_argument('--json', type=Path, help='write the figures here')
    parser.add_argument('--torch-threads', type=int, default=1,
                        help='torch threads (a DataLoader worker has 1)')
    parser.add_argument('--cv2-threads', type=int, default=0,
                        help="cv2.setNumThreads (mmengine's env_cfg default: 0)")
    parser.add_argument('--no-raw-ann-info', action='store_true',
                        help='data infos without raw_ann_info (less to copy '
                             'in PackPoseInputs)')
    # worker mode (internal)
    parser.add_argument('--worker', action='store_true', help=argparse.SUPPRESS)
    parser.add_argument('--impl', choices=('posecore', 'mmpose'),
                        help=argparse.SUPPRESS)
    parser.add_argument('--save', help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.rounds is None:
        args.rounds = 4 if args.quick else 10
    if args.passes is None:
        args.passes = 2 if args.quick else 4
    if args.worker:
        worker(args)
    else:
        driver(args)


if __name__ == '__main__':
    main()
