"""``posecore export CFG CKPT --out model.onnx``: the argparse options (no heavy
imports, so ``posecore --help`` stays light) and the command."""
from __future__ import annotations

import argparse
import sys


def _batch(value: str) -> object:
    if value == 'dynamic':
        return value
    try:
        number = int(value)
    except ValueError:
        number = 0
    if number < 1:
        raise argparse.ArgumentTypeError(f"{value!r}: use 'dynamic' or a positive number")
    return number


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of ``posecore export``."""
    parser.add_argument('config', help='model config file')
    parser.add_argument('checkpoint', help='checkpoint file (local path or URL)')
    parser.add_argument('--out', required=True, metavar='FILE.onnx',
                        help='the ONNX file to write; its sidecar goes to FILE.onnx.json')
    parser.add_argument('--input-size', type=int, nargs=2, metavar=('W', 'H'),
                        help="crop size instead of the config's (the codec's heatmap size "
                             'scales with it)')
    parser.add_argument('--batch', type=_batch, default='dynamic', metavar='dynamic|N',
                        help='a dynamic batch dimension (default) or a fixed batch size')
    parser.add_argument('--flip-test', action='store_true',
                        help='put the flip test (mirror image, flip back, average) into the graph')
    parser.add_argument('--opset', type=int, default=None, metavar='N',
                        help='ONNX opset (default 18)')
    precision = parser.add_mutually_exclusive_group()
    precision.add_argument('--fp16', action='store_true',
                           help='float16 body (inputs and outputs unchanged)')
    precision.add_argument('--int8', action='store_true',
                           help="int8 body: onnxruntime's static quantization, calibrated on "
                                '--calib-images')
    parser.add_argument('--calib-images', metavar='DIR',
                        help='folder of images to calibrate --int8 on (whole-image crops)')
    parser.add_argument('--image', metavar='IMG',
                        help='the real image the onnxruntime-vs-PyTorch check runs on '
                             "(default: the first --calib-images image, else the first image "
                             "of the config's test data)")
    parser.add_argument('--cfg-options', nargs='+', metavar='KEY=VALUE',
                        help='override config settings')


def run(args: argparse.Namespace) -> int:
    """Run ``posecore export``; returns the exit code."""
    from posecore.cli.options import parse_cfg_options

    from .errors import ExportUsageError
    from .export import export_onnx
    from .tracing_export import DEFAULT_OPSET

    if args.calib_images and not args.int8:
        raise ExportUsageError('--calib-images is for --int8 (calibration); add --int8 or '
                               'leave it out')
    precision = 'int8' if args.int8 else 'fp16' if args.fp16 else 'fp32'

    def log(message: str) -> None:
        print(f'posecore export: {message}', file=sys.stderr)

    result = export_onnx(
        args.config, args.checkpoint, args.out, input_size=args.input_size, batch=args.batch,
        flip_test=args.flip_test, opset=args.opset or DEFAULT_OPSET, precision=precision,
        calib_images=args.calib_images, image=args.image,
        cfg_options=parse_cfg_options(args.cfg_options) or None, log=log)
    print(f'onnxruntime vs PyTorch on {result.crops} crop(s) of {result.check_image}, fp32: '
          + '; '.join(str(d) for d in result.differences))
    if result.final_differences:
        print(f'onnxruntime {result.precision} vs PyTorch fp32: '
              + '; '.join(str(d) for d in result.final_differences))
    size_mb = result.onnx_path.stat().st_size / 1e6
    print(f'posecore export: wrote {result.onnx_path} ({size_mb:.1f} MB, {result.precision}) '
          f'and {result.sidecar_path}')
    return 0
