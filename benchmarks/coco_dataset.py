"""Loading a large COCO keypoint annotation file: posecore's ``CocoDataset`` beside MMPose 1.3.2's.

Generates a COCO-format file of ``--instances`` person instances (17
keypoints, polygon segmentations, about 2.5 instances per image; COCO
train2017 has 2.3), then builds the dataset from it in a fresh subprocess
per side and mode (top-down and bottom-up; ``serialize_data=True``, the default) and
prints the construction time and the memory: peak RSS of the process and
its growth during construction. MMPose runs in its own venv (posecore never
imports MMPose); it is measured before and after posecore and keeps its
better time, so load that comes and goes on a shared machine favours it.

    python benchmarks/coco_dataset.py [--instances 100000] [--mmpose-python PATH] [--json PATH]
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
from machine import ANCHOR_PYTHON, describe, one_line
from result_rows import row, write

REPO = Path(__file__).resolve().parents[1]
METAINFO = REPO / 'configs' / '_base_' / 'datasets' / 'coco.py'

# run in a fresh process per measurement; argv: side ('posecore'|'mmpose'), ann_file,
# data_mode, metainfo file. Prints a JSON line with seconds, samples and memory (KiB).
CHILD = r"""
import json, sys, time, warnings
warnings.simplefilter('ignore')
side, ann_file, data_mode, metainfo = sys.argv[1:5]

def status(key):
    with open('/proc/self/status') as f:
        return next(int(l.split()[1]) for l in f if l.startswith(key + ':'))

if side == 'mmpose':
    from mmpose.datasets import CocoDataset
    build = lambda **kw: CocoDataset(**kw)
else:
    from posecore.registry import DATASETS
    DATASETS.get('CocoDataset')  # import the plugin before measuring
    build = lambda **kw: DATASETS.build(dict(type='CocoDataset', **kw))
import io, contextlib
before = status('VmRSS')
start = time.perf_counter()
with contextlib.redirect_stdout(io.StringIO()):  # xtcocotools prints progress
    ds = build(ann_file=ann_file, data_mode=data_mode, metainfo=dict(from_file=metainfo))
seconds = time.perf_counter() - start
print(json.dumps(dict(seconds=seconds, samples=len(ds), rss_before=before,
                      peak=status('VmHWM'), after=status('VmRSS'))))
