"""``OnnxPoseModel``: an exported top-down model run by onnxruntime, usable
where a PyTorch model from ``init_model`` goes::

    from pose_plugin_onnx import OnnxPoseModel
    from pose_plugin_topdown.inference import inference_topdown

    model = OnnxPoseModel('model.onnx')               # its sidecar model.onnx.json beside it
    results = inference_topdown(model, 'person.jpg', bboxes=[[280, 45, 500, 380]])

It has what ``inference_topdown`` and ``posecore infer`` use: ``cfg`` (the
config given, else one made from the sidecar: its test pipeline and
visualizer), ``dataset_meta`` and ``test_step``. Keypoints come from the
graph's ``keypoints`` output where the export decoded in the graph, else
from the sidecar's codec applied to ``heatmaps``; they are mapped to image
pixels as ``TopdownPoseEstimator`` does.
"""
from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any, Mapping, Optional, Sequence, Union

import numpy as np

from .errors import OnnxFileNotFoundError, SidecarError
from .exportable import HEATMAPS, INPUT_NAME, KEYPOINTS, SCORES
from .pipeline_input import config_pipeline, pipeline_input_size
from .session import make_session
from .sidecar import read_sidecar, sidecar_path


class OnnxPoseModel:
    """A ``posecore export`` file and its sidecar, run by onnxruntime on the CPU.

    :param onnx_path: the ``.onnx`` file; ``<file>.json`` must be beside it.
    :param config: a config (path or mmengine ``Config``) whose test pipeline
        and visualizer to use; its input size must be the export's. Default:
        what the sidecar holds.
    :param cfg_options: overrides for ``config``.
    :param threads: onnxruntime intra-op threads (default: the CPUs this
        process may use).
    :raises OnnxFileNotFoundError: no file at ``onnx_path``.
    :raises SidecarError: no sidecar, or a sidecar, graph or config made for
        another input size.
    """

    def __init__(self, onnx_path: Union[str, Path], config: Any = None,
                 cfg_options: Optional[dict] = None, threads: Optional[int] = None) -> None:
        self.path = Path(onnx_path)
        if not self.path.is_file():
            raise OnnxFileNotFoundError(
                f'no ONNX model at {str(self.path)!r}; make one with `posecore export CFG '
                f'CKPT --out {self.path}`')
        self.sidecar = read_sidecar(self.path)
        self.input_size: tuple[int, int] = tuple(int(v) for v in self.sidecar['input']['size'])
        self.session: Any = make_session(self.path, threads)
        self._check_graph()
        self.cfg = self._config(config, cfg_options)
        self.dataset_meta: dict = dict(self.sidecar['dataset_meta'])
        self.test_cfg: dict = dict(self.sidecar.get('test_cfg') or {})
        self.batch: Optional[int] = self.sidecar['input'].get('batch')
        self._codec: Any = None

    # ------------------------------------------------------------- checks
    def _check_graph(self) -> None:
        graph_input = self.session.get_inputs()[0]
        w, h = self.input_size
        shape = list(graph_input.shape)
        if graph_input.name != INPUT_NAME or len(shape) != 4 or shape[2:] != [h, w]:
            raise SidecarError(
                f'{str(sidecar_path(self.path))!r} describes an input {INPUT_NAME!r} of '
                f'{w}x{h} (w x h), but {str(self.path)!r} takes {graph_input.name!r} of shape '
                f'{shape}: the sidecar belongs to another export; export again')

    def _config(self, config: Any, cfg_options: Optional[dict]) -> Any:
        from mmengine.config import Config

        if config is None:
            side = self.sidecar
            return Config(dict(
                default_scope='posecore',
                test_dataloader=dict(dataset=dict(pipeline=side['test_pipeline'])),
                visualizer=side.get('visualizer')))
        from pose_plugin_topdown.inference import _as_config

        cfg = _as_config(config, cfg_options)
        size = pipeline_input_size(config_pipeline(cfg))
        if size is not None and size != self.input_size:
            raise SidecarError(
                f'{str(self.path)!r} was exported for input {self.input_size[0]}x'
                f'{self.input_size[1]} (w x h), but the config\'s TopdownAffine input_size is '
                f'{size[0]}x{size[1]}: use the config it was exported from, or export again '
                f'with --input-size {size[0]} {size[1]}')
        flip = bool(((cfg.get('model') or {}).get('test_cfg') or {}).get('flip_test', False))
        if flip != bool(self.sidecar['flip_test']):
            warnings.warn(
                f'posecore: warning: the config has model.test_cfg.flip_test={flip} but '
                f'{self.path.name} was exported with flip test '
                f'{"in the graph" if self.sidecar["flip_test"] else "off"}; keypoints will '
                f'differ from the PyTorch backend (export with{"" if flip else "out"} '
                f'--flip-test)', stacklevel=3)
        return cfg

    # ---------------------------------------------------------- inference
    def run(self, images: np.ndarray) -> dict[str, np.ndarray]:
        """The graph's outputs (by name) for uint8 crops ``(N, 3, H, W)``."""
        w, h = self.input_size
        if images.ndim != 4 or tuple(images.shape[1:]) != (3, h, w):
            raise SidecarError(
                f'{self.path.name} takes crops of (N, 3, {h}, {w}), got '
                f'{tuple(images.shape)}: the test pipeline\'s TopdownAffine must give '
                f'{w}x{h} (the size it was exported for)')
        images = np.ascontiguousarray(images, dtype=np.uint8)
        names = [o.name for o in self.session.get_outputs()]
        if not self.batch:
            return dict(zip(names, self.session.run(names, {INPUT_NAME: images})))
        chunks = []
        for start in range(0, len(images), self.batch):  # a fixed batch: pad the last one
            part = images[start:start + self.batch]
            padded = np.zeros((self.batch, *images.shape[1:]), np.uint8)
            padded[:len(part)] = part
            outs = self.session.run(names, {INPUT_NAME: padded})
            chunks.append([o[:len(part)] for o in outs])
        return {name: np.concatenate([c[i] for c in chunks]) for i, name in enumerate(names)}

    def _decode(self, outputs: Mapping[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
        """Keypoints ``(B, 1, K, 2)`` in input pixels and scores ``(B, 1, K)``."""
        if KEYPOINTS in outputs:
            return outputs[KEYPOINTS][:, None], outputs[SCORES][:, None]
        if self._codec is None:
            from posecore.registry import KEYPOINT_CODECS

            self._codec = KEYPOINT_CODECS.build(dict(self.sidecar['codec']))
        keypoints, scores = self._codec.batch_decode(outputs[HEATMAPS])
        if isinstance(scores, tuple):
            scores = scores[0]
        return keypoints, scores

    def test_step(self, data: Mapping[str, Any]) -> list:
        """Predict a collated batch ``dict(inputs=[(3, H, W) uint8], data_samples=[...])``
        as ``TopdownPoseEstimator.test_step`` does."""
        from mmengine.structures import InstanceData, PixelData
        from pose_plugin_topdown.estimator import TopdownPoseEstimator

        samples: Sequence[Any] = data['data_samples']
        inputs = data['inputs']
        images = np.stack([np.asarray(x.numpy() if hasattr(x, 'numpy') else x)
                           for x in inputs]) if isinstance(inputs, (list, tuple)) \
            else np.asarray(inputs)
        outputs = self.run(images)
        keypoints, scores = self._decode(outputs)
        preds = [InstanceData(keypoints=k.copy(), keypoint_scores=s.copy())
                 for k, s in zip(keypoints, scores)]
        fields = None
        if self.test_cfg.get('output_heatmaps', False):
            import torch

            fields = [PixelData(heatmaps=torch.from_numpy(hm.copy())) for hm in outputs[HEATMAPS]]
        shape = tuple(images.shape[2:])
        for sample in samples:
            sample.set_metainfo({'batch_input_shape': shape, 'pad_shape': shape})
        # the PyTorch estimator's own mapping to image pixels; it reads only test_cfg
        return TopdownPoseEstimator.add_pred_to_datasample(self, preds, fields, list(samples))

    def __repr__(self) -> str:
        w, h = self.input_size
        return (f'OnnxPoseModel({str(self.path)!r}, input {w}x{h}, '
                f'{self.sidecar["precision"]}, flip test {self.sidecar["flip_test"]})')


def load_backend_model(onnx_path: Union[str, Path], config: Any = None,
                       cfg_options: Optional[dict] = None) -> OnnxPoseModel:
    """The ``onnxruntime`` entry point of ``posecore.inference_backends``
    (``posecore infer --backend onnxruntime --onnx FILE``)."""
    return OnnxPoseModel(onnx_path, config=config, cfg_options=cfg_options)
