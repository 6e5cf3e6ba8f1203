"""An mmengine ``Visualizer`` that draws with OpenCV (``backend='opencv'``).

The drawing primitives keep mmengine's signatures, so
``backend='matplotlib'`` hands every call to mmengine's own implementation,
as MMPose 1.x's ``OpencvBackendVisualizer`` does. The OpenCV path draws into
an RGB ``uint8`` image and never imports matplotlib.

Colours: a name (``'red'``, ``'green'``, ``'blue'``, ``'cyan'``, ``'yellow'``,
``'magenta'``, ``'white'``, ``'black'``) or three 0..255 channel values in
the order of the image (RGB), as in MMPose's metainfo colours.
"""
from __future__ import annotations

import os.path as osp
from typing import Any, Optional, Sequence, Union

import cv2
import numpy as np
import torch
from mmengine.dist import master_only
from mmengine.visualization import Visualizer

ColorType = Union[str, Sequence[int], np.ndarray]

#: the names mmcv's ``Color`` knows, as RGB (MMPose reverses mmcv's BGR values)
NAMED_COLORS: dict[str, tuple[int, int, int]] = {
    'red': (255, 0, 0), 'green': (0, 255, 0), 'blue': (0, 0, 255),
    'cyan': (0, 255, 255), 'yellow': (255, 255, 0), 'magenta': (255, 0, 255),
    'white': (255, 255, 255), 'black': (0, 0, 0)}

BACKENDS = ('opencv', 'matplotlib')


def to_rgb(color: ColorType) -> tuple[int, int, int]:
    """One colour as an ``(r, g, b)`` tuple of ints.

    :raises ValueError: an unknown name, or not three values in 0..255.
    """
    if isinstance(color, str):
        try:
            return NAMED_COLORS[color]
        except KeyError:
            raise ValueError(f'unknown colour name {color!r}; use one of '
                             f'{sorted(NAMED_COLORS)} or an (r, g, b) tuple') from None
    values = np.asarray(color).reshape(-1)
    if values.size != 3 or not np.all((values >= 0) & (values <= 255)):
        raise ValueError(f'colour {color!r} is not three channel values in 0..255; '
                         f'give e.g. (255, 0, 0) or a name like {"red"!r}')
    return tuple(int(v) for v in values)  # type: ignore[return-value]


def is_single_color(color: Any) -> bool:
    """True for a name or a flat triple of numbers (not a list of colours)."""
    if isinstance(color, str):
        return True
    if isinstance(color, np.ndarray):
        return color.ndim == 1 and color.size == 3
    return (isinstance(color, (tuple, list)) and len(color) == 3
            and all(isinstance(c, (int, float, np.integer, np.floating)) for c in color))


def per_item_colors(color: Any, count: int, what: str,
                    items: str) -> list[Optional[tuple[int, int, int]]]:
    """``count`` colours from one colour, None (draw nothing) or one per item.

    :param what: the setting's name for the error (``'kpt_color'``).
    :param items: what is counted, for the error (``'keypoints'``).
    :raises ValueError: a list whose length is not ``count``.
    """
    if color is None:
        return [None] * count
    if is_single_color(color):
        return [to_rgb(color)] * count
    if len(color) != count:
        raise ValueError(f'the length of {what} ({len(color)}) does not match the number '
                         f'of {items} ({count}); give one colour per item or a single '
                         f'colour')
    return [None if c is None else to_rgb(c) for c in color]


def _as_int(value: Any) -> int:
    return int(np.asarray(value).reshape(-1)[0])


class _NoFigure:
    """Stands in for mmengine's matplotlib figure when drawing with OpenCV."""

    def get_dpi(self) -> float:
        return 100.0


