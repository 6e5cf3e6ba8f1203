"""``export_onnx``: a config and checkpoint in, a checked ``.onnx`` file and its
sidecar out (what ``posecore export`` runs).

Steps: build the model (``init_model``: a checkpoint that does not fit lists
the missing and unexpected keys); wrap it (:class:`ExportableTopdown`); make
crops of a real image with the config's test pipeline; export
(:func:`export_graph`); ``onnx.checker``; run onnxruntime on the crops and
compare every output with PyTorch's (:mod:`.comparison`: more than 1e-4
relative fails; ``keypoints`` against PyTorch's decoding of the same
heatmaps); then, if asked, float16 or int8 (their differences are reported,
not checked against 1e-4). Everything is written under temporary
names in the output folder and renamed at the end, so a failure leaves no
file behind.
"""
from __future__ import annotations

import copy
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Optional, Sequence, Union

import numpy as np

from .comparison import OutputDifference, check_differences, compare_outputs
from .errors import ExportUsageError
from .exportable import INPUT_NAME, ExportableTopdown
from .graph_decode import MSRADecode, graph_decodable
from .pipeline_input import config_pipeline, pipeline_input_size
from .sidecar import FORMAT, sidecar_path, write_sidecar
from .tracing_export import DEFAULT_OPSET, export_graph
from .versions import installed_versions, provider_of

IMAGE_EXTENSIONS = ('.jpg', '.jpeg', '.png', '.bmp', '.tif', '.tiff', '.webp')
PRECISIONS = ('fp32', 'fp16', 'int8')


@dataclass
class ExportResult:
    """What :func:`export_onnx` wrote and measured."""

    onnx_path: Path
    sidecar_path: Path
    precision: str
    check_image: str
    crops: int
    differences: list[OutputDifference]  # the fp32 graph vs PyTorch
    final_differences: list[OutputDifference] = field(default_factory=list)  # fp16/int8
    sidecar: dict = field(default_factory=dict)


def list_images(folder: Union[str, Path]) -> list[Path]:
    """Image files directly in ``folder``, sorted."""
    path = Path(folder)
    if not path.is_dir():
        raise ExportUsageError(f'--calib-images {str(folder)!r} is not a folder; give a folder '
                               f'of images like those the model will see')
    found = sorted(p for p in path.iterdir()
                   if p.is_file() and p.suffix.lower() in IMAGE_EXTENSIONS)
    if not found:
        raise ExportUsageError(f'--calib-images {str(folder)!r} holds no images '
                               f'({", ".join(IMAGE_EXTENSIONS)})')
    return found


def _config_images(cfg: Any) -> list[Path]:
    """Images of the config's test dataset folder, if it exists here."""
    try:
        dataset = cfg.test_dataloader.dataset
        root = Path(dataset.get('data_root') or '.')
        prefix = (dataset.get('data_prefix') or {}).get('img', '')
    except AttributeError:
        return []
    folder = root / prefix
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.suffix.lower() in IMAGE_EXTENSIONS)[:1]


class _Crops:
    """uint8 crops of images through the config's test pipeline."""

    def __init__(self, model: Any, pipeline_cfg: Sequence[Any]) -> None:
        from posecore.registry import TRANSFORMS
        from mmengine.dataset import Compose

        self.model = model
        self.pipeline = Compose([TRANSFORMS.build(dict(step)) for step in pipeline_cfg])

    def __call__(self, image_path: Path, boxes: Optional[np.ndarray] = None) -> np.ndarray:
        from pose_plugin_topdown.inference import load_image, pack_instances

        image = load_image(self.pipeline, str(image_path))
        packed = pack_instances(self.model, self.pipeline, image, str(image_path), boxes)
        return np.stack([p['inputs'].numpy() for p in packed]).astype(np.uint8)

    def check_batch(self, image_path: Path, count: int) -> np.ndarray:
        """``count`` different crops of one image: the whole image, then boxes
        around its centre."""
        from mmengine.fileio import get
        import cv2

        image = cv2.imdecode(np.frombuffer(get(str(image_path)), np.uint8), cv2.IMREAD_COLOR)
        if image is None:
            raise ExportUsageError(f'--image {str(image_path)!r} is not an image that can be '
                                   f'decoded')
        h, w = image.shape[:2]
        boxes = []
        for i in range(count):
            shrink = 0.5 * i / max(count, 1)  # 0, then smaller and smaller central boxes
            boxes.append([w * shrink / 2, h * shrink / 2, w - w * shrink / 2, h - h * shrink / 2])
        return self(image_path, np.asarray(boxes, np.float32))


