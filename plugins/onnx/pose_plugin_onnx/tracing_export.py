"""``torch.onnx.export`` (torch.export-based) of an :class:`ExportableTopdown`,
with its failures turned into one :class:`OnnxExportError` naming the
operator that has no ONNX form."""
from __future__ import annotations

import contextlib
import io
import logging
import re
import warnings
from pathlib import Path
from typing import Iterator, Optional

import torch

from .errors import OnnxExportError
from .exportable import INPUT_NAME, ExportableTopdown

DEFAULT_OPSET = 18
# "No ONNX function found for <OpOverload(op='aten.linalg_eig', overload='default')>"
_OP_PATTERNS = (re.compile(r"OpOverload\(op='([\w.]+)', overload='(\w+)'\)"),
                re.compile(r'target=torch\.ops\.([\w.]+)'),
                re.compile(r"operator '?([\w:.]+)'? (?:to ONNX|is not supported)"))


@contextlib.contextmanager
def quiet_exporter() -> Iterator[None]:
    """The exporter prints progress and logs warnings about torchvision ops; keep
    the command's output to what it reports itself."""
    logger = logging.getLogger('torch.onnx')
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        with contextlib.redirect_stdout(io.StringIO()), warnings.catch_warnings():
            warnings.simplefilter('ignore')
            yield
    finally:
        logger.setLevel(level)


def failing_operator(exc: BaseException) -> Optional[str]:
    """The operator named in an exporter error (and its causes), e.g. ``aten.linalg_eig``."""
    seen: set[int] = set()
    current: Optional[BaseException] = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        for pattern in _OP_PATTERNS:
            found = pattern.search(str(current))
            if found:
                op = found.group(1)
                return op[:-len('.default')] if op.endswith('.default') else op
        current = current.__cause__ or current.__context__
    return None


def _summary(exc: BaseException) -> str:
    text = str(exc)
    marker = '## Exception summary'
    if marker in text:
        text = text.split(marker, 1)[1]
    lines = [ln.strip() for ln in text.splitlines() if ln.strip() and not ln.startswith('(')]
    return lines[0][:400] if lines else type(exc).__name__


def export_graph(wrapper: ExportableTopdown, example: torch.Tensor, path: Path,
                 dynamic_batch: bool, opset: int = DEFAULT_OPSET,
                 what: str = 'the model') -> None:
    """Write ``wrapper`` as an ONNX file at ``path`` (weights inside the file).

    :param example: an input batch ``(N, 3, H, W)`` uint8, N >= 2 when
        ``dynamic_batch`` (a batch of 1 would be taken as a constant).
    :param dynamic_batch: a symbolic batch dimension; else N is fixed.
    :param what: names the model in messages, e.g. ``'HRNet (pose-plugin-hrnet)'``.
    :raises OnnxExportError: an operator without an ONNX conversion (named),
        or another exporter failure (summarised).
    """
    dynamic_shapes = None
    if dynamic_batch:
        dynamic_shapes = ({0: torch.export.Dim('batch', min=1, max=4096)}, )
    try:
        with quiet_exporter(), torch.no_grad():
            torch.onnx.export(wrapper, (example, ), str(path), dynamo=True,
                              input_names=[INPUT_NAME], output_names=wrapper.output_names,
                              opset_version=opset, dynamic_shapes=dynamic_shapes,
                              external_data=False, optimize=True, verbose=False)
    except OnnxExportError:
        raise
    except Exception as exc:  # the exporter's errors have no stable public type
        op = failing_operator(exc)
        if op is not None:
            raise OnnxExportError(
                f'cannot export {what} to ONNX: operator {op!r} has no ONNX conversion '
                f'(opset {opset}); replace it in the model, or try another --opset') from exc
        raise OnnxExportError(f'cannot export {what} to ONNX: {_summary(exc)}') from exc
