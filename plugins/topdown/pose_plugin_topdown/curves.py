"""``posecore curves WORK_DIR``: the loss and metric curves of a run, drawn into a PNG.

Reads mmengine's ``<work_dir>/<timestamp>/vis_data/scalars.json`` (one JSON
object per logged step; the newest run folder unless ``--log`` names one) and
draws one panel per key with OpenCV, so no plotting library is needed.
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Sequence

import numpy as np

PANEL_W, PANEL_H, MARGIN = 480, 320, 48
COLOURS = ((200, 80, 30), (40, 140, 40), (30, 60, 200), (150, 40, 150))


class CurvesError(ValueError):
    """No log, or no value logged for a requested key."""


def find_scalars(work_dir: str | Path) -> Path:
    """The newest ``*/vis_data/scalars.json`` under ``work_dir``."""
    found = sorted(Path(work_dir).glob('*/vis_data/scalars.json'))
    if not found:
        raise CurvesError(f'no mmengine log (*/vis_data/scalars.json) under {str(work_dir)!r}; '
                          f'pass the work dir of a training run')
    return found[-1]


def read_series(scalars: Path, key: str) -> tuple[np.ndarray, np.ndarray]:
    """``(steps, values)`` logged for ``key`` (x: the ``step`` field mmengine writes)."""
    steps, values = [], []
    for line in scalars.read_text().splitlines():
        record = json.loads(line)
        if key in record:
            steps.append(float(record.get('step', len(steps))))
            values.append(float(record[key]))
    return np.asarray(steps), np.asarray(values)


def _panel(title: str, xs: np.ndarray, ys: np.ndarray, colour: tuple[int, int, int],
           xlabel: str) -> np.ndarray:
    import cv2

    img = np.full((PANEL_H, PANEL_W, 3), 255, np.uint8)
    x0, y0, x1, y1 = MARGIN, 28, PANEL_W - 16, PANEL_H - MARGIN
    cv2.rectangle(img, (x0, y0), (x1, y1), (0, 0, 0), 1)
    font = cv2.FONT_HERSHEY_SIMPLEX
    cv2.putText(img, title, (x0, 20), font, 0.5, (0, 0, 0), 1, cv2.LINE_AA)
    cv2.putText(img, xlabel, ((x0 + x1) // 2 - 20, PANEL_H - 10), font, 0.4, (0, 0, 0), 1,
                cv2.LINE_AA)
    lo, hi = float(ys.min()), float(ys.max())
    if hi - lo < 1e-12:
        lo, hi = lo - 0.5, hi + 0.5
    xlo, xhi = float(xs.min()), float(max(xs.max(), xs.min() + 1))
    for frac in (0.0, 0.5, 1.0):
        y = int(y1 - frac * (y1 - y0))
        cv2.putText(img, f'{lo + frac * (hi - lo):.3g}', (2, y + 4), font, 0.35, (60, 60, 60), 1,
                    cv2.LINE_AA)
    cv2.putText(img, f'{xlo:.0f}', (x0, y1 + 14), font, 0.35, (60, 60, 60), 1, cv2.LINE_AA)
    cv2.putText(img, f'{xhi:.0f}', (x1 - 30, y1 + 14), font, 0.35, (60, 60, 60), 1,
                cv2.LINE_AA)
    px = x0 + (xs - xlo) / (xhi - xlo) * (x1 - x0)
    py = y1 - (ys - lo) / (hi - lo) * (y1 - y0)
    points = np.stack([px, py], axis=1).round().astype(np.int32)
    cv2.polylines(img, [points.reshape(-1, 1, 2)], False, colour, 2, cv2.LINE_AA)
    for point in points if len(points) <= 50 else points[-1:]:
        cv2.circle(img, tuple(int(v) for v in point), 3, colour, -1, cv2.LINE_AA)
    cv2.putText(img, f'last {ys[-1]:.4g}', (x1 - 110, y0 + 16), font, 0.45, colour, 1,
                cv2.LINE_AA)
    return img


def draw_curves(work_dir: str | Path, keys: Sequence[str], out: str | Path,
                scalars: str | Path | None = None) -> Path:
    """Draw one panel per key of the run in ``work_dir`` side by side into ``out`` (PNG)."""
    import cv2

    log = Path(scalars) if scalars is not None else find_scalars(work_dir)
    panels = []
    for i, key in enumerate(keys):
        xs, ys = read_series(log, key)
        if len(ys) == 0:
            raise CurvesError(f'{str(log)!r} logs no {key!r}; pick keys it has, e.g. loss '
                              f'or coco/AP')
        xlabel = 'iteration' if len(ys) > 1 and 'loss' in key else 'step'
        panels.append(_panel(key, xs, ys, COLOURS[i % len(COLOURS)], xlabel))
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    if not cv2.imwrite(str(out), np.hstack(panels)):
        raise CurvesError(f'cannot write {str(out)!r}; give a writable .png path')
    return out


def run(args: argparse.Namespace) -> int:
    out = args.out or str(Path(args.work_dir) / 'curves.png')
    try:
        path = draw_curves(args.work_dir, args.keys, out)
    except CurvesError as exc:
        print(f'posecore curves: {exc}')
        return 1
    print(f'curves of {", ".join(args.keys)} written to {path}')
    return 0
