"""One synthetic image: background, 1-3 figures, occluders, and its annotations.

Everything random in an image comes from one generator seeded by
``(seed, split, index)``, so an image's bytes do not depend on which worker
made it or in which order. Visibility flags follow COCO: 2 labelled and
visible, 1 labelled but hidden (by an object, another figure or the figure's
own trunk or limbs; the far eye of a face in profile), 0 not labelled (outside
the image, or the eyes and nose of a head seen from behind), with x = y = 0.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import cv2
import numpy as np

from .appearance import sample_appearance
from .background import SHIFT, background, draw_textured, occluder_polygon, to_fixed
from .figure import pose_figure, sample_body, sample_pose, sample_view
from .keypoints import KPT, NUM_KEYPOINTS
from .render import (EARS, EYES, KEYPOINT_PARTS, NOSE, OCCLUDER_LABEL, PARTS_PER_FIGURE, Canvas,
                     PlacedFigure, draw_figure, part_label)

SPLITS: dict[str, int] = {'train': 0, 'val': 1}
JPEG_QUALITY = 92
MIN_LABELLED = 8                # keypoints a figure keeps inside the image


#: (17, 2) parts showing each keypoint (a single owner repeated)
_OWNERS = np.array([owners * 2 if len(owners) == 1 else owners for owners in KEYPOINT_PARTS])


def image_rng(seed: int, split: str, index: int) -> np.random.Generator:
    """The random generator of image ``index`` of ``split``."""
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(SPLITS[split], index)))


@dataclass
class Scene:
    """A rendered image and its annotations (no ids yet).

    :param instances: per figure ``keypoints`` (51 floats), ``num_keypoints``,
        ``bbox`` (xywh), ``area``, ``segmentation`` (polygons).
    :param detections: noisy person boxes ``{'bbox': xywh, 'score': s}``.
    """

    image: np.ndarray
    instances: list[dict] = field(default_factory=list)
    detections: list[dict] = field(default_factory=list)

    @property
    def height(self) -> int:
        return int(self.image.shape[0])

    @property
    def width(self) -> int:
        return int(self.image.shape[1])

    def jpeg(self) -> bytes:
        """The image as JPEG bytes (fixed quality, no optimisation: same bytes every run)."""
        ok, data = cv2.imencode('.jpg', self.image, [cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY,
                                                     cv2.IMWRITE_JPEG_OPTIMIZE, 0])
        if not ok:
            raise RuntimeError('OpenCV could not encode a JPEG image')
        return data.tobytes()


def _image_size(rng: np.random.Generator, size: int) -> tuple[int, int]:
    """(height, width): landscape, portrait or square, longer side ``size``."""
    u = rng.uniform()
    short = int(round(size * rng.uniform(0.68, 0.85)))
    if u < 0.5:
        return short, size
    if u < 0.8:
        return size, short
    return size, size


def _iou(a: np.ndarray, b: np.ndarray) -> float:
    w = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    h = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = w * h
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


def _inside(points: np.ndarray, height: int, width: int) -> np.ndarray:
    return ((points[:, 0] >= -0.5) & (points[:, 0] < width - 0.5)
            & (points[:, 1] >= -0.5) & (points[:, 1] < height - 0.5))


def _place_figures(rng: np.random.Generator, height: int, width: int) -> list[PlacedFigure]:
    count = int(rng.choice(3, p=(0.55, 0.3, 0.15))) + 1
    lo, hi = {1: (0.55, 0.95), 2: (0.45, 0.85), 3: (0.4, 0.72)}[count]
    placed: list[PlacedFigure] = []
    for _ in range(count):
        fig = pose_figure(sample_body(rng), sample_pose(rng), sample_view(rng))
        look = sample_appearance(rng)
        scale = rng.uniform(lo, hi) * height
        for _attempt in range(30):
            cand = PlacedFigure(fig, look, scale, np.zeros(2))
            box = cand.extent()
            bw, bh = box[2] - box[0], box[3] - box[1]
            if rng.uniform() < 0.15:  # cut by the image border
                x = rng.uniform(-0.35 * bw, width - 0.65 * bw)
                y = rng.uniform(-0.35 * bh, height - 0.65 * bh)
            else:
                x = rng.uniform(min(0.0, width - bw), max(0.0, width - bw))
                y = rng.uniform(min(0.0, height - bh), max(0.0, height - bh))
            cand.origin = np.array([x - box[0], y - box[1]])
            if _inside(cand.keypoints_2d(), height, width).sum() < MIN_LABELLED:
                continue
            ext = cand.extent()
            if any(_iou(ext, other.extent()) > 0.4 for other in placed):
                continue
            placed.append(cand)
            break
    # smaller figures stand further away: draw them first
    return sorted(placed, key=lambda p: p.scale)


def _visibility(canvas: Canvas, placed: PlacedFigure, figure: int, kp: np.ndarray) -> np.ndarray:
    height, width = canvas.labels.shape
    inside = _inside(kp, height, width)
    cols = np.clip(np.round(kp[:, 0]).astype(np.int64), 0, width - 1)
    rows = np.clip(np.round(kp[:, 1]).astype(np.int64), 0, height - 1)
    seen = canvas.labels[rows, cols].astype(np.int64)
    # visible where the pixel shows one of the keypoint's own parts of this figure
    shown = (seen[:, None] == part_label(figure, _OWNERS)).any(axis=1)
    vis = np.where(inside, np.where(shown, 2, 1), 0)
    axes = placed.fig.head_axes
    if axes[2, 2] < -0.3:  # the face is turned away: its points are not labelled, as in COCO
        vis[[KPT['nose'], KPT['left_eye'], KPT['right_eye']]] = 0
    else:
        for k, direction in ((KPT['nose'], NOSE), (KPT['left_eye'], EYES[0]),
                             (KPT['right_eye'], EYES[1])):
            if (axes @ direction)[2] < 0.05:
                vis[k] = min(vis[k], 1)
    for k, direction in ((KPT['left_ear'], EARS[0]), (KPT['right_ear'], EARS[1])):
        if (axes @ direction)[2] < -0.1:
            vis[k] = min(vis[k], 1)
    return vis


def _segmentation(mask: np.ndarray) -> list[list[float]]:
    contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    polygons = []
    for contour in contours:
        poly = cv2.approxPolyDP(contour, 0.8, True).reshape(-1, 2)
        if len(poly) >= 3:
            polygons.append([float(v) for v in poly.reshape(-1)])
    return polygons


def _annotate(canvas: Canvas, placed: list[PlacedFigure]) -> list[dict]:
    instances = []
    for i, fig in enumerate(placed):
        mask = canvas.masks[i]
        rows, cols = np.nonzero(mask.any(1))[0], np.nonzero(mask.any(0))[0]
        if len(rows) == 0:
            continue
        kp = fig.keypoints_2d()
        vis = _visibility(canvas, fig, i, kp)
        if not vis.any():
            continue
        kp = np.where(vis[:, None] > 0, np.round(kp, 2), 0.0)
        x0, x1, y0, y1 = int(cols[0]), int(cols[-1]), int(rows[0]), int(rows[-1])
        bbox = [float(x0), float(y0), float(x1 - x0 + 1), float(y1 - y0 + 1)]
        x, y, w, h = bbox
        segmentation = _segmentation(mask) or [[x, y, x + w, y, x + w, y + h, x, y + h]]
        flat = np.concatenate([kp, vis[:, None]], axis=1).reshape(-1)
        instances.append(dict(
            keypoints=[int(v) if v == int(v) else float(v) for v in flat.tolist()],
            num_keypoints=int((vis > 0).sum()), bbox=bbox, area=float(mask.sum()),
            segmentation=segmentation,
            visible_fraction=float((vis == 2).sum()) / max(1, int((vis > 0).sum()))))
    return instances


def _detections(rng: np.random.Generator, instances: list[dict], height: int,
                width: int) -> list[dict]:
    """A detector's output: jittered true boxes, a few duplicates, misses and false alarms."""
    dets = []

    def add(cx: float, cy: float, w: float, h: float, score: float) -> None:
        x0, y0 = max(0.0, cx - w / 2), max(0.0, cy - h / 2)
        x1, y1 = min(float(width), cx + w / 2), min(float(height), cy + h / 2)
        if x1 - x0 >= 2 and y1 - y0 >= 2:
            box = [round(x0, 2), round(y0, 2), round(x1 - x0, 2), round(y1 - y0, 2)]
            dets.append(dict(bbox=box, score=round(float(np.clip(score, 0.01, 1.0)), 4)))

    for inst in instances:
        x, y, w, h = inst['bbox']
        if rng.uniform() < 0.02:
            continue  # missed
        jitter = 0.04
        add(x + w / 2 + rng.normal(0, jitter) * w, y + h / 2 + rng.normal(0, jitter) * h,
            w * math.exp(rng.normal(0, 0.07)), h * math.exp(rng.normal(0, 0.07)),
            rng.uniform(0.8, 1.0) * (0.65 + 0.35 * inst['visible_fraction']))
        if rng.uniform() < 0.08:  # a duplicate, worse placed and less sure
            add(x + w / 2 + rng.normal(0, 0.12) * w, y + h / 2 + rng.normal(0, 0.12) * h,
                w * math.exp(rng.normal(0, 0.2)), h * math.exp(rng.normal(0, 0.2)),
                rng.uniform(0.2, 0.6))
    for _ in range(int(rng.poisson(0.5))):  # false alarms on the background
        w = rng.uniform(0.08, 0.45) * width
        h = min(height * 0.95, w * rng.uniform(1.2, 3.0))
        add(rng.uniform(0, width), rng.uniform(0, height), w, h, rng.uniform(0.05, 0.5))
    dets.sort(key=lambda d: -d['score'])
    return dets


