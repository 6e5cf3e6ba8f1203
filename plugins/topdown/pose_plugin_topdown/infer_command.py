"""``posecore infer CFG CKPT IMAGE_OR_DIR...``: top-down inference on image files.

For each image: its boxes from ``--bboxes`` (a COCO-style detection file,
see :mod:`pose_plugin_topdown.detections`) or the whole image; the crops of
all images go through the model ``--batch-size`` at a time. Written under
``--out-dir`` (MMPose's inferencer layout):

- ``predictions/<stem>.json``: one entry per person, ``keypoints`` (K x [x, y]
  in image pixels), ``keypoint_scores``, ``bbox`` ([[x1, y1, x2, y2]]) and
  ``bbox_score``;
- ``visualizations/<stem>.png``: the image with the keypoints drawn
  (keypoints scored below ``--kpt-thr`` left out; boxes when ``--bboxes``).

A path that is not an image (or cannot be read) is named in a warning and
skipped; the exit code is 1 when no image could be processed.

``--onnx FILE.onnx`` (``--backend onnxruntime``) runs a ``posecore export``
file instead of the checkpoint (``posecore infer CFG IMAGE_OR_DIR... --onnx
FILE``), through the ``posecore.inference_backends`` entry point that
pose-plugin-onnx provides (:mod:`pose_plugin_topdown.inference_backends`).
"""
from __future__ import annotations

import argparse
import json
import os
import os.path as osp
import sys
import warnings
from dataclasses import dataclass, field
from typing import Any, Iterator

#: extensions taken from a folder (a file named on the command line is tried whatever its name)
IMAGE_EXTENSIONS = ('.jpg', '.jpeg', '.png', '.bmp', '.tif', '.tiff', '.webp', '.ppm',
                    '.pgm', '.pbm', '.jp2')