def _scaled_codec(codec: dict, input_size: tuple[int, int]) -> dict:
    """The codec config for another input size, keeping its input/heatmap ratio."""
    codec = copy.deepcopy(codec)
    old_in, old_hm = codec.get('input_size'), codec.get('heatmap_size')
    if old_in is None or old_hm is None:
        return codec
    sizes = []
    for new, a, b in zip(input_size, old_in, old_hm):
        scaled = new * b / a
        if abs(scaled - round(scaled)) > 1e-6:
            raise ExportUsageError(
                f'--input-size {input_size[0]} {input_size[1]}: the codec maps input '
                f'{list(old_in)} to heatmaps {list(old_hm)}, which gives no whole heatmap size '
                f'for {new}; choose a multiple of {a // np.gcd(int(a), int(b))}')
        sizes.append(int(round(scaled)))
    codec['input_size'], codec['heatmap_size'] = tuple(input_size), tuple(sizes)
    return codec


def _with_input_size(pipeline: list, size: tuple[int, int]) -> list:
    pipeline = copy.deepcopy(pipeline)
    for step in pipeline:
        if str(step.get('type', '')).split('::')[-1].split('.')[-1] == 'TopdownAffine':
            step['input_size'] = tuple(size)
    return pipeline


def _plain(value: Any) -> Any:
    """Config dicts as plain dicts and lists."""
    if hasattr(value, 'to_dict'):
        return value.to_dict()
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def _run_onnx(path: Path, images: np.ndarray) -> tuple[list[str], list[np.ndarray]]:
    from .session import make_session

    session: Any = make_session(path)
    names = [o.name for o in session.get_outputs()]
    return names, session.run(names, {INPUT_NAME: images})


def _decode_reference(wrapper: ExportableTopdown, names: list[str],
                      got: list[np.ndarray], torch_outputs: dict) -> dict:
    """The references to check onnxruntime's outputs against: PyTorch's, but
    for ``keypoints`` PyTorch's decoding of onnxruntime's heatmaps. Where two
    heatmap pixels are within float rounding of each other (an untrained
    model's flat maps) the argmax may pick either; comparing the decode on the
    same heatmaps checks the graph, not that rounding."""
    if wrapper.decoder is None or 'keypoints' not in names:
        return torch_outputs
    import torch

    heatmaps = torch.from_numpy(got[names.index('heatmaps')])
    with torch.no_grad():
        keypoints, _ = wrapper.decoder(heatmaps)
    return {**torch_outputs, 'keypoints': keypoints.numpy()}


def _remove(*paths: Path) -> None:
    for path in paths:
        try:
            path.unlink()
        except FileNotFoundError:
            pass


