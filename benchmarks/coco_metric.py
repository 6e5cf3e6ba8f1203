"""``CocoMetric`` speed: posecore vs MMPose 1.3.2, side by side, same numbers.

Times ``process`` + ``evaluate`` of top-down predictions (float32 keypoints,
boxes, box scales and detection scores, ~10 detections per image: noisy
copies of the ground truth and false positives; synthetic ground truth from
``anchor/coco_metric_cases.py``) for 1,000 and 10,000 instances, with the
COCO config's metric (``score_mode='bbox_keypoint'``, ``nms_mode='oks_nms'``)
and, with ``--all-modes``, every score/NMS mode. Each implementation runs in
its own environment as a subprocess (``anchor/coco_metric_runner.py``; MMPose
in ``/tmp/anchor-venv``, posecore never imports it), alternately, several
times; the best wall-clock and CPU times are kept, since the machine may be
shared. All ten result numbers must be identical.

    python benchmarks/coco_metric.py [--sizes 1000 10000] [--rounds 2]
        [--all-modes] [--mmpose-python PATH] [--json PATH]

Where the time goes: xtcocotools' ``COCOeval`` (kept for the evaluation
itself) is the same on both sides; MMPose adds a JSON dump (indented, pure
Python encoder) and load of the results, per-pair Python loops in OKS NMS,
per-instance loops in rescoring, and per-sample dict work; posecore scores
and suppresses with array operations and hands ``COCOeval`` in-memory COCO
objects.
"""
from __future__ import annotations

import argparse
import json
import pickle
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Optional

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE / 'anchor'))
import coco_metric_cases as cases  # noqa: E402
from machine import ANCHOR_PYTHON, describe, one_line  # noqa: E402
from result_rows import row, write  # noqa: E402

RUNNER = HERE / 'anchor' / 'coco_metric_runner.py'
# MMPose 1.3.2 on this machine class (../shared/anchor/README.md), shown
# when its environment is missing
ANCHOR_SECONDS = {1000: 0.39, 10000: 4.54}
TARGET = 1.5
DEFAULT_MODE = dict(score_mode='bbox_keypoint', nms_mode='oks_nms')


def make_spec(workdir: Path, sizes: list[int], all_modes: bool,
              repeat: int) -> dict:
    rng = np.random.default_rng(0)
    spec_cases = []
    for size in sizes:
        gt = cases.ground_truth(max(size // 10, 1), rng)
        path = workdir / f'gt_{size}.json'
        path.write_text(json.dumps(gt))
        modes = ([dict(score_mode=s, nms_mode=n)
                  for s in ('bbox', 'bbox_keypoint', 'bbox_rle')
                  for n in ('oks_nms', 'soft_oks_nms', 'none')]
                 if all_modes else [DEFAULT_MODE])
        spec_cases.append(dict(
            name=str(size), ann_file=str(path),
            samples=cases.topdown_samples(gt, size, rng),
            metrics=[dict(name=f'{m["score_mode"]}/{m["nms_mode"]}',
                          kwargs=m) for m in modes]))
    return dict(dataset_meta=cases.dataset_meta(), batch_size=32,
                repeat=repeat, cases=spec_cases)


def run(python: Path, impl: str, spec_path: Path) -> Optional[dict]:
    proc = subprocess.run([str(python), str(RUNNER), impl, str(spec_path)],
                          capture_output=True, text=True, timeout=3600)
    if proc.returncode != 0:
        print(f'{impl} run failed ({python}):\n{proc.stderr[-2000:]}',
              file=sys.stderr)
        return None
    return json.loads(proc.stdout.strip().splitlines()[-1])


def merge(best: Optional[dict], new: Optional[dict]) -> Optional[dict]:
    """Keep the lower times of two runs (results must agree)."""
    if best is None or new is None:
        return best or new
    for case, by_metric in new.items():
        for name, res in by_metric.items():
            old = best[case][name]
            for key in ('build_s', 'eval_s', 'eval_cpu_s'):
                old[key] = min(old[key], res[key])
    return best


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--sizes', type=int, nargs='+',
                        default=[1000, 10000])
    parser.add_argument('--rounds', type=int, default=2,
                        help='alternating runs of each implementation')
    parser.add_argument('--repeat', type=int, default=2,
                        help='evaluations per run (best kept)')
    parser.add_argument('--all-modes', action='store_true',
                        help='every score/NMS mode, not only the default')
    parser.add_argument('--mmpose-python', type=Path, default=ANCHOR_PYTHON)
    parser.add_argument('--json', type=Path, help='write the figures here')
    args = parser.parse_args()
    rows = []
    have_mmpose = args.mmpose_python.exists()
    ours = theirs = None
    with tempfile.TemporaryDirectory() as tmp:
        spec_path = Path(tmp) / 'spec.pkl'
        with open(spec_path, 'wb') as f:
            pickle.dump(make_spec(Path(tmp), args.sizes, args.all_modes,
                                  args.repeat), f)
        for _ in range(args.rounds):
            # alternate, so load that comes and goes hits both sides
            if have_mmpose:
                theirs = merge(theirs, run(args.mmpose_python, 'mmpose',
                                           spec_path))
            ours = merge(ours, run(Path(sys.executable), 'posecore',
                                   spec_path))
    if ours is None:
        return 1
    print(f'CocoMetric process + evaluate, top-down, ~10 detections per '
          f'image; best of {args.rounds}x{args.repeat} runs')
    print(one_line(describe(str(args.mmpose_python))))
    source = ('MMPose 1.3.2 measured in this run' if theirs else
              'MMPose 1.3.2 reference figures (its venv not found or failed)')
    print(source)
    head = (f'{"instances":>9}  {"mode":<26}{"posecore s":>11}{"MMPose s":>10}'
            f'{"ratio":>7}{"cpu ratio":>10}{"target":>8}  numbers')
    print(head)
    print('-' * len(head))
    failed = False
    for case, by_metric in ours.items():
        for name, res in by_metric.items():
            if 'error' in res['results']:
                print(f'{case:>9}  {name:<26} posecore failed: '
                      f'{res["results"]["error"]}')
                failed = True
                continue
            mm = theirs[case][name] if theirs else None
            mm_s = mm['eval_s'] if mm else ANCHOR_SECONDS.get(int(case))
            ratio = mm_s / res['eval_s'] if mm_s else float('nan')
            cpu_ratio = (mm['eval_cpu_s'] / res['eval_cpu_s'] if mm
                         else float('nan'))
            same = ('identical' if mm and mm['results'] == res['results']
                    else 'DIFFERENT' if mm else 'not compared')
            failed |= same == 'DIFFERENT'
            rows.append(row(f'CocoMetric process + evaluate, {case} instances, {name}',
                            's', mm['eval_s'] if mm else None, res['eval_s'],
                            better='lower', target=TARGET, note=f'numbers {same}'))
            print(f'{case:>9}  {name:<26}{res["eval_s"]:>11.3f}'
                  f'{mm_s or float("nan"):>10.3f}{ratio:>6.2f}x'
                  f'{cpu_ratio:>9.2f}x{TARGET:>7.1f}x  {same}')
            if same == 'DIFFERENT':
                for key, value in res['results'].items():
                    print(f'{"":>13}{key:<14} posecore {value!r}  MMPose '
                          f'{mm["results"].get(key)!r}')
    print('(s: seconds of process + evaluate; building the metric, which '
          'reads the annotation file, is not included)')
    write(args.json, 'coco_metric', f'CocoMetric, top-down, best of {args.rounds}x'
          f'{args.repeat} alternating runs', rows, mmpose_measured=bool(theirs))
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
