"""Make ``tests/data/reference/topdown_pipeline_mmpose.{npz,json}``: what
MMPose 1.3.2's top-down transforms give, for posecore's tests to equal.

Run in the MMPose environment (``../shared/anchor/make-mmpose-venv.sh``)::

    /tmp/anchor-venv/bin/python benchmarks/anchor/make_pipeline_reference.py

Sections (each seeds ``np.random`` first; the JSON says what every array is):

- ``warp_*``: ``get_warp_matrix`` / ``get_udp_warp_matrix`` on random boxes,
  rotations (float32, and Python 0.0), output sizes, shifts, ``inv`` and
  ``fix_aspect_ratio``.
- ``bbox_*``: ``RandomBBoxTransform`` (default and all-on arguments) on one
  box per call and on 5 boxes per call.
- ``flip_*``: the directions ``RandomFlip`` draws (two configurations) and
  its flipped boxes/keypoints per direction.
- ``half_*``: ``RandomHalfBody`` boxes over the COCO samples.
- ``train_*``: the whole training pipeline over the 14 real COCO instances,
  two epochs: per sample the random outcomes, boxes, transformed keypoints,
  weights, heatmaps, and SHA-256 digests of the crop, the heatmaps and the
  packed input (full crops for the first two samples); ``udp_*``: the same with ``use_udp`` and
  ``UDPHeatmap``; ``edge_*``: a zero-size box and keypoints outside the
  image through ``TopdownAffine`` and ``GenerateTarget``.
- JSON ``packed``: the fields, dtypes and shapes of MMPose's packed sample.
"""
from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path
from typing import Any, Dict, List

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from coco_pipeline_samples import REPO, coco_data_infos, fresh  # noqa: E402

OUT = REPO / 'tests' / 'data' / 'reference' / 'topdown_pipeline_mmpose'
CODEC = dict(type='MSRAHeatmap', input_size=(192, 256), heatmap_size=(48, 64),
             sigma=2)
UDP_CODEC = dict(type='UDPHeatmap', input_size=(192, 256),
                 heatmap_size=(48, 64), sigma=2)
DIRECTIONS = [None, 'horizontal', 'vertical', 'diagonal']


def digest(array: np.ndarray) -> str:
    """SHA-256 of the array's C-order bytes (the tests compute the same)."""
    return hashlib.sha256(np.ascontiguousarray(array).tobytes()).hexdigest()


def warp_cases(arrays: Dict[str, np.ndarray], doc: Dict[str, str]) -> None:
    from mmpose.structures.bbox import get_udp_warp_matrix, get_warp_matrix
    rng = np.random.default_rng(7)
    n = 400
    center = (rng.random((n, 2)) * 800 - 100).astype(np.float32)
    scale = (rng.random((n, 2)) * 500 + 1).astype(np.float32)
    rot = (rng.random(n) * 180 - 90).astype(np.float32)
    rot[::5] = 0
    size = np.stack([rng.integers(8, 400, n), rng.integers(8, 400, n)], 1)
    shift = np.where(rng.random((n, 1)) < 0.3, rng.random((n, 2)) - 0.5, 0.)
    inv = rng.random(n) < 0.3
    fix = rng.random(n) < 0.8
    py_rot = rng.random(n) < 0.2   # rot passed as a Python float
    mats, udp = [], []
    for i in range(n):
        r = float(rot[i]) if py_rot[i] else rot[i]
        out = (int(size[i, 0]), int(size[i, 1]))
        mats.append(get_warp_matrix(center[i], scale[i], r, out,
                                    shift=tuple(shift[i]), inv=bool(inv[i]),
                                    fix_aspect_ratio=bool(fix[i])))
        udp.append(get_udp_warp_matrix(center[i], scale[i], r, out))
    arrays.update(warp_center=center, warp_scale=scale, warp_rot=rot,
                  warp_size=size, warp_shift=shift, warp_inv=inv,
                  warp_fix=fix, warp_py_rot=py_rot,
                  warp_matrix=np.stack(mats), warp_udp=np.stack(udp))
    doc['warp_*'] = ('get_warp_matrix(center[i], scale[i], rot[i] (a Python '
                     'float where py_rot[i]), tuple(size[i]), shift=tuple('
                     'shift[i]), inv=inv[i], fix_aspect_ratio=fix[i]) -> '
                     'warp_matrix[i] (float64); get_udp_warp_matrix(center, '
                     'scale, rot, size) -> warp_udp[i] (float32)')


