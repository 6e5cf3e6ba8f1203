"""Time to train, end to end: ``posecore train`` beside MMPose 1.3.2's
``tools/train.py``, on the same synthetic COCO data.

Two configs, a fixed number of iterations each, then one validation:

- ``demo``: posecore's demo config (HRNet-w32-small, 128x96, batch 16).
  MMPose's side is MMPose's own copy (``mmpose/.mim/configs``) of the COCO
  config the demo inherits, with the demo's changes: the demo file with its
  ``_base_`` pointed at that copy, written to a temporary folder.
- ``w32``: the HRNet-w32 256x192 COCO config at batch 8: posecore's, and
  MMPose's own from ``.mim/configs``.

Both sides get the same ``--cfg-options`` (data root and files, batch size,
seed 0, the iteration count through ``dataset.indices``, no pretrained
download, a log line per iteration, no epoch checkpoint; the training
DataLoader workers stay as the config has them: 2 for w32, none for the
demo) and are watched from outside alike: seconds from launch to the first
iteration's log line, steady-state iterations/s (mmengine's logged ``time``,
the first iteration left out), CPU seconds per iteration of the process and its
DataLoader workers (steadier on a shared machine), validation seconds
(last training line to the metric line), and the trainer's peak RSS. The
runs alternate (MMPose, posecore, MMPose, posecore...) and each side keeps
its best figures. ``--profile`` runs each side once more under cProfile and
tabulates where the time goes (same mmengine and torch functions on both).

The data: ``posecore coco synth DIR --train 200 --val 50 --seed 0``, made
when ``--data`` is missing.

    python benchmarks/train_time.py [--quick | --tiny] [--configs demo w32]
        [--repeats 2] [--profile [CONFIG ...]] [--data /tmp/synth_bench] [--json PATH]
"""
from __future__ import annotations

import argparse
import os
import pstats
import re
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List, Optional

from machine import ANCHOR_PYTHON
from result_rows import row, write

REPO = Path(__file__).resolve().parents[1]
W32_NAME = 'td-hm_hrnet-w32_8xb64-210e_coco-256x192.py'
TOPDOWN = Path('configs') / 'body_2d_keypoint' / 'topdown_heatmap'
DEMO = (REPO / TOPDOWN / 'synth_coco' /
        'td-hm_hrnet-w32-small_dark-1xb16-20e_synth-coco-128x96.py')
W32 = REPO / TOPDOWN / 'coco' / W32_NAME
#: config -> (posecore's file, batch size)
CONFIGS: Dict[str, tuple[Path, int]] = {'demo': (DEMO, 16), 'w32': (W32, 8)}
TARGETS = dict(iteration=1.3, first=3.0, memory=1.0)
ITER_LINE = re.compile(r'Epoch\(train\)\s*\[\d+\]\[\s*(\d+)/\s*(\d+)\].*?\btime: ([\d.]+)'
                       r'\s+data_time: ([\d.]+)')
VAL_LINE = re.compile(r'Epoch\(val\).*coco/AP:')


# ----------------------------------------------------------------- the runs
def _tree_cpu(pid: int) -> float:
    """CPU seconds (user + system) of ``pid`` and its live descendants."""
    tick = os.sysconf('SC_CLK_TCK')
    parents: Dict[int, int] = {}
    cpu: Dict[int, float] = {}
    for entry in os.listdir('/proc'):
        if not entry.isdigit():
            continue
        try:
            fields = Path(f'/proc/{entry}/stat').read_text().rsplit(')', 1)[1].split()
        except OSError:
            continue
        parents[int(entry)] = int(fields[1])
        cpu[int(entry)] = (int(fields[11]) + int(fields[12])) / tick
    total, todo = 0.0, [pid]
    while todo:
        p = todo.pop()
        total += cpu.get(p, 0.0)
        todo += [c for c, parent in parents.items() if parent == p]
    return total


@dataclass
class Side:
    """How one side trains: its python and the command after it."""

    name: str
    python: str
    argv: List[str]


def sides(config: str, mmpose_python: Optional[str], tmp: Path) -> List[Side]:
    """posecore's and (with its environment) MMPose's command for ``config``."""
    path, _ = CONFIGS[config]
    out = [Side('posecore', sys.executable, ['-m', 'posecore', 'train', str(path)])]
    if mmpose_python:
        mim = Path(subprocess.run(
            [mmpose_python, '-c', 'import mmpose, os; print(os.path.dirname(mmpose.__file__))'],
            capture_output=True, text=True, check=True).stdout.strip()) / '.mim'
        w32 = mim / TOPDOWN / 'coco' / W32_NAME
        if config == 'w32':
            mm_config = w32
        else:
            # the demo's changes on top of MMPose's own copy of the config it inherits
            text = path.read_text()
            base = re.search(r"^_base_ = \['\.\./coco/([^']+)'\]$", text, re.M)
            if base is None:
                raise RuntimeError(f'{path} no longer inherits one ../coco/ config: update '
                                   'train_time.py')
            mm_base = mim / TOPDOWN / 'coco' / base.group(1)
            mm_config = tmp / f'mmpose_{path.name}'
            mm_config.write_text(text.replace(base.group(0), f'_base_ = [{str(mm_base)!r}]'))
        out.insert(0, Side('MMPose', mmpose_python, [str(mim / 'tools' / 'train.py'),
                                                    str(mm_config)]))
    return out


