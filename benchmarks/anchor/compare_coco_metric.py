"""Compare posecore's ``CocoMetric`` with MMPose 1.3.2's on random
predictions, in every score and NMS mode: all result numbers must be equal.

    python benchmarks/anchor/compare_coco_metric.py [--seed S] [--quick]
        [--mmpose-python /tmp/anchor-venv/bin/python]

Both implementations run in their own environment as subprocesses
(``coco_metric_runner.py``) on the same pickled data samples: predictions on
the real COCO annotations of ``tests/data/mmpose-testdata/coco/test_coco.json``
and on synthetic ground truth (``coco_metric_cases.py``): top-down with and
without boxes and box scales, float32 / float64 / int values, repeated
samples, coarse scores (ties), bottom-up, ``ann_file=None``, converters,
``use_area=False``, ``keypoints_crowd``. Exit status 1 on any difference.
"""
from __future__ import annotations

import argparse
import json
import pickle
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path[:0] = [str(HERE), str(HERE.parent)]
import coco_metric_cases as cases  # noqa: E402
from machine import ANCHOR_PYTHON  # noqa: E402

TEST_COCO = ROOT / 'tests/data/mmpose-testdata/coco/test_coco.json'
MODES = [dict(score_mode=s, nms_mode=n)
         for s in ('bbox', 'bbox_keypoint', 'bbox_rle', 'keypoint')
         for n in ('oks_nms', 'soft_oks_nms', 'none')]


def metrics(modes: list, **extra: Any) -> list:
    return [dict(name=' '.join(f'{v}' for v in {**m, **extra}.values()),
                 kwargs={**m, **extra}) for m in modes]


def coarse(samples: list, step: float) -> list:
    """Scores rounded to ``step``: many ties for the sorts to break."""
    for s in samples:
        for where, key in (('pred_instances', 'keypoint_scores'),
                           ('gt_instances', 'bbox_scores')):
            if key in s[where]:
                v = s[where][key]
                s[where][key] = (np.round(v / step) * step).astype(v.dtype)
    return samples


