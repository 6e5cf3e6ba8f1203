"""Generate a synthetic COCO person-keypoints dataset (the embedded default data).

``generate_dataset(out_dir, train=2000, val=500, seed=0)`` renders the
images in worker processes (one per CPU by default), writes them as JPEG and
writes the annotation and detection files (layout in :mod:`.layout`).
The same arguments give the same files byte for byte, whatever ``workers``:
each image draws from its own generator seeded by ``(seed, split, index)``,
JPEG settings are fixed and JSON keys sorted. (Across machines, bytes can
differ where numpy or OpenCV round differently, e.g. another libjpeg build.)

How hard it is: a model that predicts the training set's mean pose inside
each box (normalised to the box) scores COCO keypoint AP 0.000 (AR 0.001),
with ground-truth boxes and with the detected boxes alike, on the validation
split of ``--train 2000 --val 500 --seed 0`` (:mod:`.baseline`), while the
ground truth itself scores 1.0 through the same evaluation.

Speed: 2,000 images (256 px) in about 22 s with the two workers of a 2-core
machine (about 10 ms of CPU per image, JPEG encoding included).
"""
from __future__ import annotations

import os
import shutil
import time
from dataclasses import dataclass, field
from numbers import Integral
from pathlib import Path
from typing import Iterator

from .layout import (GENERATOR_VERSION, INFO_FILE, SPLIT_NAMES, annotation_file, coco_document,
                     detection_file, image_dir, image_name, outputs, write_bytes, write_json)
from .progress import ProgressBar

MIN_SIZE, MAX_SIZE = 64, 4096


@dataclass
class Summary:
    """What a run wrote: counts per split and the share of each visibility flag."""

    out_dir: Path
    images: dict[str, int] = field(default_factory=dict)
    persons: dict[str, int] = field(default_factory=dict)
    visibility: dict[int, int] = field(default_factory=lambda: {0: 0, 1: 0, 2: 0})
    seconds: float = 0.0

    def text(self) -> str:
        total = sum(self.visibility.values()) or 1
        share = ', '.join(f'v={v}: {100 * n / total:.0f}%'
                          for v, n in sorted(self.visibility.items()))
        splits = ', '.join(f'{split} {self.images[split]} images / {self.persons[split]} persons'
                           for split in self.images)
        return f'wrote {splits} to {self.out_dir} in {self.seconds:.1f}s (keypoints {share})'


