"""What training reaches, beside MMPose 1.3.2: the demo config trained by
``posecore train`` and by MMPose's ``tools/train.py`` at the same time, one
thread each, on the same synthetic COCO data with the same seed and schedule;
then each side's COCO AP at every validation and, from its last checkpoint,
whether the final layer's left and right channels of a keypoint pair became
one (the relative difference of their weight rows: healthy pairs sit near
1-2, a collapsed pair below 0.2, and the model then predicts one point for
both; issue #9).

MMPose's side is the demo file with its ``_base_`` pointed at MMPose's own
copy of the COCO config it inherits (as ``train_time.py`` builds it). Both
sides get the same ``--cfg-options`` (data, seed, epochs with the cosine
schedule shortened to them, a validation halfway and at the end).

Run to run, one config's AP moves by a few hundredths (different seeds, and
whether a left/right pair collapses), so compare several seeds, not one run.
The whole 20-epoch schedule takes about 40 minutes per seed on 2 cores.

    python benchmarks/train_accuracy.py [--epochs 12] [--seeds 0 1] [--tiny]
        [--data data/synth_coco] [--mmpose-python PY] [--json PATH]
"""
from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any, Dict, List, Optional

from machine import ANCHOR_PYTHON, describe, has_mmpose, one_line
from result_rows import row, write
from train_time import REPO, Side, ensure_data, sides

AP_LINE = re.compile(r'Epoch\(val\)\s*\[(\d+)\].*?coco/AP: ([\d.]+)')
#: COCO's left/right pairs (left index; the right one follows it)
PAIRS = dict(eye=1, ear=3, shoulder=5, elbow=7, wrist=9, hip=11, knee=13, ankle=15)
COLLAPSED = 0.2


def cfg_options(data: Path, seed: int, epochs: int, tiny: bool) -> List[str]:
    """The same overrides for both sides."""
    root = f'{data}/'
    options = [f'data_root={root}', f'train_dataloader.dataset.data_root={root}',
               f'val_dataloader.dataset.data_root={root}',
               f'val_dataloader.dataset.bbox_file={root}person_detection_results/'
               'COCO_val2017_detections_AP_H_56_person.json',
               f'val_evaluator.ann_file={root}annotations/person_keypoints_val2017.json',
               f'randomness.seed={seed}', f'train_cfg.max_epochs={epochs}',
               f'train_cfg.val_interval={max(1, epochs // 2)}',
               f'param_scheduler.1.end={epochs}', f'param_scheduler.1.T_max={epochs}',
               f'default_hooks.checkpoint.interval={epochs}',
               # MMPose reads the demo's 0.75-pixel flip shift as one pixel: the same on both
               'model.test_cfg.shift_heatmap=True']
    if tiny:
        options += ['train_dataloader.dataset.indices=32', 'val_dataloader.dataset.indices=8',
                    'default_hooks.logger.interval=1']
    return ['--cfg-options', *options]


def start(side: Side, options: List[str], work_dir: Path) -> subprocess.Popen:
    """Launch one side's training, one thread, its log into the work dir."""
    work_dir.mkdir(parents=True)
    env = dict(os.environ, OMP_NUM_THREADS='1', MKL_NUM_THREADS='1',
               PYTHONWARNINGS='ignore')
    with open(work_dir / 'train.log', 'w') as log:  # the child keeps its own handle
        return subprocess.Popen([side.python, *side.argv, '--work-dir', str(work_dir),
                                 *options], stdout=log, stderr=subprocess.STDOUT, cwd=REPO,
                                env=env)


def pair_differences(checkpoint: Path) -> Dict[str, float]:
    """|w_left - w_right| / |w_left| of the final layer, per left/right pair."""
    import torch
    # our own run's file; MMPose's holds mmengine objects besides the weights
    state = torch.load(checkpoint, map_location='cpu', weights_only=False)['state_dict']
    w = state['head.final_layer.weight'].flatten(1)
    return {name: float((w[i] - w[i + 1]).norm() / w[i].norm()) for name, i in PAIRS.items()}


