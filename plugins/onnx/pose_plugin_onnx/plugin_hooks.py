"""pluggy hooks of pose-plugin-onnx (import-light: no torch, onnx or
onnxruntime at import): ``posecore export CFG CKPT --out model.onnx``, and a
``posecore plugins check`` line on onnx, onnxscript and onnxruntime."""
from __future__ import annotations

import argparse

from posecore.hookspecs import hookimpl


def _export(args: argparse.Namespace) -> int:
    from pose_plugin_onnx.export_command import run

    return run(args)


@hookimpl
def posecore_add_commands(subparsers: argparse._SubParsersAction) -> None:
    """Add ``posecore export``."""
    from pose_plugin_onnx.export_command import add_arguments  # argparse only

    parser = subparsers.add_parser(
        'export', help='export a top-down model to ONNX, checked against PyTorch with '
                       'onnxruntime (pose-plugin-onnx)',
        description='Export the top-down model of a config and checkpoint to ONNX: '
                    'preprocessing (and with --flip-test the flip test) in the graph, '
                    'heatmaps and, for MSRA heatmaps, decoded keypoints as outputs. The file '
                    'is checked with onnx.checker and run once in onnxruntime against PyTorch '
                    'on a real image (more than 1e-4 relative difference fails and writes '
                    'nothing). A JSON sidecar FILE.onnx.json makes it usable without the '
                    'config: posecore infer CFG IMAGES --onnx FILE.onnx, or '
                    'pose_plugin_onnx.OnnxPoseModel.')
    add_arguments(parser)
    parser.set_defaults(func=_export)


@hookimpl
def posecore_check() -> list:
    """Whether onnx, onnxscript (torch's exporter) and onnxruntime import, and
    whether this CPU has the int8 instructions ``--int8`` pays off with."""
    from posecore.checks import CheckResult

    try:
        import onnx
        import onnxruntime
        import onnxscript  # noqa: F401  (torch.onnx.export needs it)
    except Exception as exc:  # report, never crash the whole check command
        return [CheckResult(False, 'pose-plugin-onnx: onnx/onnxruntime',
                            f'{type(exc).__name__}: {exc}; pip install pose-plugin-onnx '
                            f'again to get its dependencies')]
    from pathlib import Path

    try:
        flags = Path('/proc/cpuinfo').read_text().split()
    except OSError:
        flags = []
    vnni = ', '.join(f for f in ('avx512_vnni', 'avx_vnni', 'amx_int8') if f in flags)
    return [CheckResult(True, 'pose-plugin-onnx: onnx/onnxruntime',
                        f'onnx {onnx.__version__}, onnxruntime {onnxruntime.__version__}; '
                        f'int8 instructions: {vnni or "none seen (--int8 may be slower)"}')]