def bbox_cases(arrays: Dict[str, np.ndarray], doc: Dict[str, str]) -> None:
    from mmpose.datasets.transforms import RandomBBoxTransform
    center = np.array([[320., 240.]], dtype=np.float32)
    scale = np.array([[200., 300.]], dtype=np.float32)
    configs = {'default': {}, 'all': dict(shift_prob=1.0, rotate_prob=1.0,
                                          scale_factor=(0.7, 1.3))}
    for name, cfg in configs.items():
        t = RandomBBoxTransform(**cfg)
        for n, calls in ((1, 300), (5, 20)):
            np.random.seed(11)
            out = [t(dict(bbox_center=np.repeat(center, n, 0),
                          bbox_scale=np.repeat(scale, n, 0)))
                   for _ in range(calls)]
            for key in ('bbox_center', 'bbox_scale', 'bbox_rotation'):
                arrays[f'bbox_{name}_n{n}_{key}'] = np.stack(
                    [o[key] for o in out])
            arrays[f'bbox_{name}_n{n}_next'] = np.array(np.random.rand())
    doc['bbox_*'] = (f'RandomBBoxTransform(**cfg) for cfg {configs}; seed 11 '
                     'then `calls` calls on bbox_center [[320, 240]] and '
                     'bbox_scale [[200, 300]] repeated n times; outputs '
                     'stacked; _next: np.random.rand() after the calls')
    doc['bbox_calls'] = 'n=1: 300 calls, n=5: 20 calls'


def flip_cases(infos: List[dict], arrays: Dict[str, np.ndarray],
               doc: Dict[str, str]) -> None:
    from mmpose.datasets.transforms import RandomFlip
    configs = {'default': {}, 'mixed': dict(prob=[0.2, 0.3, 0.1], direction=[
        'horizontal', 'vertical', 'diagonal'])}
    for name, cfg in configs.items():
        t = RandomFlip(**cfg)
        np.random.seed(5)
        codes = []
        for _ in range(300):
            out = t(dict(img=np.zeros((4, 6, 3), np.uint8), img_shape=(4, 6)))
            codes.append(DIRECTIONS.index(out['flip_direction']))
        arrays[f'flip_{name}_codes'] = np.array(codes)
    doc['flip_*_codes'] = (f'RandomFlip(**cfg) for cfg {configs}; seed 5, 300 '
                           'calls on a 4x6 image; code = index in '
                           f'{DIRECTIONS}')
    info = infos[0]
    for direction in DIRECTIONS[1:]:
        t = RandomFlip(prob=1.0, direction=direction)
        res = fresh(info)
        res.update(img=np.zeros((425, 640, 3), np.uint8), img_shape=(425, 640),
                   bbox_center=np.array([[300.5, 200.25]], np.float32))
        out = t(res)
        for key in ('bbox', 'bbox_center', 'keypoints', 'keypoints_visible'):
            arrays[f'flip_{direction}_{key}'] = out[key]
    doc['flip_<direction>_*'] = ('RandomFlip(prob=1.0, direction) on COCO '
                                 'sample 0 with img_shape (425, 640) and '
                                 'bbox_center [[300.5, 200.25]]')


