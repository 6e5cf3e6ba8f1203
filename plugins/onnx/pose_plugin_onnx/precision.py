"""Reduced precision: int8 static quantization with onnxruntime, calibrated on
real crops, and float16 conversion.

Only the network body is quantized (or converted): the nodes from the first
convolution up to (not including) the last one; int8 also leaves the first
convolution in float. The preprocessing, the final 1x1 conv that makes the
heatmaps, the flip average and the decoding stay float32: a heatmap rounded to
256 levels has ties around its maximum, which moves keypoints by whole heatmap
pixels. The first convolution reads the normalised image, whose three channels
have different ranges: one uint8 scale for the whole tensor gives each channel
fewer levels than the image had (demo model: AP drop 0.011 with it quantized,
0.003 without; it is 0.3% of HRNet-w32's multiply-adds). Weights are int8 per
output channel, activations uint8 (QDQ format), which onnxruntime runs with
VNNI/AVX-512 integer kernels where the CPU has them.
"""
from __future__ import annotations

import logging
from pathlib import Path
from typing import Iterator, Optional, Sequence

import numpy as np

from .exportable import INPUT_NAME

_CONV_TYPES = ('Conv', 'ConvTranspose')


def body_nodes_excluded(model_path: Path, skip_first_conv: bool = False) -> list[str]:
    """Names of the nodes to keep in float: all but those from the first conv
    (the second with ``skip_first_conv``) to the one before the last conv (graph
    order is topological)."""
    import onnx

    graph = onnx.load(str(model_path), load_external_data=False).graph
    convs = [i for i, node in enumerate(graph.node) if node.op_type in _CONV_TYPES]
    if not convs:
        return [node.name for node in graph.node]
    first = convs[1] if skip_first_conv and len(convs) > 1 else convs[0]
    last = convs[-1]
    return [node.name for i, node in enumerate(graph.node) if not first <= i < last]


class CropReader:
    """onnxruntime's ``CalibrationDataReader``: one batch of crops at a time.

    :param batches: uint8 ``(N, 3, H, W)`` arrays.
    """

    def __init__(self, batches: Sequence[np.ndarray]) -> None:
        self._batches = list(batches)
        self._iter: Optional[Iterator[np.ndarray]] = None
        self.rewind()

    def get_next(self) -> Optional[dict[str, np.ndarray]]:
        batch = next(self._iter, None)  # type: ignore[arg-type]
        return None if batch is None else {INPUT_NAME: batch}

    def rewind(self) -> None:
        self._iter = iter(self._batches)

    def __len__(self) -> int:
        return len(self._batches)


def quantize_int8(fp32_path: Path, int8_path: Path, batches: Sequence[np.ndarray]) -> None:
    """Write the int8 model of ``fp32_path`` to ``int8_path``.

    :param batches: calibration inputs, uint8 crops as the model takes them.
    """
    from onnxruntime.quantization import (CalibrationDataReader, CalibrationMethod,
                                          QuantFormat, QuantType, quantize_static)

    class _Reader(CropReader, CalibrationDataReader):
        pass

    # onnxruntime logs advice on the root logger ("consider pre-processing")
    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.ERROR)
    try:
        quantize_static(
            str(fp32_path), str(int8_path), _Reader(batches),
            quant_format=QuantFormat.QDQ, per_channel=True,
            activation_type=QuantType.QUInt8, weight_type=QuantType.QInt8,
            calibrate_method=CalibrationMethod.MinMax,
            nodes_to_exclude=body_nodes_excluded(fp32_path, skip_first_conv=True))
    finally:
        root.setLevel(level)


def convert_float16(fp32_path: Path, fp16_path: Path) -> None:
    """Write ``fp32_path`` with a float16 body (weights and activations) to
    ``fp16_path``; input, outputs and the nodes outside the body stay as they
    are (float16 keypoints would be 1/8 px coarse at 200 px)."""
    import onnx
    from onnxruntime.transformers.float16 import convert_float_to_float16

    model = onnx.load(str(fp32_path))
    # keep_io_types: callers feed and read the same types as the fp32 model
    converted = convert_float_to_float16(model, keep_io_types=True,
                                         node_block_list=body_nodes_excluded(fp32_path))
    onnx.save(converted, str(fp16_path))