def export_onnx(config: Any, checkpoint: Optional[str], out: Union[str, Path], *,
                input_size: Optional[Sequence[int]] = None, batch: Union[str, int] = 'dynamic',
                flip_test: bool = False, opset: int = DEFAULT_OPSET, precision: str = 'fp32',
                calib_images: Optional[Union[str, Path]] = None,
                image: Optional[Union[str, Path]] = None, cfg_options: Optional[dict] = None,
                log: Callable[[str], None] = lambda _msg: None) -> ExportResult:
    """Export the top-down model of ``config`` + ``checkpoint`` to ``out``.

    :param config: a config path or mmengine ``Config``.
    :param checkpoint: its weights (None: initial weights, for tests).
    :param out: the ``.onnx`` file; the sidecar goes to ``<out>.json``.
    :param input_size: ``(w, h)`` instead of the config's (a multiple of 32 for HRNet).
    :param batch: ``'dynamic'`` or a fixed batch size.
    :param flip_test: put the flip test (and average) into the graph.
    :param opset: ONNX opset.
    :param precision: ``'fp32'``, ``'fp16'`` or ``'int8'`` (needs ``calib_images``).
    :param calib_images: folder of images for int8 calibration.
    :param image: the real image the check runs on (default: the first
        calibration image, else the first image of the config's test data).
    :param log: called with progress lines.
    :raises ExportUsageError: bad options.
    :raises CheckpointLoadError: a checkpoint that does not fit the config.
    :raises OnnxExportError: an operator without ONNX form, or onnxruntime's
        fp32 outputs more than 1e-4 (relative) from PyTorch's.
    """
    import torch

    from pose_plugin_topdown.inference import init_model

    if precision not in PRECISIONS:
        raise ExportUsageError(f'precision {precision!r}: use one of {PRECISIONS}')
    if precision == 'int8' and calib_images is None:
        raise ExportUsageError('--int8 needs --calib-images DIR (images to calibrate the '
                               'int8 ranges on)')
    if batch != 'dynamic' and (not isinstance(batch, int) or batch < 1):
        raise ExportUsageError(f"--batch {batch!r}: use 'dynamic' or a positive number")
    out = Path(out)
    if out.suffix != '.onnx':
        raise ExportUsageError(f'--out {str(out)!r}: the file name must end in .onnx')
    if not out.parent.is_dir():
        raise ExportUsageError(f'--out {str(out)!r}: folder {str(out.parent)!r} does not exist')
    calib = list_images(calib_images) if calib_images is not None else []

    model = init_model(config, checkpoint, device='cpu', cfg_options=cfg_options)
    cfg = model.cfg
    pipeline = config_pipeline(cfg)
    size = pipeline_input_size(pipeline)
    if size is None:
        raise ExportUsageError('the config\'s test pipeline has no TopdownAffine(input_size=...) '
                               '(test_dataloader.dataset.pipeline): export needs the crop size')
    pipeline = _plain(pipeline)
    head = model.head
    codec_cfg = _plain((cfg.model.get('head') or {}).get('decoder'))
    if input_size is not None:
        new = (int(input_size[0]), int(input_size[1]))
        if codec_cfg:
            codec_cfg = _scaled_codec(codec_cfg, new)
        pipeline = _with_input_size(pipeline, new)
        size = new
    test_cfg = dict(model.test_cfg)
    flip_indices = model.dataset_meta.get('flip_indices')
    if flip_test and flip_indices is None:
        raise ExportUsageError('--flip-test needs flip_indices in the dataset metainfo')
    decoder = None
    if graph_decodable(codec_cfg):
        decoder = MSRADecode(tuple(codec_cfg['input_size']), tuple(codec_cfg['heatmap_size']))
    wrapper = ExportableTopdown(
        model, size, flip_test, flip_indices, flip_mode=test_cfg.get('flip_mode', 'heatmap'),
        shift_heatmap=test_cfg.get('shift_heatmap', False), decoder=decoder).eval()

    # a real image for the check
    if image is None:
        candidates = calib or _config_images(cfg)
        if not candidates:
            raise ExportUsageError(
                'give --image PATH: a real photo the check runs PyTorch and onnxruntime on '
                '(the config\'s test data folder is not here and there is no --calib-images)')
        image = candidates[0]
    image = Path(image)
    if not image.is_file():
        raise ExportUsageError(f'--image {str(image)!r}: no such file')
    crops = _Crops(model, pipeline)
    example = crops.check_batch(image, 2 if batch == 'dynamic' else int(batch))

    backbone = type(model.backbone).__name__
    provider = provider_of(model.backbone)
    what = f'{backbone} ({provider})' if provider else backbone
    with torch.no_grad():
        reference = wrapper(torch.from_numpy(example))
    reference = reference if isinstance(reference, tuple) else (reference, )
    torch_outputs = {n: t.numpy() for n, t in zip(wrapper.output_names, reference)}

    tag = f'.tmp-{os.getpid()}'
    fp32_tmp = out.with_name(f'.{out.stem}{tag}.fp32.onnx')
    final_tmp = out.with_name(f'.{out.stem}{tag}.{precision}.onnx')
    side_tmp = out.with_name(f'.{out.stem}{tag}.json')
    temporaries = (fp32_tmp, final_tmp, side_tmp)
    try:
        log(f'exporting {what} (input {size[0]}x{size[1]}, batch {batch}, flip test '
            f'{"in the graph" if flip_test else "off"}, opset {opset})')
        export_graph(wrapper, torch.from_numpy(example), fp32_tmp, batch == 'dynamic',
                     opset=opset, what=what)
        import onnx

        onnx.checker.check_model(str(fp32_tmp), full_check=True)
        log('onnx.checker: ok')
        names, got = _run_onnx(fp32_tmp, example)
        differences = compare_outputs(names, got, _decode_reference(wrapper, names, got,
                                                                    torch_outputs))
        check_differences(differences)
        final_differences: list[OutputDifference] = []
        if precision == 'fp32':
            final_tmp = fp32_tmp
        else:
            from .precision import convert_float16, quantize_int8

            if precision == 'fp16':
                convert_float16(fp32_tmp, final_tmp)
            else:
                log(f'calibrating int8 on {len(calib)} image(s) of {calib_images}')
                batches = [crops(p) for p in calib]
                if batch != 'dynamic':  # the graph takes exactly `batch` crops
                    flat = np.concatenate(batches)
                    reps = -(-len(flat) // int(batch)) * int(batch)
                    flat = np.concatenate([flat] * (-(-reps // len(flat))))[:reps]
                    batches = list(flat.reshape(-1, int(batch), *flat.shape[1:]))
                quantize_int8(fp32_tmp, final_tmp, batches)
            onnx.checker.check_model(str(final_tmp))
            names, got = _run_onnx(final_tmp, example)
            final_differences = compare_outputs(names, got, torch_outputs)
            _remove(fp32_tmp)

        versions = installed_versions(tuple(d for d in (provider, ) if d))
        content = dict(
            format=FORMAT,
            input=dict(name=INPUT_NAME, dtype='uint8', layout='NCHW', channels='BGR',
                       size=list(size), batch=None if batch == 'dynamic' else int(batch)),
            outputs=wrapper.output_names,
            preprocess=dict(in_graph=True, bgr_to_rgb=wrapper.bgr_to_rgb,
                            mean=model.data_preprocessor.mean.flatten().tolist()
                            if wrapper.normalize else None,
                            std=model.data_preprocessor.std.flatten().tolist()
                            if wrapper.normalize else None),
            codec=codec_cfg, decoded_in_graph=decoder is not None,
            flip_test=bool(flip_test), flip_mode=test_cfg.get('flip_mode', 'heatmap'),
            shift_heatmap=test_cfg.get('shift_heatmap', False),
            keypoint_names=[model.dataset_meta['keypoint_id2name'][i]
                            for i in range(model.dataset_meta['num_keypoints'])],
            flip_indices=list(flip_indices) if flip_indices is not None else None,
            dataset_meta=model.dataset_meta,
            test_pipeline=pipeline,
            test_cfg=_plain(test_cfg),
            visualizer={k: v for k, v in (_plain(cfg.get('visualizer')) or {}).items()
                        if k not in ('vis_backends', 'save_dir')} or None,
            precision=precision, opset=opset,
            model=dict(backbone=backbone, backbone_distribution=provider,
                       head=type(head).__name__),
            source=dict(config=str(config) if not hasattr(config, 'filename')
                        else str(config.filename), checkpoint=checkpoint),
            check=dict(image=image.name, crops=int(example.shape[0]),
                       fp32={d.name: dict(max_abs=d.max_abs, relative=d.relative)
                             for d in differences},
                       final={d.name: dict(max_abs=d.max_abs, relative=d.relative)
                              for d in final_differences}),
            versions=versions)
        write_sidecar(out, content, target=side_tmp)
        os.replace(final_tmp, out)
        os.replace(side_tmp, sidecar_path(out))
    except BaseException:
        _remove(*temporaries)
        raise
    return ExportResult(out, sidecar_path(out), precision, str(image), int(example.shape[0]),
                        differences, final_differences, content)