"""


def polygon(rng: np.random.Generator, box: np.ndarray, points: int) -> list[float]:
    """A closed polygon of ``points`` vertices inside ``box`` (xywh), 2 decimals."""
    angle = np.sort(rng.uniform(0, 2 * np.pi, points))
    radius = rng.uniform(0.35, 0.5, points)
    cx, cy = box[0] + box[2] / 2, box[1] + box[3] / 2
    xy = np.stack([cx + np.cos(angle) * radius * box[2],
                   cy + np.sin(angle) * radius * box[3]], axis=1)
    return np.round(xy, 2).ravel().tolist()


def make_annotations(path: Path, instances: int, seed: int = 0) -> None:
    """A COCO person-keypoints file with ``instances`` annotations (deterministic)."""
    rng = np.random.default_rng(seed)
    per_image = rng.integers(1, 5, size=instances)  # mean 2.5 per image
    image_of = np.repeat(np.arange(instances), per_image)[:instances]
    n_images = int(image_of[-1]) + 1
    sizes = rng.choice([(640, 480), (640, 427), (500, 375), (480, 640), (427, 640)], n_images)
    images = [dict(license=1, file_name=f'{i + 1:012d}.jpg', coco_url='', height=int(h),
                   width=int(w), date_captured='2013-11-14 17:02:52', flickr_url='', id=i + 1)
              for i, (w, h) in enumerate(sizes.tolist())]
    wh = sizes[image_of]
    box_wh = wh * rng.uniform(0.05, 0.6, (instances, 2))
    box_xy = (wh - box_wh) * rng.random((instances, 2))
    boxes = np.round(np.concatenate([box_xy, box_wh], axis=1), 2)
    # keypoints inside the box, about 15% unlabelled, as COCO (ints, v in {0, 1, 2})
    kxy = box_xy[:, None] + box_wh[:, None] * rng.random((instances, 17, 2))
    vis = rng.choice([0, 1, 2], p=[0.15, 0.1, 0.75], size=(instances, 17))
    kpts = np.concatenate([np.round(kxy) * (vis[..., None] > 0), vis[..., None]], axis=2)
    kpts = kpts.astype(np.int64).reshape(instances, 51)
    crowd = rng.random(instances) < 0.01
    points = rng.integers(12, 40, size=instances)
    anns = [dict(segmentation=[polygon(rng, boxes[i], int(points[i]))],
                 num_keypoints=int((vis[i] > 0).sum()),
                 area=float(np.round(boxes[i, 2] * boxes[i, 3] * 0.6, 4)),
                 iscrowd=int(crowd[i]), keypoints=kpts[i].tolist(), image_id=int(image_of[i]) + 1,
                 bbox=boxes[i].tolist(), category_id=1, id=i + 1)
            for i in range(instances)]
    names = ['nose', 'left_eye', 'right_eye', 'left_ear', 'right_ear', 'left_shoulder',
             'right_shoulder', 'left_elbow', 'right_elbow', 'left_wrist', 'right_wrist',
             'left_hip', 'right_hip', 'left_knee', 'right_knee', 'left_ankle', 'right_ankle']
    data = dict(info=dict(description='synthetic benchmark file'), licenses=[],
                images=images, annotations=anns,
                categories=[dict(supercategory='person', id=1, name='person', keypoints=names,
                                 skeleton=[])])
    with open(path, 'w') as f:
        json.dump(data, f, separators=(',', ':'))


def measure(python: str, side: str, ann_file: Path, mode: str) -> dict | None:
    env = dict(os.environ, OMP_NUM_THREADS='1')
    proc = subprocess.run([python, '-c', CHILD, side, str(ann_file), mode, str(METAINFO)],
                          capture_output=True, text=True, timeout=1800, env=env, cwd=REPO)
    if proc.returncode != 0:
        print(f'{side} {mode} failed:\n{proc.stderr[-3000:]}', file=sys.stderr)
        return None
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    result['growth'] = result['peak'] - result['rss_before']
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--instances', type=int, default=100_000)
    parser.add_argument('--modes', nargs='+', default=['topdown', 'bottomup'])
    parser.add_argument('--mmpose-python', type=Path, default=ANCHOR_PYTHON,
                        help='python of a venv with MMPose 1.3.2')
    parser.add_argument('--keep', type=Path, help='write the generated file here')
    parser.add_argument('--json', type=Path, help='write the figures here')
    args = parser.parse_args()
    rows = []
    print(one_line(describe(str(args.mmpose_python))))
    with tempfile.TemporaryDirectory() as tmp:
        ann_file = args.keep or Path(tmp) / 'person_keypoints_bench.json'
        make_annotations(ann_file, args.instances)
        print(f'{args.instances:,} instances, {ann_file.stat().st_size / 2**20:.0f} MiB of JSON')
        have_mmpose = args.mmpose_python.exists()
        head = (f'{"mode":<10}{"side":<10}{"samples":>9}{"seconds":>9}{"peak RSS":>11}'
                f'{"growth":>10}')
        print(head + '\n' + '-' * len(head))
        for mode in args.modes:
            results = {}
            if have_mmpose:
                results['MMPose'] = measure(str(args.mmpose_python), 'mmpose', ann_file, mode)
            results['posecore'] = measure(sys.executable, 'posecore', ann_file, mode)
            if have_mmpose:
                again = measure(str(args.mmpose_python), 'mmpose', ann_file, mode)
                if results['MMPose'] and again:
                    results['MMPose']['seconds'] = min(results['MMPose']['seconds'],
                                                       again['seconds'])
            for side, r in results.items():
                if r is None:
                    print(f'{mode:<10}{side:<10}{"failed":>9}')
                    continue
                print(f'{mode:<10}{side:<10}{r["samples"]:>9,}{r["seconds"]:>9.2f}'
                      f'{r["peak"] / 2**20:>8.2f} GiB{r["growth"] / 2**20:>6.2f} GiB')
            mm, ours = results.get('MMPose'), results['posecore']
            for key, label, unit, scale in (('seconds', 'build time', 's', 1),
                                            ('peak', 'peak RSS', 'GiB', 2**-20),
                                            ('growth', 'RSS growth', 'GiB', 2**-20)):
                rows.append(row(f'CocoDataset {mode}, {args.instances:,} instances, {label}',
                                unit, mm[key] * scale if mm else None,
                                ours[key] * scale if ours else None, better='lower'))
            if mm and ours:
                print(f'{"":<10}{"ratio":<10}{"":>9}{mm["seconds"] / ours["seconds"]:>8.1f}x'
                      f'{mm["peak"] / ours["peak"]:>10.2f}x{mm["growth"] / ours["growth"]:>9.2f}x')
        if not have_mmpose:
            print(f'(MMPose not measured: {args.mmpose_python} not found)')
        print('ratio: MMPose / posecore (higher is better for posecore); growth: peak RSS '
              'minus RSS after imports')
    write(args.json, 'coco_dataset', 'building CocoDataset from a large annotation file '
          '(fresh process per side and mode; MMPose before and after posecore)', rows,
          mmpose_measured=any(r['mmpose'] is not None for r in rows))


if __name__ == '__main__':
    main()