def half_body_cases(infos: List[dict], arrays: Dict[str, np.ndarray],
                    doc: Dict[str, str]) -> None:
    from mmpose.datasets.transforms import GetBBoxCenterScale, RandomHalfBody
    for name, cfg in (('default', {}), ('often', dict(prob=0.9,
                                                      upper_prioritized_prob=0.5,
                                                      min_total_keypoints=4))):
        t, cs = RandomHalfBody(**cfg), GetBBoxCenterScale()
        np.random.seed(3)
        centers, scales = [], []
        for _ in range(10):
            for info in infos:
                out = t(cs(fresh(info)))
                centers.append(out['bbox_center'])
                scales.append(out['bbox_scale'])
        arrays[f'half_{name}_center'] = np.stack(centers)
        arrays[f'half_{name}_scale'] = np.stack(scales)
        doc[f'half_{name}_*'] = (f'RandomHalfBody(**{cfg}) after '
                                 'GetBBoxCenterScale(), seed 3, 10 passes over '
                                 'the 14 COCO samples')


def pipeline(udp: bool = False) -> list:
    from mmpose.datasets.transforms import (GenerateTarget, GetBBoxCenterScale,
                                            LoadImage, PackPoseInputs,
                                            RandomBBoxTransform, RandomFlip,
                                            RandomHalfBody, TopdownAffine)
    return [LoadImage(), GetBBoxCenterScale(), RandomFlip(direction='horizontal'),
            RandomHalfBody(), RandomBBoxTransform(),
            TopdownAffine(input_size=(192, 256), use_udp=udp),
            GenerateTarget(encoder=UDP_CODEC if udp else CODEC),
            PackPoseInputs()]


def train_cases(prefix: str, infos: List[dict], arrays: Dict[str, np.ndarray],
                doc: Dict[str, str], udp: bool, epochs: int, full: int) -> dict:
    transforms = pipeline(udp)
    np.random.seed(0)
    rows: Dict[str, list] = {k: [] for k in (
        'flip', 'bbox_center', 'bbox_scale', 'bbox_rotation', 'input_center',
        'input_scale', 'transformed_keypoints', 'keypoints_visible',
        'keypoint_weights', 'heatmaps', 'img_sha', 'heatmaps_sha',
        'inputs_sha')}
    packed = None
    for epoch in range(epochs):
        for i, info in enumerate(infos):
            res = fresh(info)
            for t in transforms[:-1]:
                res = t(res)
            rows['flip'].append(res['flip'])
            for key in ('bbox_center', 'bbox_scale', 'bbox_rotation',
                        'input_center', 'input_scale', 'transformed_keypoints',
                        'keypoints_visible', 'keypoint_weights'):
                rows[key].append(res[key])
            rows['img_sha'].append(digest(res['img']))
            rows['heatmaps_sha'].append(digest(res['heatmaps']))
            rows['heatmaps'].append(res['heatmaps'])
            if epoch == 0 and i < full:
                arrays[f'{prefix}_img_{i}'] = res['img']
            out = transforms[-1](res)
            rows['inputs_sha'].append(digest(out['inputs'].numpy()))
            if packed is None:
                packed = describe_packed(out)
    for key in ('flip', 'bbox_center', 'bbox_scale', 'bbox_rotation',
                'input_center', 'input_scale', 'transformed_keypoints',
                'keypoints_visible', 'keypoint_weights', 'heatmaps'):
        arrays[f'{prefix}_{key}'] = np.stack(rows[key])
    doc[f'{prefix}_*'] = (
        f'the training pipeline ({"use_udp, UDPHeatmap" if udp else "MSRAHeatmap"}'
        f' 48x64 sigma 2, input 192x256), seed 0 once, {epochs} epoch(s) over the '
        f'14 COCO samples in order; stacked per-sample results (heatmaps too); '
        f'{prefix}_img_i: the crops of the first {full} samples')
    return dict(img_sha=rows['img_sha'], heatmaps_sha=rows['heatmaps_sha'],
                inputs_sha=rows['inputs_sha'], packed=packed)


