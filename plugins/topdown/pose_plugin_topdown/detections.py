"""Person boxes from a COCO-style detection file, for ``posecore infer --bboxes``.

Two layouts are read:

- a detection result list, as detectors and MMPose's ``bbox_file`` write it:
  ``[{"image_id": 785, "bbox": [x, y, w, h], "score": 0.99, "category_id": 1}, ...]``;
- a COCO dict ``{"images": [{"id": 785, "file_name": "000000000785.jpg"}, ...],
  "annotations": [{"image_id": 785, "bbox": [x, y, w, h]}, ...]}`` (e.g. a
  ground-truth file: its boxes, score 1).

A box belongs to an input image when, in this order of trust, its entry has a
``file_name`` equal to the image's file name; its ``image_id`` maps through
``images`` to that file name; its ``image_id`` equals the file's stem
(``"000000000785"``), or the stem read as a number (COCO's naming:
``000000000785.jpg`` is image 785). Boxes are ``xywh`` in the file and come
out ``xyxy``; entries without ``score`` get 1.
"""
from __future__ import annotations

import json
import os.path as osp
from collections import defaultdict
from typing import Any, Mapping, Optional

import numpy as np


class DetectionFileError(ValueError):
    """A detection file that cannot be read as COCO-style boxes."""


def _key(value: Any) -> str:
    """Image ids compare as text without leading zeros when numeric."""
    text = str(value).strip()
    return str(int(text)) if text.isdigit() else text


class Detections:
    """The boxes of a detection file, looked up by image path.

    :param path: the JSON file (see the module docstring for its layouts).
    :raises DetectionFileError: unreadable JSON, another layout, or an entry
        without a 4-number ``bbox`` (named by its index).
    """

    def __init__(self, path: str) -> None:
        self.path = path
        try:
            with open(path) as f:
                data = json.load(f)
        except FileNotFoundError:
            raise DetectionFileError(f'detection file {path!r} does not exist') from None
        except (OSError, ValueError) as exc:
            raise DetectionFileError(f'detection file {path!r} is not readable JSON: '
                                     f'{exc}') from None
        id_to_file: dict[str, str] = {}
        if isinstance(data, Mapping):
            if not isinstance(data.get('annotations'), list):
                raise DetectionFileError(
                    f'detection file {path!r} is a dict without an "annotations" list; give '
                    f'a list of {{"image_id", "bbox": [x, y, w, h], "score"}} entries or a '
                    f'COCO dict with "images" and "annotations"')
            for image in data.get('images') or []:
                if isinstance(image, Mapping) and 'id' in image and 'file_name' in image:
                    id_to_file[_key(image['id'])] = osp.basename(str(image['file_name']))
            entries = data['annotations']
        elif isinstance(data, list):
            entries = data
        else:
            raise DetectionFileError(
                f'detection file {path!r} holds a {type(data).__name__}; give a list of '
                f'{{"image_id", "bbox": [x, y, w, h], "score"}} entries')
        self._by_file: dict[str, list[int]] = defaultdict(list)
        self._by_id: dict[str, list[int]] = defaultdict(list)
        boxes, scores = [], []
        for index, entry in enumerate(entries):
            if not isinstance(entry, Mapping):
                raise DetectionFileError(f'detection file {path!r}: entry {index} is not a '
                                         f'dict: {entry!r}')
            bbox = entry.get('bbox')
            try:
                values = np.asarray(bbox, dtype=np.float32).reshape(-1)
            except (TypeError, ValueError):
                values = np.zeros(0)
            if values.size < 4 or not np.isfinite(values[:4]).all():
                raise DetectionFileError(
                    f'detection file {path!r}: entry {index} has bbox {bbox!r}; expected '
                    f'[x, y, w, h] (4 finite numbers)')
            boxes.append(values[:4])
            scores.append(float(entry.get('score', 1.0)))
            row = len(boxes) - 1
            if entry.get('file_name') is not None:
                self._by_file[osp.basename(str(entry['file_name']))].append(row)
            elif entry.get('image_id') is not None:
                image_id = _key(entry['image_id'])
                if image_id in id_to_file:
                    self._by_file[id_to_file[image_id]].append(row)
                else:
                    self._by_id[image_id].append(row)
        xywh = np.array(boxes, dtype=np.float32).reshape(-1, 4)
        self._xyxy = np.concatenate([xywh[:, :2], xywh[:, :2] + xywh[:, 2:]], axis=1)
        self._scores = np.array(scores, dtype=np.float32)

    def __len__(self) -> int:
        return len(self._scores)

    def lookup(self, img_path: str) -> Optional[tuple[np.ndarray, np.ndarray]]:
        """``(boxes_xyxy (N, 4), scores (N,))`` of an image; None when the
        file names no box for it."""
        name = osp.basename(img_path)
        rows = self._by_file.get(name)
        if rows is None:
            rows = self._by_id.get(_key(osp.splitext(name)[0]))
        if rows is None:
            return None
        return self._xyxy[rows], self._scores[rows]