def build_spec(workdir: Path, seed: int, quick: bool) -> dict:
    rng = np.random.default_rng(seed)
    real = json.loads(TEST_COCO.read_text())
    real_path = str(TEST_COCO)
    synth = cases.ground_truth(15 if quick else 60, rng, per_image=(0, 8))
    synth_path = workdir / 'synth.json'
    synth_path.write_text(json.dumps(synth))
    crowd = json.loads(json.dumps(synth))
    for img in crowd['images']:
        img['crowdIndex'] = float(rng.uniform(0, 1))
    crowd_path = workdir / 'crowd.json'
    crowd_path.write_text(json.dumps(crowd))
    n = 150 if quick else 600
    modes = MODES[::2] if quick else MODES
    spec_cases = [
        dict(name='real float32 boxes', ann_file=real_path,
             samples=cases.topdown_samples(real, 60, rng),
             metrics=metrics(modes) + metrics(
                 [dict(score_mode='bbox_keypoint', nms_mode='oks_nms')],
                 keypoint_score_thr=0.5, nms_thr=0.5) + metrics(
                 [dict(score_mode='bbox_keypoint', nms_mode='soft_oks_nms')],
                 nms_thr=0.3)),
        dict(name='real no ann_file', ann_file=None,
             samples=cases.topdown_samples(real, 60, rng),
             metrics=metrics(modes[:3])),
        dict(name='synth float32 boxes+scales', ann_file=str(synth_path),
             samples=cases.topdown_samples(synth, n, rng, duplicates=7),
             metrics=metrics(modes)),
        dict(name='synth float64 no boxes', ann_file=str(synth_path),
             samples=cases.topdown_samples(synth, n, rng, dtype=np.float64,
                                           with_bboxes=False),
             metrics=metrics(modes)),
        dict(name='synth no scales (extent areas)', ann_file=str(synth_path),
             samples=cases.topdown_samples(synth, n, rng, with_scales=False),
             metrics=metrics(modes)),
        dict(name='synth coarse scores (ties)', ann_file=str(synth_path),
             samples=coarse(cases.topdown_samples(synth, n, rng), 0.25),
             metrics=metrics(modes)),
        dict(name='synth use_area=False', ann_file=str(synth_path),
             samples=cases.topdown_samples(synth, n // 2, rng),
             metrics=metrics(modes[:3], use_area=False)),
        dict(name='synth no ann_file', ann_file=None,
             samples=[s for s in cases.topdown_samples(synth, n // 2, rng)
                      if s['raw_ann_info'] is not None],
             metrics=metrics(modes[:3])),
        dict(name='synth bottom-up', ann_file=str(synth_path),
             samples=cases.bottomup_samples(synth, rng),
             metrics=metrics([dict(score_mode='bbox', nms_mode='none'),
                              dict(score_mode='bbox_keypoint',
                                   nms_mode='oks_nms'),
                              dict(score_mode='keypoint',
                                   nms_mode='soft_oks_nms')])),
        dict(name='synth bottom-up no ann_file', ann_file=None,
             samples=cases.bottomup_samples(synth, rng),
             metrics=metrics([dict(score_mode='bbox', nms_mode='none'),
                              dict(score_mode='bbox_rle',
                                   nms_mode='soft_oks_nms')])),
        dict(name='synth crowd', ann_file=str(crowd_path),
             samples=cases.topdown_samples(crowd, n // 2, rng),
             metrics=metrics(modes[:3], use_area=False,
                             iou_type='keypoints_crowd', prefix='crowdpose')),
        dict(name='synth converters', ann_file=str(synth_path),
             samples=cases.topdown_samples(synth, n // 2, rng),
             metrics=metrics(modes[3:6], pred_converter=dict(
                 type='KeypointConverter', num_keypoints=17,
                 mapping=[(i, (i * 5) % 17) for i in range(17)]),
                 gt_converter=dict(type='KeypointConverter', num_keypoints=17,
                                   mapping=[(i, (i * 5) % 17)
                                            for i in range(17)]))),
    ]
    # ground truth as predictions, int keypoints: exact 1.0 everywhere
    gt_as_pred = []
    for ann in real['annotations']:
        w, h = ann['bbox'][2], ann['bbox'][3]
        kp = np.array(ann['keypoints']).reshape(1, -1, 3)
        gt_as_pred.append(dict(
            id=ann['id'], img_id=ann['image_id'], category_id=1,
            ori_shape=(480, 640), raw_ann_info=ann,
            pred_instances=dict(keypoints=kp[..., :2],
                                keypoint_scores=kp[..., 2]),
            gt_instances=dict(bbox_scales=np.array([[w, h]]) * 1.25,
                              bbox_scores=np.ones(1, np.float32))))
    spec_cases.append(dict(name='real gt as predictions (int)',
                           ann_file=real_path, samples=gt_as_pred,
                           metrics=metrics(MODES)))
    return dict(dataset_meta=cases.dataset_meta(), batch_size=16, repeat=1,
                cases=spec_cases)


def run(python: str, impl: str, spec_path: Path) -> dict:
    proc = subprocess.run(
        [python, str(HERE / 'coco_metric_runner.py'), impl, str(spec_path)],
        capture_output=True, text=True, timeout=1800)
    if proc.returncode != 0:
        raise SystemExit(f'{impl} run failed:\n{proc.stderr[-3000:]}')
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--quick', action='store_true')
    parser.add_argument('--mmpose-python', type=Path, default=ANCHOR_PYTHON)
    args = parser.parse_args()
    if not args.mmpose_python.exists():
        print(f'MMPose environment not found ({args.mmpose_python}): build '
              'it with ../shared/anchor/make-mmpose-venv.sh')
        return 2
    with tempfile.TemporaryDirectory() as tmp:
        spec_path = Path(tmp) / 'spec.pkl'
        spec = build_spec(Path(tmp), args.seed, args.quick)
        with open(spec_path, 'wb') as f:
            pickle.dump(spec, f)
        ours = run(sys.executable, 'posecore', spec_path)
        theirs = run(str(args.mmpose_python), 'mmpose', spec_path)
    bad = 0
    total = 0
    for case, by_metric in theirs.items():
        for name, res in by_metric.items():
            total += 1
            mine = ours[case][name]['results']
            same = mine == res['results']
            bad += not same
            flag = 'ok  ' if same else 'DIFF'
            print(f'{flag} {case:<34} {name}')
            if not same:
                for key in sorted(set(mine) | set(res['results'])):
                    a, b = mine.get(key), res['results'].get(key)
                    if a != b:
                        print(f'       {key:<14} posecore {a!r:<24} '
                              f'mmpose {b!r}')
    print(f'{total - bad}/{total} metric runs identical (seed {args.seed})')
    return 1 if bad else 0


if __name__ == '__main__':
    sys.exit(main())
