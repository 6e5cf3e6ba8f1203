"""pluggy hooks of pose-plugin-topdown (import-light: no torch at import).

- ``posecore infer CFG CKPT IMAGE_OR_DIR...``: top-down inference on images
  (:mod:`pose_plugin_topdown.infer_command`).
- ``posecore curves WORK_DIR``: the loss and metric curves of a run as a PNG
  (:mod:`pose_plugin_topdown.curves`).
- before ``posecore train``/``test``: one ``input_size`` for the crop, the targets and
  the decoder (:mod:`pose_plugin_topdown.config_checks`).

``posecore --help`` loads this module and runs ``posecore_add_commands``;
torch and mmengine are imported only when ``infer`` runs.
"""
from __future__ import annotations

import argparse

from posecore.hookspecs import hookimpl


def _infer(args: argparse.Namespace) -> int:
    from pose_plugin_topdown.infer_command import run

    return run(args)


def _curves(args: argparse.Namespace) -> int:
    from pose_plugin_topdown.curves import run

    return run(args)


@hookimpl
def posecore_configure(cfg) -> None:
    """Refuse a config whose crop, target and decoder sizes differ, or whose flip test
    shift is out of range."""
    from pose_plugin_topdown.config_checks import check_flip_shift, check_input_sizes

    check_input_sizes(cfg)
    check_flip_shift(cfg)


@hookimpl
def posecore_add_commands(subparsers: argparse._SubParsersAction) -> None:
    """Add ``posecore infer`` and ``posecore curves``."""
    from pose_plugin_topdown.infer_command import add_arguments  # argparse only

    parser = subparsers.add_parser(
        'infer', help='top-down keypoints of people in images: JSON and drawings '
                      '(pose-plugin-topdown)',
        description='Predict keypoints with a top-down model: boxes from a COCO-style '
                    'detection file, or the whole image; writes <out-dir>/predictions/'
                    '<stem>.json and <out-dir>/visualizations/<stem>.png.')
    add_arguments(parser)
    parser.set_defaults(func=_infer)

    curves = subparsers.add_parser(
        'curves', help='draw the loss and metric curves of a training run into a PNG '
                       '(pose-plugin-topdown)')
    curves.add_argument('work_dir', help='work dir of a training run')
    curves.add_argument('--keys', nargs='+', default=['loss', 'coco/AP'],
                        help='logged keys to draw, one panel each (default: loss coco/AP)')
    curves.add_argument('--out', default=None,
                        help='PNG to write (default: WORK_DIR/curves.png)')
    curves.set_defaults(func=_curves)
