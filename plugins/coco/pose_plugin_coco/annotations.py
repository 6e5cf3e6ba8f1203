"""COCO-format keypoint annotation and detection files, read and parsed vectorised.

MMPose reads these through xtcocotools' ``COCO``, which builds several
indexes of every annotation, then parses each instance with a handful of
small NumPy calls and a deep copy. Here the JSON is parsed once with the
standard library and every numeric field of all instances is converted in a
few array operations; the per-instance data infos are views into those
arrays. The results (order, values, dtypes) are MMPose's.

Shapes: N instances, K keypoints; boxes are xyxy.
"""
from __future__ import annotations

import json
import os.path as osp
import warnings
from dataclasses import dataclass
from typing import Any, Iterable, Sequence

import numpy as np

from posecore.errors import DataError, DataNotFoundError

#: the keys of a COCO keypoint annotation file (ground truth)
REQUIRED_KEYS = ('images', 'annotations', 'categories')
#: an annotation file used only for image information next to a ``bbox_file``
#: (e.g. COCO's ``image_info_test-dev2017.json``) needs no annotations
DETECTION_REQUIRED_KEYS = ('images', 'categories')
#: MMPose's area estimate of a person from its box when ``area`` is absent
AREA_FROM_BOX = 0.53
#: person category: detections of other categories are skipped, as MMPose does
PERSON_CATEGORY = 1
#: marks an instance whose image has no ``crowdIndex`` (None is a value a file may hold)
ABSENT = object()
#: the type of MMPose's labelled-keypoint count (``np.count_nonzero``: np.int64 under NumPy 2)
_COUNT_TYPE = type(np.count_nonzero(np.ones(1)))


#: MPII's and WFLW's person and face scales are in units of 200 px
PIXEL_STD = 200.


def box_of_center_scale(center: np.ndarray, scale: np.ndarray) -> np.ndarray:
    """The ``(1, 4)`` xyxy box of ``center`` ``(1, 2)`` and size ``scale`` ``(1, 2)``
    (MMPose's ``bbox_cs2xyxy``, no padding), in their dtype."""
    corner = center - 0.5 * scale
    return np.hstack((corner, corner + scale))


def is_valid_instance(info: dict) -> bool:
    """MMPose's ``_is_valid_instance`` on one top-down data info: not a crowd, labelled
    keypoints, a box with area, some coordinate > 0; keys the info lacks are not
    checked, and NaN passes, as there (:func:`parse_instances` does the same, vectorised)."""
    if info.get('iscrowd') or info.get('num_keypoints', 1) == 0:
        return False
    if 'bbox' in info:
        w, h = info['bbox'][0][2:4] - info['bbox'][0][:2]
        if w <= 0 or h <= 0:
            return False
    return not ('keypoints' in info and np.max(info['keypoints']) <= 0)


def _few(values: Sequence[Any], limit: int = 5) -> str:
    shown = ', '.join(map(repr, values[:limit]))
    return shown + (f' and {len(values) - limit} more' if len(values) > limit else '')


def read_json(path: str, what: str, backend_args: dict | None = None) -> Any:
    """The parsed JSON of ``path``, read through ``mmengine.fileio`` (local, HTTP, Petrel, LMDB...).

    :param what: how errors name the file (``'annotation file'``).
    :raises FileNotFoundError: the file does not exist.
    :raises ValueError: it is not JSON.
    """
    from mmengine.fileio import get_file_backend  # deferred: import-light module

    backend = get_file_backend(path, backend_args=backend_args, enable_singleton=True)
    try:
        if hasattr(backend, 'get_local_path'):
            # local files are parsed straight from disk, without a copy of their bytes
            with backend.get_local_path(str(path)) as local, open(local, 'rb') as f:
                return json.load(f)
        data = backend.get(str(path))
        if data is None:  # LMDB answers None for a missing key
            raise FileNotFoundError(path)
        return json.loads(data)
    except FileNotFoundError:
        raise DataNotFoundError(f'{what} {str(path)!r} does not exist') from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise DataError(f'{what} {str(path)!r} is not valid JSON: {exc}') from None