def available_cpus() -> int:
    """CPUs this process may run on (its affinity mask where the OS has one)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # macOS, Windows
        return os.cpu_count() or 1


def _check_int(name: str, value: object, minimum: int, maximum: int | None = None) -> int:
    if not isinstance(value, Integral) or isinstance(value, bool) or value < minimum \
            or (maximum is not None and value > maximum):
        rule = f'a whole number >= {minimum}' + ('' if maximum is None else f' and <= {maximum}')
        raise ValueError(f'{name} must be {rule}, got {value!r}')
    return int(value)


def _prepare_out_dir(out_dir: Path, overwrite: bool) -> None:
    if out_dir.exists() and not out_dir.is_dir():
        raise ValueError(f'OUT_DIR {str(out_dir)!r} is a file, not a folder; give a folder '
                         f'path (it is created when missing)')
    if out_dir.is_dir():
        entries = sorted(p.name for p in out_dir.iterdir())
        if entries and not overwrite:
            shown = ', '.join(entries[:5]) + (', ...' if len(entries) > 5 else '')
            raise ValueError(f'OUT_DIR {str(out_dir)!r} is not empty (it holds {shown}); give an '
                             f'empty or new folder, or pass --overwrite (overwrite=True) to '
                             f'replace what the generator writes there')
        for path in outputs(out_dir):  # only the generator's own files and folders
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path)
            elif path.exists() or path.is_symlink():
                path.unlink()
    for split in SPLIT_NAMES:
        image_dir(out_dir, split).mkdir(parents=True, exist_ok=True)


# (out_dir, seed, size, split, index) -> (split, index, width, height, instances, detections)
_Task = tuple[str, int, int, str, int]


def _init_worker() -> None:
    import cv2

    cv2.setNumThreads(1)  # one process per core already


def _render_one(task: _Task) -> tuple[str, int, int, int, list[dict], list[dict]]:
    from .scene import render_scene

    out_dir, seed, size, split, index = task
    scene = render_scene(seed, split, index, size)
    write_bytes(image_dir(Path(out_dir), split) / image_name(index + 1), scene.jpeg())
    return split, index, scene.width, scene.height, scene.instances, scene.detections


def _run(tasks: list[_Task], workers: int) -> Iterator:
    if workers <= 1:
        _init_worker()
        yield from map(_render_one, tasks)
        return
    import multiprocessing

    # spawn: no inherited OpenCV thread pool or locks; the workers import little
    ctx = multiprocessing.get_context('spawn')
    chunk = max(1, min(16, len(tasks) // (workers * 8)))
    with ctx.Pool(workers, initializer=_init_worker) as pool:
        yield from pool.imap(_render_one, tasks, chunksize=chunk)


def generate_dataset(out_dir: str | os.PathLike, train: int = 2000, val: int = 500, seed: int = 0,
                     size: int = 256, workers: int | None = None, overwrite: bool = False,
                     progress: bool = True) -> Summary:
    """Write a synthetic COCO person-keypoints dataset under ``out_dir``.

    :param out_dir: folder to create (or an empty one); layout as MMPose's ``data/coco``.
    :param train: number of training images (0: no train split is written).
    :param val: number of validation images (0: no val split is written).
    :param seed: the dataset's seed; the same seed gives the same bytes.
    :param size: longer image side in pixels (64..4096).
    :param workers: processes rendering images; default: the CPUs this process may use.
    :param overwrite: allow a non-empty ``out_dir``; the generator's own outputs
        there are deleted first, anything else is left alone.
    :param progress: draw a progress bar on stderr.
    :raises ValueError: a bad count, seed, size, worker count or ``out_dir``.
    """
    train = _check_int('train (the number of training images)', train, 0)
    val = _check_int('val (the number of validation images)', val, 0)
    if train == 0 and val == 0:
        raise ValueError('train and val are both 0: nothing to generate; ask for at least '
                         'one image')
    seed = _check_int('seed', seed, 0, 2**63 - 1)
    size = _check_int('size (the longer image side in pixels)', size, MIN_SIZE, MAX_SIZE)
    if workers is None:
        workers = available_cpus()
    workers = _check_int('workers', workers, 1)
    root = Path(out_dir)
    _prepare_out_dir(root, overwrite)

    counts = {'train': train, 'val': val}
    tasks: list[_Task] = [(str(root), seed, size, split, i)
                          for split in SPLIT_NAMES for i in range(counts[split])]
    summary = Summary(out_dir=root)
    images: dict[str, list[dict]] = {split: [] for split in SPLIT_NAMES}
    annotations: dict[str, list[dict]] = {split: [] for split in SPLIT_NAMES}
    detections: dict[str, list[dict]] = {split: [] for split in SPLIT_NAMES}
    start = time.monotonic()
    bar = ProgressBar(len(tasks), 'posecore coco synth', enabled=progress)
    try:
        for split, index, width, height, instances, dets in _run(tasks, min(workers, len(tasks))):
            image_id = index + 1
            images[split].append(dict(id=image_id, file_name=image_name(image_id),
                                      width=width, height=height))
            for inst in instances:
                ann_id = len(annotations[split]) + 1
                annotations[split].append(dict(inst, id=ann_id, image_id=image_id, category_id=1,
                                               iscrowd=0))
                for v in inst['keypoints'][2::3]:
                    summary.visibility[int(v)] += 1
            detections[split] += [dict(det, image_id=image_id, category_id=1) for det in dets]
            bar.update()
    finally:
        bar.close()
    for split in SPLIT_NAMES:
        if not counts[split]:
            image_dir(root, split).rmdir()
            continue
        write_json(detection_file(root, split), detections[split])
        write_json(annotation_file(root, split),
                   coco_document(split, seed, images[split], annotations[split]))
        summary.images[split] = counts[split]
        summary.persons[split] = len(annotations[split])
    write_json(root / INFO_FILE, dict(generator='posecore coco synth', version=GENERATOR_VERSION,
                                      seed=seed, size=size, train=train, val=val))
    summary.seconds = time.monotonic() - start
    return summary

