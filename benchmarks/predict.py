"""Flip-test ``predict`` of the HRNet-w32 COCO top-down model: posecore vs MMPose 1.3.2.

What is timed: ``model.test_step(data)`` under ``torch.no_grad()`` in eval
mode -- ``PoseDataPreprocessor`` on 8 uint8 BGR crops of 256x192, the
backbone and ``HeatmapHead`` on the images and their mirror images
(``test_cfg=dict(flip_test=True, flip_mode='heatmap', shift_heatmap=True)``),
MSRA decoding and the mapping back to image coordinates, i.e. what a
validation or ``posecore test`` iteration runs. Weights are random (speed does
not depend on them). Beside it, the backbone alone (no flip, no head) of the
same build, whose ratio is the target for the whole predict.

Each variant runs in its own subprocess; MMPose's in the environment that
``../shared/anchor/make-mmpose-venv.sh`` builds (``--anchor-python``, default
``/tmp/anchor-venv/bin/python``); posecore never imports MMPose.

    python benchmarks/predict.py [--batch 8] [--iters 5] [--rounds 1] [--threads N]
                                 [--anchor-python PATH] [--default-only] [--json PATH]

``--rounds R`` runs every variant R times, interleaved, and keeps each one's
best figures (steadier on a shared machine); ``--threads`` sets torch's
threads (default: all cores).
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from hrnet import GMAC_PER_IMAGE, W32_EXTRA  # noqa: E402
from machine import ANCHOR_PYTHON, describe, has_mmpose, one_line  # noqa: E402
from result_rows import row, write  # noqa: E402
from worker_process import (fmt, keep_best, median_seconds, peak_rss_mb,  # noqa: E402
                            run_worker, serve)

COCO_FLIP = [0, 2, 1, 4, 3, 6, 5, 8, 7, 10, 9, 12, 11, 14, 13, 16, 15]
CODEC = {'type': 'MSRAHeatmap', 'input_size': [192, 256], 'heatmap_size': [48, 64],
         'sigma': 2}
MODEL: dict[str, Any] = {
    'type': 'TopdownPoseEstimator',
    'data_preprocessor': {'type': 'PoseDataPreprocessor', 'mean': [123.675, 116.28, 103.53],
                          'std': [58.395, 57.12, 57.375], 'bgr_to_rgb': True},
    'backbone': {'type': 'HRNet', 'in_channels': 3, 'extra': W32_EXTRA},
    'head': {'type': 'HeatmapHead', 'in_channels': 32, 'out_channels': 17,
             'deconv_out_channels': None,
             'loss': {'type': 'KeypointMSELoss', 'use_target_weight': True},
             'decoder': CODEC},
    'test_cfg': {'flip_test': True, 'flip_mode': 'heatmap', 'shift_heatmap': True},
}
#: posecore variants: name -> (HRNet channels_last, flip test as one batch)
VARIANTS: dict[str, tuple[bool, bool]] = {
    'posecore default': (True, True),
    'posecore flip as two batches': (True, False),
    'posecore channels_last=False': (False, True),
}


# --------------------------------------------------------------- worker side
def _build(impl: str, channels_last: bool, one_batch: bool) -> tuple[Any, Any, Any]:
    """The estimator, ``PoseDataSample`` and ``InstanceData`` of ``impl``."""
    from mmengine.structures import InstanceData

    cfg = json.loads(json.dumps(MODEL))
    if impl == 'posecore':
        from posecore.registry import MODELS
        from posecore.structures import PoseDataSample
        cfg['backbone']['channels_last'] = channels_last
        model = MODELS.build(cfg)
        if not one_batch:
            model._batch_independent = lambda: False
    else:  # runs in the anchor environment only
        from mmengine.registry import init_default_scope
        from mmpose.registry import MODELS
        from mmpose.structures import PoseDataSample
        init_default_scope('mmpose')
        model = MODELS.build(cfg)
    return model.eval(), PoseDataSample, InstanceData


def worker(args: argparse.Namespace) -> dict[str, Any]:
    """Time one variant in this process; return its figures."""
    import numpy as np
    import torch

    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    model, sample_type, instance_type = _build(args.impl, args.channels_last, args.one_batch)
    rng = np.random.default_rng(0)

    def batch() -> dict[str, Any]:
        samples = []
        for _ in range(args.batch):
            sample = sample_type(metainfo=dict(
                input_size=(192, 256), flip_indices=COCO_FLIP,
                input_center=rng.uniform(100, 400, 2).astype(np.float32),
                input_scale=rng.uniform(100, 300, 2).astype(np.float32)))
            sample.gt_instances = instance_type(
                bboxes=np.array([[10., 20., 200., 300.]], np.float32),
                bbox_scores=np.ones(1, np.float32))
            samples.append(sample)
        images = [torch.from_numpy(rng.integers(0, 256, (3, 256, 192), dtype=np.uint8))
                  for _ in range(args.batch)]
        return dict(inputs=images, data_samples=samples)

    result: dict[str, Any] = {}
    with torch.no_grad():
        model.test_step(batch())  # warm-up
        result['predict'] = args.batch / median_seconds(lambda: model.test_step(batch()),
                                                        args.iters)
        x = model.data_preprocessor(batch())['inputs']
        model.backbone(x)
        result['backbone'] = args.batch / median_seconds(lambda: model.backbone(x), args.iters)
    result['rss_mb'] = peak_rss_mb()
    return result


# --------------------------------------------------------------- driver side
def _run(python: str, impl: str, channels_last: bool, one_batch: bool,
         args: argparse.Namespace, name: str) -> dict[str, Any]:
    cmd = [python, str(Path(__file__).resolve()), '--worker', '--impl', impl,
           '--batch', str(args.batch), '--iters', str(args.iters),
           '--threads', str(args.threads)]
    if channels_last:
        cmd.append('--channels-last')
    if one_batch:
        cmd.append('--one-batch')
    return run_worker(cmd, name)


def driver(args: argparse.Namespace) -> None:
    """Run MMPose's and posecore's variants and print the table."""
    import torch

    anchor = args.anchor_python
    have_anchor = has_mmpose(anchor)
    print(f'TopdownPoseEstimator HRNet-w32 + HeatmapHead, 256x192, batch {args.batch}, '
          f'flip test (heatmap, shift), test_step under no_grad; torch {torch.__version__}, '
          f'{args.threads} threads, median of {args.iters}, best of {args.rounds} round(s)')
    print(one_line(describe(anchor, torch_capability=True)))
    header = (f'{"variant":32} {"predict img/s":>13} {"x mmpose":>8} '
              f'{"backbone img/s":>14} {"x mmpose":>8} {"peak RSS MB":>11}')
    print(header)
    print('-' * len(header), flush=True)
    base: dict[str, Any] = {}

    def show(name: str, res: dict[str, Any]) -> None:
        if 'error' in res:
            print(f'{name:32} failed: {res["error"]}', flush=True)
            return
        ratio = {k: res[k] / base[k] if base.get(k) else None for k in ('predict', 'backbone')}
        print(f'{name:32} {fmt(res["predict"], "13.2f")} {fmt(ratio["predict"], "8.2f")} '
              f'{fmt(res["backbone"], "14.2f")} {fmt(ratio["backbone"], "8.2f")} '
              f'{fmt(res["rss_mb"], "11.0f")}', flush=True)

    runs: list[tuple[str, str, str, bool, bool]] = []
    if have_anchor:
        runs.append(('mmpose 1.3.2', anchor, 'mmpose', False, False))
    else:
        print(f'(no MMPose environment at {anchor!r}: ratios left out; build it with '
              '../shared/anchor/make-mmpose-venv.sh)')
    runs += [(name, sys.executable, 'posecore', cl, one)
             for name, (cl, one) in VARIANTS.items()
             if name == 'posecore default' or not args.default_only]
    best: dict[str, dict[str, Any]] = {}
    for _ in range(args.rounds):
        for name, python, impl, cl, one in runs:
            keep_best(best, name, _run(python, impl, cl, one, args, name))
    if 'error' not in best.get('mmpose 1.3.2', {'error': ''}):
        base.update(best['mmpose 1.3.2'])
    for name, *_ in runs:
        show(name, best[name])
    print("target: predict ratio >= the backbone's ratio (benchmarks/hrnet.py: ~1.3x)")
    theirs = best.get('mmpose 1.3.2', {})
    theirs = {} if 'error' in theirs else theirs
    ours = best.get('posecore default', {})
    ours = {} if 'error' in ours else ours
    # flip test: two forwards per image
    flops = (lambda rate: f'{rate * 4 * GMAC_PER_IMAGE:.1f} GFLOP/s' if rate else '-')
    backbone = (ours['backbone'] / theirs['backbone']
                if ours.get('backbone') and theirs.get('backbone') else None)
    rows = [row(f'flip-test predict (test_step), HRNet-w32, batch {args.batch}', 'img/s',
                theirs.get('predict'), ours.get('predict'), target=backbone,
                note=f'target: the backbone ratio; MMPose {flops(theirs.get("predict"))}, '
                     f'posecore {flops(ours.get("predict"))} (2 forwards per image)'),
            row(f'backbone alone, batch {args.batch}', 'img/s', theirs.get('backbone'),
                ours.get('backbone')),
            row('predict peak RSS (process)', 'MB', theirs.get('rss_mb'),
                ours.get('rss_mb'), better='lower', target=1.0)]
    write(args.json, 'predict', 'flip-test predict of the HRNet-w32 COCO top-down '
          f'model, best of {args.rounds} interleaved round(s)', rows,
          mmpose_measured=bool(theirs))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--batch', type=int, default=8)
    parser.add_argument('--iters', type=int, default=5)
    parser.add_argument('--rounds', type=int, default=1)
    parser.add_argument('--threads', type=int, default=os.cpu_count() or 1)
    parser.add_argument('--anchor-python', default=ANCHOR_PYTHON)
    parser.add_argument('--default-only', action='store_true',
                        help="posecore's default variant only")
    parser.add_argument('--json', type=Path, help='write the figures here')
    parser.add_argument('--worker', action='store_true', help=argparse.SUPPRESS)
    parser.add_argument('--impl', choices=('posecore', 'mmpose'), help=argparse.SUPPRESS)
    parser.add_argument('--channels-last', action='store_true', help=argparse.SUPPRESS)
    parser.add_argument('--one-batch', action='store_true', help=argparse.SUPPRESS)
    serve(parser.parse_args(argv), worker, driver)


if __name__ == '__main__':
    main()