def load_coco_file(path: str, backend_args: dict | None = None,
                   required: Iterable[str] = REQUIRED_KEYS) -> dict[str, Any]:
    """A COCO annotation file as a dict, checked to hold the ``required`` lists.

    :raises ValueError: not a JSON object, or a required key is missing or not a list.
    """
    data = read_json(path, 'annotation file', backend_args)
    expected = ', '.join(map(repr, REQUIRED_KEYS))
    if not isinstance(data, dict):
        raise DataError(f'annotation file {str(path)!r} must hold a JSON object with {expected} '
                         f'(COCO format), got a JSON {type(data).__name__}')
    missing = [key for key in required if key not in data]
    if missing:
        raise DataError(f'annotation file {str(path)!r} lacks {", ".join(map(repr, missing))}: '
                         f'a COCO keypoint annotation file has {expected}')
    for key in required:
        if not isinstance(data[key], list):
            raise DataError(f'annotation file {str(path)!r}: {key!r} must be a list, got '
                             f'{type(data[key]).__name__}')
    return data


def index_by_id(entries: list, key: str, path: str) -> dict[Any, dict]:
    """``{id: entry}`` in file order, the last entry winning for a repeated id (as ``COCO``)."""
    try:
        return {entry['id']: entry for entry in entries}
    except (KeyError, TypeError):
        bad = next(i for i, e in enumerate(entries) if not isinstance(e, dict) or 'id' not in e)
        raise DataError(f'annotation file {str(path)!r}: {key}[{bad}] has no "id": '
                         f'{entries[bad]!r:.200}') from None


def categories(data: dict, path: str) -> list[dict]:
    """The category dicts as MMPose keeps them in ``metainfo['CLASSES']``."""
    by_id = index_by_id(data['categories'], 'categories', path)
    return [by_id[cat['id']] for cat in data['categories']]


def _column(rows: list[dict], key: str, path: str, what: str = 'annotation') -> list:
    try:
        return [row[key] for row in rows]
    except KeyError:
        bad = next(row for row in rows if key not in row)
        raise DataError(f'annotation file {str(path)!r}: {what} id={bad.get("id")!r} has no '
                         f'{key!r}') from None


def _numbers(rows: list, lengths: np.ndarray, size: int, field: str, ids: list,
             path: str, dtype: type) -> np.ndarray:
    """``rows`` (lists of ``size`` numbers each) as an ``(N, size)`` array."""
    bad = np.flatnonzero(lengths != size)
    if bad.size:
        raise DataError(
            f'annotation file {str(path)!r}: {field} must hold {size} values, but annotation '
            + ', '.join(f'id={ids[i]!r} has {lengths[i]}' for i in bad[:5])
            + (f' (and {bad.size - 5} more)' if bad.size > 5 else ''))
    try:
        return np.array(rows, dtype=dtype).reshape(len(rows), size)
    except (TypeError, ValueError):
        for i, row in enumerate(rows):  # the slow path only finds the culprit
            try:
                np.array(row, dtype=dtype)
            except (TypeError, ValueError):
                raise DataError(f'annotation file {str(path)!r}: annotation id={ids[i]!r} has '
                                 f'a {field} value that is not a number: {row!r:.200}') from None
        raise


def _lengths(rows: list, field: str, ids: list, path: str) -> np.ndarray:
    try:
        return np.fromiter(map(len, rows), dtype=np.intp, count=len(rows))
    except TypeError:
        bad = next(i for i, row in enumerate(rows) if not hasattr(row, '__len__'))
        raise DataError(f'annotation file {str(path)!r}: annotation id={ids[bad]!r} has '
                         f'{field}={rows[bad]!r}, expected a list of numbers') from None


@dataclass
class Instances:
    """The annotations MMPose's ``BaseCocoStyleDataset`` keeps, in its order, as arrays.

    Order: images in file order (each id once), within an image its
    annotations in file order. Row ``i`` of each array is instance ``i``.
    """

    anns: list[dict]             #: raw annotation dicts (``raw_ann_info``)
    image_rows: np.ndarray       #: (N,) position of the instance's image, for grouping
    img_paths: list[str]         #: per instance
    crowd_index: list | None     #: per instance or :data:`ABSENT`; None: no ``crowdIndex``
    bbox: np.ndarray             #: (N, 4) float32 xyxy, clipped to the image
    bbox_score: np.ndarray       #: (N,) float32 ones (ground truth)
    keypoints: np.ndarray        #: (N, K, 2) float32
    keypoints_visible: np.ndarray  #: (N, K) float32, ``min(1, v)``
    num_keypoints: list          #: per instance: the file's value or the labelled count
    area: np.ndarray             #: (N,) float32
    category_id: list | np.ndarray  #: (N,) int64 or a list of 0-d arrays
    iscrowd: list                #: per instance
    valid: np.ndarray            #: (N,) bool: MMPose's ``_is_valid_instance``

    def __len__(self) -> int:
        return len(self.anns)