DEFAULT_OUT_DIR = osp.join('work_dirs', 'infer')


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of ``posecore infer`` (no heavy imports: ``--help`` is light)."""
    parser.add_argument('config', help='model config file')
    parser.add_argument('checkpoint', help='checkpoint file (local path or URL); left out '
                                           'with --onnx (the weights are in the file)')
    parser.add_argument('inputs', nargs='*', metavar='IMAGE_OR_DIR',
                        help='image files, or folders whose images are all used')
    parser.add_argument('--bboxes', metavar='FILE',
                        help='COCO-style detection JSON ([{"image_id", "bbox": [x, y, w, h], '
                             '"score"}] or a COCO dict with images and annotations); boxes '
                             'match images by file name or image id = file stem. Default: '
                             'the whole image is one box')
    parser.add_argument('--bbox-thr', type=float, default=0.0, metavar='T',
                        help='use only boxes scored at least T (default 0: all)')
    parser.add_argument('--out-dir', default=DEFAULT_OUT_DIR, metavar='DIR',
                        help=f'where predictions/ and visualizations/ go (default '
                             f'{DEFAULT_OUT_DIR})')
    parser.add_argument('--batch-size', type=int, default=16, metavar='N',
                        help='person crops per forward pass (default 16)')
    parser.add_argument('--kpt-thr', type=float, default=0.3, metavar='T',
                        help='draw keypoints scored at least T (default 0.3)')
    parser.add_argument('--device', default='cpu', help="e.g. 'cpu' (default) or 'cuda:0'")
    parser.add_argument('--no-draw', action='store_true', help='write predictions only')
    parser.add_argument('--cfg-options', nargs='+', metavar='KEY=VALUE',
                        help='override config settings, e.g. model.test_cfg.flip_test=False')
    parser.add_argument('--backend', default='pytorch', metavar='NAME',
                        help="'pytorch' (default) or 'onnxruntime' (with --onnx; "
                             'pose-plugin-onnx)')
    parser.add_argument('--onnx', metavar='FILE.onnx',
                        help='run this `posecore export` file (implies --backend onnxruntime): '
                             'posecore infer CFG IMAGE_OR_DIR... --onnx FILE.onnx')


def _warn(message: str, progress: Any = None) -> None:
    if progress is not None and progress.completed < progress.task_num:
        sys.stderr.write('\n')  # off the progress bar's line
    warnings.warn(f'posecore: warning: {message}', stacklevel=2)


def iter_images(inputs: list[str]) -> Iterator[str]:
    """Files named on the command line, and the image files of named folders
    (sorted, not recursive); a path that does not exist is warned about."""
    for item in inputs:
        if osp.isdir(item):
            names = sorted(os.listdir(item))
            found = [osp.join(item, n) for n in names
                     if n.lower().endswith(IMAGE_EXTENSIONS) and osp.isfile(osp.join(item, n))]
            if not found:
                _warn(f'skipping folder {item}: no image files ({", ".join(IMAGE_EXTENSIONS)})')
            yield from found
        elif osp.isfile(item) or '://' in item:
            yield item
        else:
            _warn(f'skipping {item}: no such file or folder')


@dataclass
class _Image:
    """One input image on its way through the batches."""

    path: str
    stem: str
    image: Any
    expected: int
    outputs: list = field(default_factory=list)


class _Writer:
    """Writes the JSON and the drawing of each finished image."""

    def __init__(self, model: Any, args: argparse.Namespace, draw_bbox: bool) -> None:
        self.pred_dir = osp.join(args.out_dir, 'predictions')
        self.vis_dir = None if args.no_draw else osp.join(args.out_dir, 'visualizations')
        os.makedirs(self.pred_dir, exist_ok=True)
        self.kpt_thr = args.kpt_thr
        self.draw_bbox = draw_bbox
        self.visualizer = None if args.no_draw else self._visualizer(model)
        self.people = 0

    @staticmethod
    def _visualizer(model: Any) -> Any:
        from posecore.registry import VISUALIZERS

        from .output_keypoints import output_dataset_meta

        vis_cfg = dict(model.cfg.get('visualizer') or {})
        if not vis_cfg.get('type'):
            vis_cfg['type'] = 'PoseLocalVisualizer'
        vis_cfg.pop('vis_backends', None)  # drawings go to files, not to the run's backends
        vis_cfg.pop('save_dir', None)
        vis_cfg['name'] = f'posecore-infer-{os.getpid()}-{id(model)}'
        visualizer = VISUALIZERS.build(vis_cfg)
        # the predictions hold only the output keypoints, when the model names them
        visualizer.set_dataset_meta(output_dataset_meta(
            model.dataset_meta, (model.cfg.model.get('test_cfg') or {}).get(
                'output_keypoint_indices')))
        return visualizer

    def write(self, item: _Image) -> None:
        from .merge_samples import merge_data_samples, split_instances

        merged = merge_data_samples(item.outputs) if item.outputs else None
        instances = merged.pred_instances if merged is not None else None
        records = split_instances(instances)
        self.people += len(records)
        with open(osp.join(self.pred_dir, f'{item.stem}.json'), 'w') as f:
            json.dump(records, f, indent=2)
        if self.visualizer is not None:
            import cv2
            from posecore.structures import PoseDataSample

            image = item.image
            if image.ndim == 2:
                rgb = cv2.cvtColor(image.astype('uint8'), cv2.COLOR_GRAY2RGB)
            else:
                rgb = cv2.cvtColor(image[..., :3].astype('uint8'), cv2.COLOR_BGR2RGB)
            self.visualizer.add_datasample(
                item.stem, rgb, merged if merged is not None else PoseDataSample(),
                draw_gt=False, draw_bbox=self.draw_bbox, kpt_thr=self.kpt_thr,
                out_file=osp.join(self.vis_dir, f'{item.stem}.png'))


def _unique_stem(path: str, used: set[str]) -> str:
    stem = osp.splitext(osp.basename(path.rstrip('/')))[0] or 'image'
    candidate, n = stem, 1
    while candidate in used:  # a.jpg and a.png, or dir1/a.jpg and dir2/a.jpg
        candidate, n = f'{stem}_{n}', n + 1
    used.add(candidate)
    return candidate


def _backend_args(args: argparse.Namespace) -> str | None:
    """Check ``--backend``/``--onnx``; with a model file, the positional after
    CFG is the first image (there is no checkpoint). Returns the model file."""
    from posecore.errors import UsageError

    if args.onnx and args.backend == 'pytorch':
        args.backend = 'onnxruntime'
    if args.backend == 'pytorch':
        if not args.inputs:
            raise UsageError('give at least one IMAGE_OR_DIR after CONFIG CHECKPOINT')
        return None
    if not args.onnx:
        raise UsageError(f'--backend {args.backend} needs --onnx FILE.onnx (made by '
                         f'`posecore export`)')
    if args.checkpoint.lower().endswith(('.pth', '.pt', '.ckpt', '.safetensors')):
        raise UsageError(f'with --onnx the weights come from {args.onnx}: leave out the '
                         f'checkpoint {args.checkpoint} (posecore infer CFG IMAGE_OR_DIR... '
                         f'--onnx FILE.onnx)')
    args.inputs = [args.checkpoint, *args.inputs]
    args.checkpoint = None
    return args.onnx


def run(args: argparse.Namespace) -> int:
    """Run ``posecore infer``; returns the exit code."""
    from posecore.cli.options import parse_cfg_options
    from posecore.errors import UsageError

    if args.batch_size < 1:
        raise UsageError(f'--batch-size must be at least 1, got {args.batch_size}')
    model_file = _backend_args(args)
    cfg_options = parse_cfg_options(args.cfg_options) or None
    detections = None
    if args.bboxes:
        from .detections import DetectionFileError, Detections

        try:
            detections = Detections(args.bboxes)
        except DetectionFileError as exc:
            raise UsageError(f'--bboxes: {exc}') from None
    paths = list(iter_images(args.inputs))
    if not paths:
        print('posecore infer: no image to process', file=sys.stderr)
        return 1

    from mmengine.utils import ProgressBar

    from .inference import (build_test_pipeline, init_model, load_image, pack_instances,
                            predict_packed)

    if model_file is None:
        model = init_model(args.config, args.checkpoint, device=args.device,
                           cfg_options=cfg_options)
    else:
        from .inference_backends import load_backend_model

        model = load_backend_model(args.backend, model_file, args.config, cfg_options)
    pipeline = build_test_pipeline(model.cfg)
    writer = _Writer(model, args, draw_bbox=detections is not None)
    progress = ProgressBar(len(paths), file=sys.stderr) if len(paths) > 1 else None
    pending: list[tuple[_Image, dict]] = []
    used: set[str] = set()
    done = failed = 0

    def finish(item: _Image) -> None:
        nonlocal done
        writer.write(item)
        done += 1
        if progress is not None:
            progress.update()

    def flush(count: int) -> None:
        batch, pending[:] = pending[:count], pending[count:]
        outputs = predict_packed(model, [packed for _, packed in batch])
        for (item, _), output in zip(batch, outputs):
            item.outputs.append(output)
            if len(item.outputs) == item.expected:
                finish(item)

    for path in paths:
        try:
            image = load_image(pipeline, path)
            boxes = scores = None
            if detections is not None:
                found = detections.lookup(path)
                if found is None:
                    _warn(f'{args.bboxes} has no box for {path}; using the whole image',
                          progress)
                else:
                    boxes, scores = found
                    keep = scores >= args.bbox_thr
                    boxes, scores = boxes[keep], scores[keep]
            if boxes is not None and len(boxes) == 0:
                packed = []  # the detector found nobody (above --bbox-thr) here
            else:
                packed = pack_instances(model, pipeline, image, path, boxes, scores)
        except Exception as exc:  # one bad file must not stop the others
            reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            _warn(f'skipping {path}: not an image or not readable ({reason})', progress)
            failed += 1
            if progress is not None:
                progress.update()
            continue
        item = _Image(path, _unique_stem(path, used), image, expected=len(packed))
        if not packed:
            finish(item)
        pending.extend((item, p) for p in packed)
        while len(pending) >= args.batch_size:
            flush(args.batch_size)
    if pending:
        flush(len(pending))
    if progress is not None:
        sys.stderr.write('\n')
    print(f'posecore infer: {done} image(s), {writer.people} person(s) -> '
          f'{osp.abspath(args.out_dir)}' + (f'; {failed} skipped' if failed else ''))
    return 0 if done else 1
