"""The 14 COCO person instances of ``mmpose-testdata/coco`` as MMPose 1.x
top-down data infos, from ``benchmarks/anchor/coco_pipeline_samples.py``: the
same module gives MMPose its samples when the reference is made, so both sides
start from one definition (it imports NumPy only)."""
from __future__ import annotations

import hashlib
import importlib.util
from functools import partial
from pathlib import Path
from typing import Any, List

import numpy as np

_SAMPLES = (Path(__file__).resolve().parents[3] / 'benchmarks' / 'anchor' /
            'coco_pipeline_samples.py')
_spec = importlib.util.spec_from_file_location('coco_pipeline_samples', _SAMPLES)
_module = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_module)

#: ``coco_data_infos(coco_dir, metainfo_json)``: one data info per person
coco_data_infos = partial(_module.coco_data_infos, raw_ann_info=False)
#: a copy of a data info that a pipeline may change, as a dataset hands it out
fresh = _module.fresh

CODEC = dict(type='MSRAHeatmap', input_size=(192, 256), heatmap_size=(48, 64),
             sigma=2)
UDP_CODEC = dict(type='UDPHeatmap', input_size=(192, 256),
                 heatmap_size=(48, 64), sigma=2)


def digest(array: Any) -> str:
    """SHA-256 of an array's C-order bytes (as the reference script)."""
    return hashlib.sha256(np.ascontiguousarray(array).tobytes()).hexdigest()


def train_pipeline(udp: bool = False) -> List[dict]:
    """The training pipeline's transform configs (256x192, 48x64 sigma 2)."""
    return [dict(type='LoadImage'), dict(type='GetBBoxCenterScale'),
            dict(type='RandomFlip', direction='horizontal'),
            dict(type='RandomHalfBody'), dict(type='RandomBBoxTransform'),
            dict(type='TopdownAffine', input_size=(192, 256), use_udp=udp),
            dict(type='GenerateTarget', encoder=UDP_CODEC if udp else CODEC),
            dict(type='PackPoseInputs')]