def describe_packed(out: dict) -> dict:
    """Field names, types, dtypes and shapes of MMPose's packed sample."""
    def describe(value: Any) -> Any:
        if hasattr(value, 'dtype') and hasattr(value, 'shape'):
            return dict(type=type(value).__name__, dtype=str(value.dtype),
                        shape=list(value.shape))
        return dict(type=type(value).__name__)
    sample = out['data_samples']
    return dict(
        inputs=describe(out['inputs']),
        gt_instances={k: describe(v) for k, v in sample.gt_instances.items()},
        gt_instance_labels={k: describe(v)
                            for k, v in sample.gt_instance_labels.items()},
        gt_fields={k: describe(v) for k, v in sample.gt_fields.items()},
        gt_fields_type=type(sample.gt_fields).__name__,
        metainfo={k: repr(v) for k, v in sample.metainfo_items()
                  if k != 'img_path'})


def edge_cases(infos: List[dict], arrays: Dict[str, np.ndarray],
               doc: Dict[str, str]) -> None:
    from mmpose.datasets.transforms import (GenerateTarget, GetBBoxCenterScale,
                                            LoadImage, TopdownAffine)
    load, cs = LoadImage(), GetBBoxCenterScale()
    affine, target = TopdownAffine(input_size=(192, 256)), GenerateTarget(CODEC)
    res = load(fresh(infos[0]))
    res['bbox'] = np.array([[100., 120., 100., 120.]], np.float32)
    out = target(affine(cs(res)))
    arrays.update(edge_zero_img=out['img'], edge_zero_kpts=out['transformed_keypoints'],
                  edge_zero_weights=out['keypoint_weights'],
                  edge_zero_heatmaps=out['heatmaps'])
    res = load(fresh(infos[0]))
    res['keypoints'] = res['keypoints'] + np.array([700., -500.], np.float32)
    out = target(affine(cs(res)))
    arrays.update(edge_out_kpts=out['transformed_keypoints'],
                  edge_out_weights=out['keypoint_weights'],
                  edge_out_heatmaps=out['heatmaps'])
    doc['edge_zero_*'] = ('COCO sample 0 with bbox [[100, 120, 100, 120]] '
                          '(zero size) through LoadImage, GetBBoxCenterScale, '
                          'TopdownAffine(192x256), GenerateTarget(MSRA)')
    doc['edge_out_*'] = ('COCO sample 0 with keypoints + (700, -500) (outside '
                         'the image), same transforms')


def main() -> None:
    import cv2
    import mmpose
    import torch
    cv2.setNumThreads(0)
    torch.set_num_threads(1)
    infos = coco_data_infos(raw_ann_info=False)
    arrays: Dict[str, np.ndarray] = {}
    doc: Dict[str, str] = {}
    warp_cases(arrays, doc)
    bbox_cases(arrays, doc)
    flip_cases(infos, arrays, doc)
    half_body_cases(infos, arrays, doc)
    train = train_cases('train', infos, arrays, doc, udp=False, epochs=2, full=2)
    udp = train_cases('udp', infos, arrays, doc, udp=True, epochs=1, full=0)
    edge_cases(infos, arrays, doc)
    np.savez_compressed(OUT.with_suffix('.npz'), **arrays)
    meta = dict(
        source=(f'MMPose {mmpose.__version__} transforms (mmpose.datasets.'
                f'transforms), numpy {np.__version__}, opencv {cv2.__version__}'),
        made_by='benchmarks/anchor/make_pipeline_reference.py',
        opencv=cv2.__version__,
        samples=[dict(img_id=i['img_id'], id=i['id'],
                      img=Path(i['img_path']).name) for i in infos],
        arrays=doc,
        train_digests={k: train[k] for k in ('img_sha', 'heatmaps_sha',
                                             'inputs_sha')},
        udp_digests={k: udp[k] for k in ('img_sha', 'heatmaps_sha',
                                         'inputs_sha')},
        packed=train['packed'])
    OUT.with_suffix('.json').write_text(json.dumps(meta, indent=1) + '\n')
    size = OUT.with_suffix('.npz').stat().st_size
    print(f'wrote {OUT}.npz ({size / 1024:.0f} KiB, {len(arrays)} arrays) '
          'and .json')


if __name__ == '__main__':
    main()