def outcome(work_dir: Path, epochs: int, returncode: int) -> Dict[str, Any]:
    """AP per validated epoch and the last checkpoint's pair differences (or ``error``)."""
    text = (work_dir / 'train.log').read_text(errors='replace')
    ap = {int(e): float(v) for e, v in AP_LINE.findall(text)}
    last = work_dir / f'epoch_{epochs}.pth'
    if returncode or epochs not in ap or not last.exists():
        tail = ' | '.join(text.strip().splitlines()[-3:])
        return dict(error=f'exit {returncode}: {tail}')
    return dict(ap=ap, pairs=pair_differences(last))


def main(argv: Optional[List[str]] = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--epochs', type=int, default=20,
                        help='training epochs (the schedule is shortened to them)')
    parser.add_argument('--seeds', type=int, nargs='+', default=[0])
    parser.add_argument('--tiny', action='store_true',
                        help='smoke test: 2 iterations, 8 validation samples, posecore only')
    parser.add_argument('--data', type=Path, default=None,
                        help="the data (default: the demo's, made when missing as `make demo` "
                             'makes it; with --tiny, a small set in a temporary folder)')
    parser.add_argument('--mmpose-python', default=ANCHOR_PYTHON)
    parser.add_argument('--json', type=Path, help='write the figures here')
    args = parser.parse_args(argv)
    epochs = 1 if args.tiny else args.epochs
    mmpose = args.mmpose_python if not args.tiny and has_mmpose(args.mmpose_python) else None
    print(one_line(describe(mmpose)))
    results: Dict[int, Dict[str, Dict[str, Any]]] = {}
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        data = args.data or (tmp / 'synth' if args.tiny else REPO / 'data' / 'synth_coco')
        ensure_data(data, *((200, 50) if args.tiny else (2000, 500)))
        todo = sides('demo', mmpose, tmp)
        for seed in args.seeds:
            print(f'  seed {seed}: {" and ".join(s.name for s in todo)}, {epochs} epoch(s), '
                  'side by side ...', file=sys.stderr, flush=True)
            options = cfg_options(data.resolve(), seed, epochs, args.tiny)
            runs = {s.name: (start(s, options, tmp / f'{s.name}-{seed}'), tmp / f'{s.name}-{seed}')
                    for s in todo}
            results[seed] = {n: outcome(wd, epochs, proc.wait()) for n, (proc, wd) in runs.items()}
    report(results, epochs, bool(mmpose), args.json)


def report(results: Dict[int, Dict[str, Dict[str, Any]]], epochs: int, mmpose: bool,
           json_path: Optional[Path]) -> None:
    """Print AP and pair differences per seed and side; write the JSON rows."""
    print(f'the demo config trained for {epochs} epoch(s) by each side at once, one thread '
          'each, same data, seed and schedule; COCO AP on the synthetic validation set '
          '(detected boxes); final-layer left/right row difference (< '
          f'{COLLAPSED}: the pair collapsed into one point)')
    head = f'{"seed":<6}{"side":<10}{"AP by epoch":<28}' + ''.join(f'{p:>9}' for p in PAIRS)
    print(head + '\n' + '-' * len(head))
    rows = []
    for seed, by_side in results.items():
        for name, res in by_side.items():
            if 'error' in res:
                print(f'{seed:<6}{name:<10}failed: {res["error"]}')
                continue
            aps = ', '.join(f'{e}: {v:.3f}' for e, v in sorted(res['ap'].items()))
            print(f'{seed:<6}{name:<10}{aps:<28}' + ''.join(
                f'{d:>8.2f}{"*" if d < COLLAPSED else " "}' for d in res['pairs'].values()))
        ap = {n: r['ap'][epochs] if 'error' not in r else None for n, r in by_side.items()}
        collapsed = {n: sum(d < COLLAPSED for d in r['pairs'].values()) if 'error' not in r
                     else None for n, r in by_side.items()}
        rows += [row(f'demo, {epochs} epochs, seed {seed}: COCO AP', 'AP', ap.get('MMPose'),
                     ap.get('posecore'), note='same schedule and seed; AP moves by a few '
                     'hundredths run to run'),
                 row(f'demo, {epochs} epochs, seed {seed}: left/right pairs collapsed',
                     'pairs', collapsed.get('MMPose'), collapsed.get('posecore'),
                     better='lower')]
    write(json_path, 'train_accuracy', f'what training reaches: the demo config, {epochs} '
          'epoch(s), both sides at once, one thread each', rows, mmpose_measured=mmpose,
          extra=dict(runs={str(s): r for s, r in results.items()}))


if __name__ == '__main__':
    main()