def parse_instances(data: dict, path: str, img_prefix: str, num_keypoints: int | None,
                    sample_interval: int = 1) -> tuple[Instances, list[dict]]:
    """The keypoint instances of a COCO file and the image infos MMPose lists.

    :param data: the file's dict (:func:`load_coco_file`).
    :param img_prefix: joined with each image's ``file_name`` into ``img_path``.
    :param num_keypoints: K of the metainfo; each ``keypoints`` must hold 3K
        values (None: whatever the first annotation has, a multiple of 3).
    :param sample_interval: keep images whose id is a multiple of it.
    :returns: the instances, and per kept image a dict with ``img_id``,
        ``img_path`` and its file entry's fields.
    """
    all_images = index_by_id(data['images'], 'images', path)
    images = all_images if sample_interval == 1 else {
        i: img for i, img in all_images.items() if i % sample_interval == 0}
    image_list, rows_of = [], {}
    for row, (img_id, img) in enumerate(images.items()):
        if 'file_name' not in img:
            raise DataError(f'annotation file {str(path)!r}: image id={img_id!r} has no '
                             f'"file_name"')
        rows_of[img_id] = row
        image_list.append(dict(img, img_id=img_id,
                               img_path=osp.join(img_prefix, img['file_name'])))

    anns = data['annotations']
    ann_ids = index_by_id(anns, 'annotations', path)  # also checks each has an id
    if len(ann_ids) < len(anns):  # COCO's loadAnns gives the last one of a repeated id
        anns = [ann_ids[ann['id']] for ann in anns]
    image_of = _column(data['annotations'], 'image_id', path)
    rows = np.fromiter((rows_of.get(i, -1) for i in image_of), dtype=np.intp, count=len(anns))
    unknown = {i for i, r in zip(image_of, rows.tolist()) if r < 0 and i not in all_images}
    if unknown:
        warnings.warn(f'annotation file {str(path)!r}: annotations name image ids that are '
                      f'not in "images" ({_few(sorted(unknown, key=repr))}); they are skipped, '
                      'as MMPose skips them', stacklevel=3)
    usable = (rows >= 0) & np.fromiter(('bbox' in a and 'keypoints' in a for a in anns),
                                       dtype=bool, count=len(anns))
    order = np.flatnonzero(usable)
    order = order[np.argsort(rows[order], kind='stable')]
    kept = [anns[i] for i in order]
    image_rows = rows[order]
    return _instances(kept, image_rows, image_list, path, num_keypoints), image_list