def cfg_options(config: str, data: Path, iters: int, val_samples: int) -> List[str]:
    """The same overrides for both sides: data, batch, seed, length (workers: the config's)."""
    _, batch = CONFIGS[config]
    root = f'{data}/'
    return ['--cfg-options', f'data_root={root}',
            f'train_dataloader.dataset.data_root={root}',
            f'train_dataloader.batch_size={batch}',
            f'train_dataloader.dataset.indices={iters * batch}',
            f'val_dataloader.dataset.data_root={root}', 'val_dataloader.num_workers=2',
            f'val_dataloader.dataset.bbox_file={root}person_detection_results/'
            'COCO_val2017_detections_AP_H_56_person.json',
            f'val_dataloader.dataset.indices={val_samples}',
            f'val_evaluator.ann_file={root}annotations/person_keypoints_val2017.json',
            'train_cfg.max_epochs=1', 'train_cfg.val_interval=1',
            'default_hooks.logger.interval=1', 'default_hooks.checkpoint.interval=1000',
            'default_hooks.checkpoint.save_last=False', 'randomness.seed=0',
            'model.backbone.init_cfg=None',
            # MMPose reads the demo's 0.75-pixel flip shift as one pixel: the same on both
            'model.test_cfg.shift_heatmap=True']


def train_once(side: Side, options: List[str], work_dir: Path,
               profile: Optional[Path] = None) -> Dict[str, Any]:
    """Run one training; return its figures (or ``error``)."""
    prefix = ['-m', 'cProfile', '-o', str(profile)] if profile else []
    cmd = [side.python, *prefix, *side.argv, '--work-dir', str(work_dir), *options]
    env = dict(os.environ, PYTHONUNBUFFERED='1', PYTHONWARNINGS='ignore')
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True, cwd=work_dir.parent, env=env)
    iters: List[Dict[str, float]] = []
    val_end = None
    tail: List[str] = []
    for line in proc.stdout:
        now = time.perf_counter() - start
        tail = (tail + [line])[-20:]
        match = ITER_LINE.search(line)
        if match:
            iters.append(dict(at=now, cpu=_tree_cpu(proc.pid), time=float(match[3]),
                              data_time=float(match[4])))
        elif VAL_LINE.search(line):
            val_end = now
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode or not iters or val_end is None:
        return dict(error=f'exit {proc.returncode}: ' + ' | '.join(
            ln.strip() for ln in tail[-3:]))
    steady = iters[1:] or iters
    cpu = ((iters[-1]['cpu'] - iters[0]['cpu']) / (len(iters) - 1)
           if len(iters) > 1 else None)
    return dict(first_s=iters[0]['at'], first_cpu_s=iters[0]['cpu'],
                it_per_s=1 / statistics.median(i['time'] for i in steady),
                data_s=statistics.median(i['data_time'] for i in steady),
                cpu_per_iter_s=cpu, val_s=val_end - iters[-1]['at'],
                total_s=val_end, rss_mb=usage.ru_maxrss / 1024, iters=len(iters))


# ---------------------------------------------------------------- profiling
#: (label, file suffix, function): mmengine's and torch's own functions,
#: the same on both sides, so their cumulative times compare directly
PROFILE_POINTS = [
    ('imports (importlib _find_and_load)', '<frozen importlib._bootstrap>', '_find_and_load'),
    ('Runner.from_cfg (build model, hooks, ...)', 'mmengine/runner/runner.py', 'from_cfg'),
    ('Runner.train (loops, incl. validation)', 'mmengine/runner/runner.py', 'train'),
    ('  build the dataloaders (incl. dataset)', 'mmengine/runner/runner.py', 'build_dataloader'),
    ('  waiting for batches (DataLoader __next__)', 'torch/utils/data/dataloader.py',
     '__next__'),
    ('  train_step (preprocess, forward, loss, update)', 'mmengine/model/base_model/base_model.py',
     'train_step'),
    ('    backward', 'torch/_tensor.py', 'backward'),
    ('    optimizer step (OptimWrapper.step)', 'mmengine/optim/optimizer/optimizer_wrapper.py',
     'step'),
    ('  validation (ValLoop.run)', 'mmengine/runner/loops.py', 'run'),
    ('  hooks (Runner.call_hook)', 'mmengine/runner/runner.py', 'call_hook'),
    ('  checkpoint saving', 'mmengine/runner/runner.py', 'save_checkpoint'),
]