class OpencvBackendVisualizer(Visualizer):
    """mmengine's ``Visualizer`` with an OpenCV drawing backend.

    :param name: instance name (mmengine's ``ManagerMixin``).
    :param backend: ``'opencv'`` (default of the pose visualizer) or
        ``'matplotlib'`` (mmengine's drawing).
    Other arguments go to mmengine's ``Visualizer``.
    """

    def __init__(self, name: str = 'visualizer', backend: str = 'matplotlib',
                 *args, **kwargs) -> None:
        if backend not in BACKENDS:
            raise ValueError(f"backend must be 'opencv' or 'matplotlib', got {backend!r}")
        self.backend = backend  # before super(): _initialize_fig reads it
        super().__init__(name, *args, **kwargs)

    def _initialize_fig(self, fig_cfg) -> tuple:
        if self.backend == 'opencv':  # no matplotlib figure (or import) needed
            return None, _NoFigure(), None
        return super()._initialize_fig(fig_cfg)

    @master_only
    def set_image(self, image: np.ndarray) -> None:
        """Set the RGB image to draw on."""
        if image is None:
            raise ValueError('set_image needs an image (H, W, 3) array, got None')
        if self.backend == 'matplotlib':
            super().set_image(image)
            return
        image = np.ascontiguousarray(image.astype(np.uint8))
        self._image = image
        self.width, self.height = image.shape[1], image.shape[0]
        self._default_font_size = max(np.sqrt(self.height * self.width) // 90, 10)

    @master_only
    def get_image(self) -> np.ndarray:
        """The drawn image, RGB."""
        if getattr(self, '_image', None) is None:
            raise ValueError('no image to get: call set_image first')
        if self.backend == 'matplotlib':
            return super().get_image()
        return self._image

    @master_only
    def draw_circles(self, center: Any, radius: Any, face_colors: Any = 'none',
                     alpha: float = 1.0, **kwargs) -> 'OpencvBackendVisualizer':
        """A filled circle at ``center`` (x, y) (OpenCV); pixel coordinates are
        truncated to ints as MMPose does."""
        if self.backend == 'matplotlib':
            return super().draw_circles(center=center, radius=radius,
                                        face_colors=face_colors, alpha=alpha, **kwargs)
        color = to_rgb(face_colors)
        cx, cy = int(center[0]), int(center[1])
        r = _as_int(radius)
        if alpha == 1.0:
            cv2.circle(self._image, (cx, cy), r, color, -1)
            return self
        # blending the whole image (as MMPose does) changes only the pixels
        # the circle covers, so blend just the circle's window
        h, w = self._image.shape[:2]
        x0, y0 = max(cx - r - 1, 0), max(cy - r - 1, 0)
        x1, y1 = min(cx + r + 2, w), min(cy + r + 2, h)
        if x0 >= x1 or y0 >= y1:
            return self
        patch = self._image[y0:y1, x0:x1]
        drawn = cv2.circle(patch.copy(), (cx - x0, cy - y0), r, color, -1)
        self._image[y0:y1, x0:x1] = cv2.addWeighted(patch, 1 - alpha, drawn, alpha, 0)
        return self

    @master_only
    def draw_texts(self, texts: str, positions: Any, font_sizes: Optional[int] = None,
                   colors: Any = 'g', vertical_alignments: str = 'top',
                   horizontal_alignments: str = 'left', bboxes: Optional[list] = None,
                   **kwargs) -> 'OpencvBackendVisualizer':
        """One text at ``positions`` (x, y), optionally on a filled box."""
        if self.backend == 'matplotlib':
            return super().draw_texts(
                texts=texts, positions=positions, font_sizes=font_sizes, colors=colors,
                vertical_alignments=vertical_alignments,
                horizontal_alignments=horizontal_alignments, bboxes=bboxes, **kwargs)
        if font_sizes is None:
            font_sizes = int(self._default_font_size)
        font_scale = max(0.1, font_sizes / 30)
        thickness = max(1, font_sizes // 15)
        (text_w, text_h), baseline = cv2.getTextSize(texts, cv2.FONT_HERSHEY_DUPLEX,
                                                     font_scale, thickness)
        x, y = int(positions[0]), int(positions[1])
        if horizontal_alignments == 'right':
            x = max(0, x - text_w)
        elif horizontal_alignments == 'center':
            x = max(0, x - text_w // 2)
        if vertical_alignments == 'top':
            y = min(self.height, y + text_h)
        elif vertical_alignments == 'center':
            y = min(self.height, y + text_h // 2)
        if bboxes is not None:
            face = bboxes[0]['facecolor']
            if not isinstance(face, str) and max(face) <= 1:  # matplotlib-style 0..1
                face = tuple(int(round(c * 255)) for c in face)
            y = y - baseline // 2
            cv2.rectangle(self._image, (x, y - text_h - baseline // 2),
                          (x + text_w, y + baseline // 2), to_rgb(face), cv2.FILLED)
        cv2.putText(self._image, texts, (x, y), cv2.FONT_HERSHEY_SIMPLEX, font_scale,
                    to_rgb(colors), thickness - 1)
        return self

    @master_only
    def draw_bboxes(self, bboxes: Any, edge_colors: Any = 'g', line_widths: Any = 2,
                    **kwargs) -> 'OpencvBackendVisualizer':
        """Rectangles ``(N, 4)`` x1, y1, x2, y2 (truncated to ints)."""
        if self.backend == 'matplotlib':
            return super().draw_bboxes(bboxes=bboxes, edge_colors=edge_colors,
                                       line_widths=line_widths, **kwargs)
        if isinstance(bboxes, torch.Tensor):
            bboxes = bboxes.detach().cpu().numpy()
        boxes = np.asarray(bboxes).reshape(-1, 4).astype(np.int32)
        color = to_rgb(edge_colors)
        for x1, y1, x2, y2 in boxes.tolist():
            cv2.rectangle(self._image, (x1, y1), (x2, y2), color,
                          thickness=int(line_widths))
        return self

    @master_only
    def draw_lines(self, x_datas: Any, y_datas: Any, colors: Any = 'g',
                   line_widths: Any = 2, **kwargs) -> 'OpencvBackendVisualizer':
        """One segment from ``(x_datas[0], y_datas[0])`` to ``(x_datas[1], y_datas[1])``."""
        if self.backend == 'matplotlib':
            return super().draw_lines(x_datas=x_datas, y_datas=y_datas, colors=colors,
                                      line_widths=line_widths, **kwargs)
        cv2.line(self._image, (int(x_datas[0]), int(y_datas[0])),
                 (int(x_datas[1]), int(y_datas[1])), to_rgb(colors),
                 thickness=int(line_widths))
        return self

    @master_only
    def draw_polygons(self, polygons: Any, edge_colors: Any = 'g', alpha: float = 1.0,
                      **kwargs) -> 'OpencvBackendVisualizer':
        """One filled convex polygon ``(P, 2)`` (int points)."""
        if self.backend == 'matplotlib':
            return super().draw_polygons(polygons=polygons, edge_colors=edge_colors,
                                         alpha=alpha, **kwargs)
        points = np.asarray(polygons, dtype=np.int32).reshape(-1, 2)
        color = to_rgb(edge_colors)
        if alpha == 1.0:
            cv2.fillConvexPoly(self._image, points, color)
        else:
            drawn = cv2.fillConvexPoly(self._image.copy(), points, color)
            self._image = cv2.addWeighted(self._image, 1 - alpha, drawn, alpha, 0)
        return self

    @master_only
    def show(self, drawn_img: Optional[np.ndarray] = None, win_name: str = 'image',
             wait_time: float = 0., continue_key: str = ' ') -> None:
        """Show the image in a window (needs a display)."""
        if self.backend == 'matplotlib':
            super().show(drawn_img=drawn_img, win_name=win_name, wait_time=wait_time,
                         continue_key=continue_key)
            return
        window = str(id(self))  # one window per visualizer, retitled per image
        cv2.namedWindow(window)
        cv2.setWindowTitle(window, win_name)
        shown = self.get_image() if drawn_img is None else drawn_img
        cv2.imshow(window, cv2.cvtColor(shown, cv2.COLOR_RGB2BGR))
        cv2.waitKey(int(np.ceil(wait_time * 1000)))


def write_image(image_rgb: np.ndarray, out_file: str,
                backend_args: Optional[dict] = None) -> None:
    """Encode an RGB image by the file's extension and write it through
    ``mmengine.fileio`` (local folders are created)."""
    from mmengine import fileio, mkdir_or_exist

    ext = osp.splitext(out_file)[1] or '.png'
    ok, buffer = cv2.imencode(ext, np.ascontiguousarray(image_rgb[..., ::-1]))
    if not ok:
        raise ValueError(f'cannot encode an image as {ext!r} for {out_file!r}; use '
                         f'.png or .jpg')
    if '://' not in out_file:
        mkdir_or_exist(osp.dirname(osp.abspath(out_file)))
    fileio.put(buffer.tobytes(), out_file, backend_args=backend_args)