def _instances(kept: list[dict], image_rows: np.ndarray, image_list: list[dict], path: str,
               num_keypoints: int | None) -> Instances:
    n = len(kept)
    ids = [ann['id'] for ann in kept]
    for ann in kept:  # xtcocotools' COCO adds it, so MMPose's raw_ann_info has it
        if 'iscrowd' not in ann:
            ann['iscrowd'] = False

    kpt_rows = [ann['keypoints'] for ann in kept]
    kpt_lengths = _lengths(kpt_rows, 'keypoints', ids, path)
    if num_keypoints is None:
        num_keypoints = int(kpt_lengths[0]) // 3 if n else 0
    k = num_keypoints
    flat = _numbers(kpt_rows, kpt_lengths, 3 * k, 'keypoints (x, y, v per keypoint)', ids, path,
                    np.float32).reshape(n, k, 3)
    keypoints = np.ascontiguousarray(flat[..., :2])
    visible = np.minimum(1, flat[..., 2])

    box_rows = [ann['bbox'] for ann in kept]
    box = _numbers(box_rows, _lengths(box_rows, 'bbox', ids, path), 4, 'bbox (x, y, w, h)', ids,
                   path, np.float64)
    try:
        sizes = np.array([(img.get('width', np.nan), img.get('height', np.nan))
                          for img in image_list], dtype=np.float64).reshape(-1, 2)
    except (TypeError, ValueError):
        sizes = np.full((len(image_list), 2), np.nan)  # named below
    unsized = np.unique(image_rows[np.isnan(sizes).any(axis=1)[image_rows]])
    if unsized.size:
        raise DataError(f'annotation file {str(path)!r}: images '
                         f'{_few([image_list[r]["img_id"] for r in unsized])} need a numeric '
                         '"width" and "height" (boxes are clipped to the image)')
    _check_coordinates(flat, box, ids, path)
    sizes = sizes[image_rows]
    right, bottom = sizes[:, 0] - 1, sizes[:, 1] - 1
    x1 = np.clip(box[:, 0], 0, right)
    y1 = np.clip(box[:, 1], 0, bottom)
    x2 = np.clip(box[:, 0] + box[:, 2], 0, right)
    y2 = np.clip(box[:, 1] + box[:, 3], 0, bottom)
    bbox = np.stack([x1, y1, x2, y2], axis=1).astype(np.float32)

    has_area = np.fromiter(('area' in ann for ann in kept), dtype=bool, count=n)
    area = np.clip((x2 - x1) * (y2 - y1) * AREA_FROM_BOX, 1.0, None).astype(np.float32)
    if has_area.any():
        given = [ann['area'] for ann in kept if 'area' in ann]
        try:
            area[has_area] = np.array(given, dtype=np.float32)
        except (TypeError, ValueError):
            bad = next(a for a in kept if 'area' in a and not _is_number(a['area']))
            raise DataError(f'annotation file {str(path)!r}: annotation id={bad["id"]!r} has '
                             f'area={bad["area"]!r}, expected a number') from None

    labelled = np.count_nonzero(keypoints.max(axis=2), axis=1) if k else np.zeros(n, int)
    num_kpts = [ann['num_keypoints'] if 'num_keypoints' in ann else _COUNT_TYPE(c)
                for ann, c in zip(kept, labelled.tolist())]
    cats = _column(kept, 'category_id', path)
    category_id = (np.array(cats, dtype=np.int64)
                   if all(type(c) is int for c in cats) else [np.array(c) for c in cats])
    iscrowd = [ann['iscrowd'] for ann in kept]

    # MMPose's _is_valid_instance: not crowd, labelled keypoints, a box with area, and
    # some keypoint coordinate > 0 (NaN comparisons stay "valid", as there)
    wh = bbox[:, 2:4] - bbox[:, :2]
    valid = (~np.fromiter(map(bool, iscrowd), dtype=bool, count=n)
             & np.fromiter((v != 0 for v in num_kpts), dtype=bool, count=n)
             & ~((wh[:, 0] <= 0) | (wh[:, 1] <= 0)))
    outside = (wh <= 0).any(axis=1) & (box[:, 2:4] > 0).all(axis=1)
    if outside.any():
        warnings.warn(f'annotation file {str(path)!r}: the boxes of annotations '
                      f'{_few([ids[i] for i in np.flatnonzero(outside)])} lie outside their '
                      f'image; they are skipped, as MMPose skips them', stacklevel=3)
    if k:
        valid &= ~(keypoints.reshape(n, 2 * k).max(axis=1, initial=-np.inf) <= 0)
    crowd = None
    if any('crowdIndex' in img for img in image_list):
        crowd = [image_list[r].get('crowdIndex', ABSENT) for r in image_rows.tolist()]
    img_paths = [image_list[r]['img_path'] for r in image_rows.tolist()]
    return Instances(anns=kept, image_rows=image_rows, img_paths=img_paths, crowd_index=crowd,
                     bbox=bbox, bbox_score=np.ones(n, dtype=np.float32), keypoints=keypoints,
                     keypoints_visible=visible, num_keypoints=num_kpts, area=area,
                     category_id=category_id, iscrowd=iscrowd, valid=valid)


