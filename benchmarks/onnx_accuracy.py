"""COCO AP of a trained top-down model run three ways: PyTorch, onnxruntime
fp32 and onnxruntime int8 (pose-plugin-onnx's ``--int8``), on the config's
test set. What the README's int8 AP figure comes from (the int8 speed-up is
measured beside MMPose in ``hrnet.py``).

    python benchmarks/onnx_accuracy.py CFG CKPT --calib-images DIR \
        [--cfg-options K=V ...] [--flip-test] [--limit N]

Run it where the config's data root is (e.g. ``data/synth_coco`` for the
demo config, from ``posecore coco synth``). Calibration: the images of
``--calib-images`` (e.g. the first 64 training images, copied into a folder).
The same detected boxes, pipeline and ``CocoMetric`` for all three.
"""
from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from machine import describe, one_line  # noqa: E402


def evaluate(model: Any, cfg: Any, limit: int | None) -> tuple[dict, Any]:
    """``CocoMetric`` figures of ``model`` (anything with ``test_step``) on the
    config's test set, and the predicted keypoints ``(people, K, 2)`` (image pixels)."""
    import torch
    from mmengine.dataset import pseudo_collate
    from mmengine.evaluator import Evaluator
    from posecore.registry import DATASETS, METRICS
    from torch.utils.data import DataLoader, Subset

    dataset = DATASETS.build(cfg.test_dataloader.dataset)
    metrics = cfg.test_evaluator if isinstance(cfg.test_evaluator, list) else [cfg.test_evaluator]
    evaluator = Evaluator([METRICS.build(m) for m in metrics])
    evaluator.dataset_meta = dataset.metainfo
    data: Any = dataset if limit is None else Subset(dataset, range(min(limit, len(dataset))))
    loader = DataLoader(data, batch_size=32, collate_fn=pseudo_collate, num_workers=0)
    keypoints = []
    for batch in loader:
        with torch.no_grad():
            outputs = model.test_step(batch)
        keypoints += [o.pred_instances.keypoints[0] for o in outputs]
        evaluator.process(outputs, batch)
    return evaluator.evaluate(len(data)), np.stack(keypoints)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config')
    parser.add_argument('checkpoint')
    parser.add_argument('--calib-images', required=True)
    parser.add_argument('--flip-test', action='store_true',
                        help='export with the flip test (as the config tests)')
    parser.add_argument('--limit', type=int, help='evaluate the first N people only')
    parser.add_argument('--cfg-options', nargs='+', default=[])
    args = parser.parse_args(argv)

    from posecore.cli.options import parse_cfg_options
    from pose_plugin_onnx import OnnxPoseModel, export_onnx
    from pose_plugin_topdown.inference import init_model

    print(one_line(describe()))
    options = parse_cfg_options(args.cfg_options) or {}
    if not args.flip_test:
        options['model.test_cfg.flip_test'] = False  # PyTorch tests what the export holds
    torch_model = init_model(args.config, args.checkpoint, cfg_options=options)
    cfg = torch_model.cfg
    rows = [('PyTorch (posecore eager)', *evaluate(torch_model, cfg, args.limit))]
    with tempfile.TemporaryDirectory() as tmp:
        for precision in ('fp32', 'int8'):
            out = Path(tmp) / f'{precision}.onnx'
            export_onnx(args.config, args.checkpoint, out, flip_test=args.flip_test,
                        precision=precision, cfg_options=options,
                        calib_images=args.calib_images if precision == 'int8' else None,
                        image=sorted(Path(args.calib_images).iterdir())[0])
            rows.append((f'onnxruntime {precision}',
                         *evaluate(OnnxPoseModel(out, config=cfg), cfg, args.limit)))
    print(f'{args.config} + {args.checkpoint}, flip test {"on" if args.flip_test else "off"}')
    print(f'{"variant":28} {"AP":>6} {"AP .5":>6} {"AR":>6}')
    for name, metrics, _ in rows:
        print(f'{name:28} {metrics.get("coco/AP", float("nan")):6.3f} '
              f'{metrics.get("coco/AP .5", float("nan")):6.3f} '
              f'{metrics.get("coco/AR", float("nan")):6.3f}')
    ap = {name: metrics.get('coco/AP') for name, metrics, _ in rows}
    kpts = {name: k for name, _, k in rows}
    for a, b in (('PyTorch (posecore eager)', 'onnxruntime fp32'),
                 ('onnxruntime fp32', 'onnxruntime int8')):
        dist = np.linalg.norm(kpts[a] - kpts[b], axis=-1)
        print(f'{b} vs {a}: keypoints {np.mean(dist):.3f} px apart on average, max '
              f'{np.max(dist):.4f} px, {np.sum(dist < 1e-3)} within 1e-3 px, '
              f'{np.mean(dist < 1):.1%} within 1 px ({dist.size} keypoints)')
    print(f'int8 AP drop vs onnxruntime fp32: {ap["onnxruntime fp32"] - ap["onnxruntime int8"]:.4f}'
          f' (target <= 0.01, issue #11)')


if __name__ == '__main__':
    main()
