"""Ground truth for ``CocoMetric``: a COCO annotation file read through
``mmengine.fileio`` and checked, or a COCO dict built from the annotations
the data samples carry (``raw_ann_info``), each indexed by xtcocotools'
``COCO`` without a JSON round trip.
"""
from __future__ import annotations

import datetime
import json
from typing import Any, Iterable, NamedTuple, Optional, Sequence

import numpy as np

from .xtcocotools_compat import import_cocoeval


_PLAIN = {int, float, str, bool, type(None)}


class SampleGroundTruth(NamedTuple):
    """What one data sample carries of the ground truth (``ann_file``
    absent): its image and its raw COCO annotations."""

    img_id: Any
    width: Any
    height: Any
    crowd_index: Any
    anns: list


def plain(value: Any) -> Any:
    """``value`` as JSON would give it back: numpy scalars and arrays as
    Python numbers and lists, tuples as lists (so numbers compare and hash
    as after MMPose's dump and load)."""
    if type(value) in _PLAIN:
        return value
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, (list, tuple)):
        if type(value) is list and set(map(type, value)) <= _PLAIN:
            return value  # the common case: a list of numbers from JSON
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    return value


def load_annotation_file(ann_file: str, need_annotations: bool,
                         backend_args: Optional[dict] = None) -> dict:
    """Read and check a COCO annotation file (any ``mmengine.fileio``
    backend).

    :raises FileNotFoundError: no such file.
    :raises ValueError: not JSON, not an object, or lacking ``images``,
        ``categories`` or (``need_annotations``) ``annotations``.
    """
    from mmengine.fileio import exists, get_local_path

    if not exists(ann_file, backend_args=backend_args):
        raise FileNotFoundError(
            f'CocoMetric: ann_file {str(ann_file)!r} does not exist; give '
            'the COCO keypoint annotation file of the evaluated split (e.g. '
            "'data/coco/annotations/person_keypoints_val2017.json') or "
            'ann_file=None to build it from the dataset')
    with get_local_path(ann_file, backend_args=backend_args) as local:
        try:
            with open(local, 'rb') as f:
                data = json.load(f)
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise ValueError(f'CocoMetric: ann_file {str(ann_file)!r} is '
                             f'not a JSON file ({exc})') from None
    if not isinstance(data, dict):
        raise ValueError(f'CocoMetric: ann_file {str(ann_file)!r} must hold '
                         'a COCO JSON object with images, annotations and '
                         f'categories, got a {type(data).__name__}')
    required = ['images', 'categories'] + (['annotations']
                                           if need_annotations else [])
    missing = [key for key in required if key not in data]
    if missing:
        raise AnnotationsMissingError(
            f'CocoMetric: ann_file {str(ann_file)!r} lacks {missing}. Ground '
            'truth annotations are required for evaluation when '
            '`format_only` is False (format_only=True only writes the '
            'results)' if 'annotations' in missing else
            f'CocoMetric: ann_file {str(ann_file)!r} lacks {missing}, which '
            'a COCO annotation file has')
    return data


class AnnotationsMissingError(ValueError, AssertionError):
    """A COCO file lacks a required section. Also an ``AssertionError``:
    MMPose asserts here, so code written for it still catches this."""


def coco_from_dict(dataset: dict) -> Any:
    """xtcocotools ``COCO`` indexing ``dataset`` (as ``COCO(path)`` would,
    ``iscrowd`` defaulting to False)."""
    COCO, _ = import_cocoeval()
    coco = COCO()
    coco.dataset = dataset
    coco.createIndex()
    for ann in dataset.get('annotations', ()):
        ann.setdefault('iscrowd', False)
    return coco


def dataset_from_samples(samples: Iterable[SampleGroundTruth],
                         categories: Sequence[dict], iou_type: str,
                         use_area: bool) -> dict:
    """A COCO dict of the images and annotations the samples carry: each
    image once, every annotation of every sample (as MMPose: samples that
    share an annotation add it once each), ``None`` annotations (images
    without people) skipped.

    :raises ValueError: an annotation lacks a field the evaluation needs.
    """
    images, annotations = [], []
    seen_images = set()
    crowd = iou_type == 'keypoints_crowd'
    for sample in samples:
        img_id = plain(sample.img_id)
        if img_id not in seen_images:
            seen_images.add(img_id)
            image = dict(id=img_id, width=plain(sample.width),
                         height=plain(sample.height))
            if crowd:
                image['crowdIndex'] = plain(sample.crowd_index)
            images.append(image)
        for ann in sample.anns:
            if ann is None:
                continue
            needed = ['id', 'image_id', 'category_id', 'bbox', 'keypoints',
                      'iscrowd'] + (['area'] if use_area else []) + (
                          ['num_keypoints'] if crowd else [])
            missing = [key for key in needed if key not in ann]
            if missing:
                hint = (' (or set use_area=False)' if missing == ['area']
                        else '')
                raise ValueError(
                    f'CocoMetric: the raw_ann_info annotation '
                    f'{plain(ann.get("id"))!r} of '
                    f'image {img_id!r} lacks {missing}, which evaluating '
                    f'without ann_file needs{hint}')
            annotations.append({key: plain(ann[key]) for key in needed})
    return dict(
        info=dict(date_created=str(datetime.datetime.now()),
                  description='COCO json file converted by posecore '
                  'CocoMetric.'),
        images=images, categories=[plain(c) for c in categories],
        licenses=None, annotations=annotations)