def _check_coordinates(flat: np.ndarray, box: np.ndarray, ids: list, path: str) -> None:
    """Refuse NaN or infinite keypoints and boxes (values no annotation tool writes);
    warn about labelled keypoints (``v > 0``) at negative coordinates, which are kept,
    as MMPose keeps them (an instance whose every coordinate is <= 0 is skipped).

    :param flat: ``(N, K, 3)`` keypoints ``x, y, v``; ``box``: ``(N, 4)`` ``x, y, w, h``.
    :raises DataError: naming the annotation ids and what to do.
    """
    finite = np.isfinite(flat).all(axis=(1, 2)) & np.isfinite(box).all(axis=1)
    if not finite.all():
        bad = [ids[i] for i in np.flatnonzero(~finite)]
        raise DataError(f'annotation file {str(path)!r}: annotations {_few(bad)} hold NaN or '
                        f'infinite keypoint or bbox values (not finite numbers); fix or remove '
                        f'these annotations.')
    negative = ((flat[..., :2] < 0).any(axis=2) & (flat[..., 2] > 0)).any(axis=1)
    if negative.any():
        bad = [ids[i] for i in np.flatnonzero(negative)]
        warnings.warn(f'annotation file {str(path)!r}: annotations {_few(bad)} have labelled '
                      f'keypoints (v > 0) at negative coordinates, outside their image; they '
                      f'are kept, as MMPose keeps them: fix them or mark those keypoints '
                      f'unlabelled (v = 0)', stacklevel=4)


def _is_number(value: Any) -> bool:
    try:
        np.array(value, dtype=np.float32)
    except (TypeError, ValueError):
        return False
    return True


@dataclass
class Detections:
    """Person detections of a ``bbox_file`` joined with their images."""

    img_ids: list
    img_paths: list[str]
    img_shapes: list[tuple]      #: (height, width) per detection
    bbox: np.ndarray             #: (N, 4) float32 xyxy (not clipped, as MMPose)
    score: np.ndarray            #: (N,) float32

    def __len__(self) -> int:
        return len(self.img_ids)


def parse_detections(dets: Any, bbox_file: str, data: dict, ann_file: str,
                     img_prefix: str) -> Detections:
    """The person (category 1) detections of ``bbox_file``, in file order.

    :param dets: the parsed ``bbox_file``: a list of
        ``dict(image_id, category_id, bbox=[x, y, w, h], score)``.
    :param data: the annotation file's dict, for the images.
    :raises ValueError: not a list of dicts, a field is missing, or image ids
        are not in ``ann_file`` (all of them named).
    """
    if not isinstance(dets, list) or not all(isinstance(d, dict) for d in dets):
        raise DataError(f'bbox_file {str(bbox_file)!r} must hold a list of detections '
                         '(dicts with image_id, category_id, bbox, score), got '
                         f'{type(dets).__name__}')
    for key in ('category_id', 'image_id', 'bbox', 'score'):
        bad = next((i for i, d in enumerate(dets) if key not in d), None)
        if bad is not None:
            raise DataError(f'bbox_file {str(bbox_file)!r}: detection {bad} has no {key!r}: '
                             f'{dets[bad]!r:.200}')
    people = [d for d in dets if d['category_id'] == PERSON_CATEGORY]
    images = index_by_id(data['images'], 'images', ann_file)
    img_ids = [d['image_id'] for d in people]
    unknown = sorted({i for i in img_ids if i not in images}, key=repr)
    if unknown:
        raise DataError(f'bbox_file {str(bbox_file)!r} has detections for image ids '
                         f'{_few(unknown, 20)} that are not in ann_file {str(ann_file)!r}; use '
                         'the detections made for that annotation file')
    boxes = [d['bbox'][:4] for d in people]
    lengths = _lengths(boxes, 'bbox', list(range(len(boxes))), bbox_file)
    bad = np.flatnonzero(lengths != 4)
    if bad.size:
        raise DataError(f'bbox_file {str(bbox_file)!r}: detection bbox must be [x, y, w, h], '
                         f'got {people[bad[0]]["bbox"]!r}')
    bbox = np.array(boxes, dtype=np.float32).reshape(-1, 4)
    bbox[:, 2:] += bbox[:, :2]  # xywh -> xyxy in float32, as MMPose's bbox_xywh2xyxy
    score = np.array([d['score'] for d in people], dtype=np.float32).reshape(-1)
    paths, shapes = {}, {}
    for img_id in set(img_ids):
        img = images[img_id]
        paths[img_id] = osp.join(img_prefix, img['file_name'])
        shapes[img_id] = (img['height'], img['width'])
    return Detections(img_ids=img_ids, img_paths=[paths[i] for i in img_ids],
                      img_shapes=[shapes[i] for i in img_ids], bbox=bbox, score=score)