def profile_summary(path: Path) -> Dict[str, float]:
    """Cumulative seconds of :data:`PROFILE_POINTS` (and the total) in a
    cProfile file; ``ValLoop.run`` is told from the train loops' ``run`` by
    its line, the largest ``run`` in loops.py being the train loop."""
    stats = pstats.Stats(str(path)).stats  # type: ignore[attr-defined]
    out: Dict[str, float] = {'total': max(v[3] for v in stats.values())}
    for label, suffix, func in PROFILE_POINTS:
        found = sorted((v[3] for (file, _, name), v in stats.items()
                        if file.endswith(suffix) and name == func), reverse=True)
        if suffix.endswith('loops.py'):
            # the train loop's run contains the validation: the second is ValLoop's
            found = found[1:2]
        out[label] = found[0] if found else 0.0
    return out


# ------------------------------------------------------------------- driver
def ensure_data(path: Path, train: int = 200, val: int = 50) -> None:
    """Make the synthetic data (seed 0) in ``path`` unless it is there."""
    if (path / 'annotations' / 'person_keypoints_val2017.json').exists():
        return
    print(f'making the synthetic data in {path} ...', file=sys.stderr, flush=True)
    subprocess.run([sys.executable, '-m', 'posecore', 'coco', 'synth', str(path),
                    '--train', str(train), '--val', str(val), '--seed', '0'], check=True,
                   stdout=subprocess.DEVNULL)


def best_of(runs: List[Dict[str, Any]]) -> Dict[str, Any]:
    ok = [r for r in runs if 'error' not in r]
    if not ok:
        return runs[-1] if runs else dict(error='not run')
    lower = ('first_s', 'first_cpu_s', 'data_s', 'cpu_per_iter_s', 'val_s', 'total_s', 'rss_mb')
    return {k: (min if k in lower else max)(r[k] for r in ok if r[k] is not None)
            if any(r[k] is not None for r in ok) else None for k in ok[0]}