def render_scene(seed: int, split: str, index: int, size: int) -> Scene:
    """Draw image ``index`` of ``split`` for ``seed``, longer side ``size`` pixels."""
    rng = image_rng(seed, split, index)
    height, width = _image_size(rng, size)
    img = background(rng, height, width)
    placed = _place_figures(rng, height, width)
    canvas = Canvas(img, len(placed))
    light = np.array([rng.uniform(-0.6, 0.6), rng.uniform(0.2, 0.8), 0.8])
    light /= np.linalg.norm(light)
    for i, fig in enumerate(placed):
        draw_figure(canvas, fig, i, light)
    if placed and rng.uniform() < 0.3:
        for _ in range(1 if rng.uniform() < 0.8 else 2):
            target = placed[int(rng.integers(len(placed)))]
            anchor = target.keypoints_2d()[int(rng.integers(NUM_KEYPOINTS))]
            size_px = rng.uniform(0.12, 0.32) * target.scale
            poly = occluder_polygon(rng, anchor + rng.normal(0, 0.1 * target.scale, 2), size_px)
            draw_textured(canvas.img, poly, rng)
            cv2.fillPoly(canvas.labels, [to_fixed(poly)], OCCLUDER_LABEL, cv2.LINE_8, SHIFT)
    img = canvas.img
    if rng.uniform() < 0.2:
        img = cv2.GaussianBlur(img, (0, 0), rng.uniform(0.3, 0.8))
    if rng.uniform() < 0.5:  # exposure and sensor noise
        gain, offset, noise = rng.uniform(0.85, 1.15), rng.uniform(-15, 15), rng.uniform(0, 4)
        out = img.astype(np.float32) * gain + offset
        out += rng.normal(0.0, noise, img.shape).astype(np.float32)
        img = np.clip(out + 0.5, 0, 255).astype(np.uint8)
    canvas.img = img
    instances = _annotate(canvas, placed)
    dets = _detections(rng, instances, height, width)
    for inst in instances:
        del inst['visible_fraction']
    return Scene(image=img, instances=instances, detections=dets)


assert PARTS_PER_FIGURE * 3 < OCCLUDER_LABEL