def main(argv: Optional[List[str]] = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--quick', action='store_true', help='few iterations, one repeat')
    parser.add_argument('--tiny', action='store_true',
                        help='smoke test: the demo config, 2 iterations, posecore only')
    parser.add_argument('--configs', nargs='+', choices=sorted(CONFIGS), default=None)
    parser.add_argument('--iters', type=int, default=None, help='training iterations')
    parser.add_argument('--val-samples', type=int, default=None)
    parser.add_argument('--repeats', type=int, default=None,
                        help='alternating runs of each side (best kept)')
    parser.add_argument('--profile', nargs='*', choices=sorted(CONFIGS), default=None,
                        metavar='CONFIG',
                        help='one more cProfile run per side of these configs (all when '
                             'none is named): where the time goes')
    parser.add_argument('--data', type=Path, default=Path(tempfile.gettempdir()) / 'synth_bench')
    parser.add_argument('--mmpose-python', default=ANCHOR_PYTHON)
    parser.add_argument('--json', type=Path, help='write the figures here')
    args = parser.parse_args(argv)
    mode = 'tiny' if args.tiny else 'quick' if args.quick else 'full'
    defaults = dict(tiny=(['demo'], 2, 4, 1), quick=(['demo', 'w32'], 3, 8, 1),
                    full=(['demo', 'w32'], 10, 50, 2))[mode]
    configs = args.configs or defaults[0]
    iters = args.iters or defaults[1]
    val_samples = args.val_samples or defaults[2]
    repeats = args.repeats or defaults[3]
    mmpose = args.mmpose_python if not args.tiny and os.path.exists(args.mmpose_python) else None
    ensure_data(args.data)

    results: Dict[str, Dict[str, Dict[str, Any]]] = {}
    profiles: Dict[str, Dict[str, Dict[str, float]]] = {}
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        for config in configs:
            runs: Dict[str, List[Dict[str, Any]]] = {}
            options = cfg_options(config, args.data, iters, val_samples)
            todo = sides(config, mmpose, tmp)
            for r in range(repeats):
                for side in (todo if r % 2 == 0 else todo[::-1]):
                    print(f'  {config}: {side.name} run {r + 1}/{repeats} ...',
                          file=sys.stderr, flush=True)
                    runs.setdefault(side.name, []).append(train_once(
                        side, options, tmp / f'{config}-{side.name}-{r}'))
            results[config] = {name: best_of(rs) for name, rs in runs.items()}
            if args.profile is not None and (not args.profile or config in args.profile):
                for side in todo:
                    print(f'  {config}: {side.name} under cProfile ...', file=sys.stderr,
                          flush=True)
                    out = tmp / f'{config}-{side.name}.prof'
                    res = train_once(side, options, tmp / f'{config}-{side.name}-prof', out)
                    if 'error' not in res and out.exists():
                        profiles.setdefault(config, {})[side.name] = profile_summary(out)
    report(results, profiles, iters, val_samples, repeats, mmpose, args.json)


def report(results: Dict[str, Dict[str, Dict[str, Any]]],
           profiles: Dict[str, Dict[str, Dict[str, float]]], iters: int, val_samples: int,
           repeats: int, mmpose: Optional[str], json_path: Optional[Path]) -> None:
    """Print the table (and profiles) and write the JSON rows."""
    print(f'time to train: {iters} iterations (the config\'s DataLoader workers, seed 0) '
          f'then validation on {val_samples} samples, synthetic COCO data; best of {repeats} '
          'alternating run(s) per side; CPU s/iter counts the trainer and its workers')
    fields = [('first_s', 'to 1st iter s', '.1f'), ('first_cpu_s', 'CPU s to 1st', '.1f'),
              ('it_per_s', 'iter/s', '.3f'), ('cpu_per_iter_s', 'CPU s/iter', '.2f'),
              ('data_s', 'data wait s', '.3f'), ('val_s', 'validation s', '.1f'),
              ('rss_mb', 'peak RSS MB', '.0f')]
    head = f'{"config":<8}{"side":<10}' + ''.join(f'{label:>14}' for _, label, _ in fields)
    print(head + '\n' + '-' * len(head))
    rows = []
    for config, by_side in results.items():
        for name, res in by_side.items():
            if 'error' in res:
                print(f'{config:<8}{name:<10}failed: {res["error"]}')
                continue
            print(f'{config:<8}{name:<10}' + ''.join(
                f'{format(res[k], spec) if res[k] is not None else "-":>14}'
                for k, _, spec in fields))
        mm = by_side.get('MMPose', {})
        mm = {} if 'error' in mm else mm
        ours = by_side.get('posecore', {})
        ours = {} if 'error' in ours else ours
        batch = CONFIGS[config][1]
        label = f'{config} (batch {batch})'
        rows += [
            row(f'{label}: seconds to the first iteration', 's', mm.get('first_s'),
                ours.get('first_s'), better='lower', target=TARGETS['first']),
            row(f'{label}: CPU seconds to the first iteration', 's', mm.get('first_cpu_s'),
                ours.get('first_cpu_s'), better='lower'),
            row(f'{label}: steady-state iterations', 'iter/s', mm.get('it_per_s'),
                ours.get('it_per_s'), target=TARGETS['iteration']),
            row(f'{label}: CPU seconds per iteration (trainer + workers)', 's',
                mm.get('cpu_per_iter_s'), ours.get('cpu_per_iter_s'), better='lower'),
            row(f'{label}: validation ({val_samples} samples, flip test, CocoMetric)', 's',
                mm.get('val_s'), ours.get('val_s'), better='lower'),
            row(f'{label}: peak RSS of the trainer', 'MB', mm.get('rss_mb'),
                ours.get('rss_mb'), better='lower', target=TARGETS['memory'])]
    print(f'targets: >= {TARGETS["iteration"]}x per iteration, >= {TARGETS["first"]}x to the '
          'first iteration, no more memory')
    notes = []
    for config, by_side in profiles.items():
        print(f'\nwhere the time goes, {config} (cProfile, cumulative seconds, one run each):')
        labels = list(next(iter(by_side.values())))
        names = list(by_side)
        print(f'{"":<52}' + ''.join(f'{n:>10}' for n in names))
        table = [f'Where the time goes, {config} (cProfile, cumulative s; one run per side, '
                 'profiler overhead included):', '',
                 '| part | ' + ' | '.join(names) + ' |', '|---|' + '---:|' * len(names)]
        for label in labels:
            print(f'{label:<52}' + ''.join(f'{by_side[n][label]:>10.2f}' for n in names))
            table.append(f'| {label.strip()} | ' +
                         ' | '.join(f'{by_side[n][label]:.2f}' for n in names) + ' |')
        notes.append('\n'.join(table))
    write(json_path, 'train_time', f'time to train: {iters} iterations + validation on '
          f'{val_samples} samples, synthetic COCO, the configs\' workers, seed 0, '
          f'best of {repeats} alternating run(s)', rows, mmpose_measured=bool(mmpose), notes=notes,
          extra=dict(runs=results, profiles=profiles))


if __name__ == '__main__':
    main()
