"""Drawing a posed figure: tapered limbs, trunk, hands, feet and a shaded head.

Every part is drawn three times with the same outline: in colour (anti-aliased)
into the image, as a part label into a label map (which part of which figure
is in front at each pixel: the visibility flags are read from it) and into
the figure's own silhouette mask (for its segmentation, box and area). Parts
are drawn back to front by depth, so limbs behind the trunk are hidden by it.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

from .appearance import Appearance, Colour, shade
from .background import SHIFT, to_fixed
from .figure import EAR_OFFSET, EYE_OFFSET, NOSE_OFFSET, Figure3D
from .keypoints import KEYPOINT_NAMES, KPT, NUM_KEYPOINTS

PARTS: tuple[str, ...] = (
    'torso', 'neck', 'head',
    'left_upper_arm', 'left_forearm', 'left_hand',
    'right_upper_arm', 'right_forearm', 'right_hand',
    'left_thigh', 'left_shank', 'left_foot',
    'right_thigh', 'right_shank', 'right_foot')
PART: dict[str, int] = {name: i for i, name in enumerate(PARTS)}
PARTS_PER_FIGURE = 16          # label = figure * 16 + part + 1; 0 is background
OCCLUDER_LABEL = 0xFFFF


def _owners() -> tuple[tuple[int, ...], ...]:
    table = {name: ('head',) for name in KEYPOINT_NAMES[:5]}
    for side in ('left', 'right'):
        table[f'{side}_shoulder'] = ('torso', f'{side}_upper_arm')
        table[f'{side}_elbow'] = (f'{side}_upper_arm', f'{side}_forearm')
        table[f'{side}_wrist'] = (f'{side}_forearm', f'{side}_hand')
        table[f'{side}_hip'] = ('torso', f'{side}_thigh')
        table[f'{side}_knee'] = (f'{side}_thigh', f'{side}_shank')
        table[f'{side}_ankle'] = (f'{side}_shank', f'{side}_foot')
    return tuple(tuple(PART[p] for p in table[name]) for name in KEYPOINT_NAMES)


#: for each keypoint, the parts whose pixels show it
KEYPOINT_PARTS: tuple[tuple[int, ...], ...] = _owners()
assert len(KEYPOINT_PARTS) == NUM_KEYPOINTS

# (start radius, end radius) of the tapered parts, in units of figure height
_RADII: dict[str, tuple[float, float]] = {
    'neck': (0.032, 0.030), 'upper_arm': (0.037, 0.030), 'forearm': (0.030, 0.022),
    'hand': (0.021, 0.027), 'thigh': (0.060, 0.043), 'shank': (0.043, 0.030),
    'foot': (0.028, 0.022)}


#: unit circle outline (N, 2) for discs
_CIRCLE = np.stack([np.cos(np.linspace(0, 2 * math.pi, 16, endpoint=False)),
                    np.sin(np.linspace(0, 2 * math.pi, 16, endpoint=False))], axis=1)


def part_label(figure: int, part: int) -> int:
    """The label-map value of ``part`` of ``figure``."""
    return figure * PARTS_PER_FIGURE + part + 1


@dataclass
class PlacedFigure:
    """A posed figure with its place in the image.

    :param scale: pixels per unit of figure height.
    :param origin: pixel position of the pelvis.
    """

    fig: Figure3D
    look: Appearance
    scale: float
    origin: np.ndarray

    def project(self, points: np.ndarray) -> np.ndarray:
        """Pixel coordinates (..., 2) of camera-frame points (..., 3)."""
        pts = np.asarray(points)
        return self.origin + self.scale * np.stack([pts[..., 0], -pts[..., 1]], axis=-1)

    def keypoints_2d(self) -> np.ndarray:
        """(17, 2) pixel coordinates of the keypoints."""
        return self.project(self.fig.keypoints)

    def extent(self) -> np.ndarray:
        """Approximate ``[x0, y0, x1, y1]`` of the drawn figure in pixels."""
        extra = self.project(np.stack(list(self.fig.points.values())))
        pts = np.concatenate([self.keypoints_2d(), extra])
        pad = self.scale * self.fig.body.head_radius
        return np.concatenate([pts.min(0) - pad, pts.max(0) + pad])


def capsule(p0: np.ndarray, p1: np.ndarray, r0: float, r1: float) -> np.ndarray:
    """Outline (N, 2) of a tapered limb: half discs of radius r0 at p0 and r1 at p1."""
    d = p1 - p0
    length = math.hypot(d[0], d[1])
    u = d / length if length > 1e-6 else np.array([1.0, 0.0])
    n = np.array([-u[1], u[0]])
    steps = int(np.clip(max(r0, r1) / 1.5 + 3, 3, 10))
    a1 = np.linspace(-math.pi / 2, math.pi / 2, steps)
    a0 = a1 + math.pi
    end = p1 + r1 * (np.cos(a1)[:, None] * u + np.sin(a1)[:, None] * n)
    start = p0 + r0 * (np.cos(a0)[:, None] * u + np.sin(a0)[:, None] * n)
    return np.concatenate([end, start])


class Canvas:
    """The image, the label map and the silhouette masks being drawn on."""

    def __init__(self, img: np.ndarray, num_figures: int) -> None:
        height, width = img.shape[:2]
        self.img = img
        self.labels = np.zeros((height, width), np.uint16)
        self.masks = np.zeros((num_figures, height, width), np.uint8)

    def fill(self, polygon: np.ndarray, colour: Colour, label: int, figure: int,
             outline: bool = True) -> None:
        """Fill ``polygon`` in colour (with a darker outline), label and mask."""
        pts = [to_fixed(polygon)]
        cv2.fillPoly(self.img, pts, colour, cv2.LINE_AA, SHIFT)
        if outline:
            cv2.polylines(self.img, pts, True, shade(colour, 0.55), 1, cv2.LINE_AA, SHIFT)
        cv2.fillPoly(self.labels, pts, label, cv2.LINE_8, SHIFT)
        cv2.fillPoly(self.masks[figure], pts, 1, cv2.LINE_8, SHIFT)


def _unit(v: np.ndarray) -> np.ndarray:
    return v / np.linalg.norm(v)


#: directions on the head sphere in the head's frame (x left, y up, z forward)
EYES = (_unit(EYE_OFFSET), _unit(EYE_OFFSET * [-1, 1, 1]))
NOSE = _unit(NOSE_OFFSET)
EARS = (_unit(EAR_OFFSET), _unit(EAR_OFFSET * [-1, 1, 1]))
HAIR_AXIS = _unit(np.array([0.0, 0.55, -0.85]))


def draw_head(canvas: Canvas, centre: np.ndarray, radius: float, axes: np.ndarray,
              look: Appearance, light: np.ndarray, label: int, figure: int) -> None:
    """A shaded sphere with hair on the back and top, eyes, nose and mouth on the face.

    Each pixel's surface normal is turned into the head's frame, so the face,
    the hair and the ears sit where the head's keypoints are, for any facing.
    """
    height, width = canvas.labels.shape
    x0 = max(0, int(math.floor(centre[0] - radius - 1)))
    y0 = max(0, int(math.floor(centre[1] - radius - 1)))
    x1 = min(width, int(math.ceil(centre[0] + radius + 2)))
    y1 = min(height, int(math.ceil(centre[1] + radius + 2)))
    if x0 >= x1 or y0 >= y1:
        return
    gx = (np.arange(x0, x1) - centre[0]) / radius
    gy = (centre[1] - np.arange(y0, y1)) / radius
    nx, ny = np.meshgrid(gx, gy)
    rho2 = nx * nx + ny * ny
    nz = np.sqrt(np.clip(1.0 - rho2, 0.0, None))
    normals = np.stack([nx, ny, nz], axis=-1)
    local = normals @ axes  # the same normals in the head's frame
    colour = np.empty(normals.shape, np.float32)
    colour[:] = look.skin
    hair = local @ HAIR_AXIS > math.cos(look.hair_cap)
    colour[hair] = look.hair
    # features are at least about a pixel wide, however small the head
    eye_size = math.cos(max(0.17, 0.9 / radius))
    for eye in EYES:
        colour[(local @ eye > eye_size) & ~hair] = (40, 30, 30)
    colour[(local @ NOSE > math.cos(max(0.2, 0.9 / radius))) & ~hair] = shade(look.skin, 0.8)
    mouth = ((np.abs(local[..., 0]) < 0.28)
             & (np.abs(local[..., 1] + 0.48) < max(0.06, 0.6 / radius)) & (local[..., 2] > 0))
    colour[mouth & ~hair] = (60, 50, 150)
    for ear in EARS:
        colour[local @ ear > math.cos(0.3)] = shade(look.skin, 0.85)
    lit = 0.6 + 0.4 * np.clip(normals @ light, 0.0, 1.0)
    alpha = np.clip((1.0 - np.sqrt(rho2)) * radius + 0.5, 0.0, 1.0)[..., None]
    region = canvas.img[y0:y1, x0:x1].astype(np.float32)
    blended = region + (colour * lit[..., None] - region) * alpha
    canvas.img[y0:y1, x0:x1] = np.clip(blended + 0.5, 0, 255).astype(np.uint8)
    inside = rho2 <= 1.0
    canvas.labels[y0:y1, x0:x1][inside] = label
    canvas.masks[figure, y0:y1, x0:x1][inside] = 1


def draw_figure(canvas: Canvas, placed: PlacedFigure, figure: int, light: np.ndarray) -> None:
    """Draw all parts of ``placed`` back to front."""
    fig, look, s = placed.fig, placed.look, placed.scale
    kp, pts, build = fig.keypoints, fig.points, fig.body.build
    pelvis_z = 0.0
    parts: list[tuple[float, int, object]] = []  # (depth, part, drawer)

    def depth_shade(colour: Colour, z: float) -> Colour:
        # nearer parts a little brighter: depth shows which limb is in front
        return shade(colour, float(np.clip(1.0 + 0.9 * (z - pelvis_z), 0.72, 1.18)))

    def limb(name: str, kind: str, a: np.ndarray, b: np.ndarray, colour: Colour, bias: float = 0.0,
             joint: bool = True):
        r0, r1 = _RADII[kind]
        z = 0.5 * (a[2] + b[2])
        start = placed.project(a)
        radius = max(1.0, r0 * build * s)
        poly = capsule(start, placed.project(b), radius, max(1.0, r1 * build * s))
        label = part_label(figure, PART[name])

        def draw() -> None:
            canvas.fill(poly, depth_shade(colour, z), label, figure)
            if joint:  # a mannequin's ball joint, centred on the keypoint the limb starts at
                ball = _CIRCLE * max(0.8, 0.75 * radius) + start
                canvas.fill(ball, depth_shade(shade(colour, 0.72), z), label, figure)

        parts.append((z + bias, PART[name], draw))

    for side in ('left', 'right'):
        k = {name: kp[KPT[f'{side}_{name}']]
             for name in ('shoulder', 'elbow', 'wrist', 'hip', 'knee', 'ankle')}
        limb(f'{side}_upper_arm', 'upper_arm', k['shoulder'], k['elbow'], look.shirt)
        limb(f'{side}_forearm', 'forearm', k['elbow'], k['wrist'],
             look.shirt if look.long_sleeves else look.skin)
        limb(f'{side}_hand', 'hand', k['wrist'], pts[f'{side}_hand'], look.skin, bias=0.005)
        limb(f'{side}_thigh', 'thigh', k['hip'], k['knee'], look.trousers)
        limb(f'{side}_shank', 'shank', k['knee'], k['ankle'],
             look.trousers if look.long_trousers else look.skin)
        limb(f'{side}_foot', 'foot', k['ankle'], pts[f'{side}_toe'], look.shoes, bias=0.005)
    head_z = float(pts['head'][2])
    limb('neck', 'neck', pts['neck'], pts['head'], look.skin, bias=-0.02, joint=False)

    box = fig.torso_box
    torso_z = float(box[:, 2].mean())

    def draw_torso() -> None:
        label = part_label(figure, PART['torso'])
        hull = cv2.convexHull(placed.project(box).astype(np.float32)).reshape(-1, 2)
        canvas.fill(hull, depth_shade(look.shirt, torso_z), label, figure)
        # trousers reach a little above the hips
        low = np.concatenate([box[4:], box[4:] + 0.22 * (box[:4] - box[4:])])
        hull = cv2.convexHull(placed.project(low).astype(np.float32)).reshape(-1, 2)
        canvas.fill(hull, depth_shade(look.trousers, torso_z), label, figure)
        facing = float(fig.torso_forward[2])
        if facing > 0.15:  # the shirt front: a V neck and a placket, seen from the front only
            f = fig.torso_forward * 0.06 * build
            neck = pts['neck'] + f
            sl, sr = kp[KPT['left_shoulder']] + f, kp[KPT['right_shoulder']] + f
            down = _unit(pts['neck'] - pts['pelvis'])
            v_bottom = neck - down * 0.07
            collar = placed.project(np.stack([neck + 0.4 * (sl - neck), v_bottom,
                                              neck + 0.4 * (sr - neck)]))
            canvas.fill(collar, shade(look.skin, 0.95), label, figure, outline=False)
            belly = pts['pelvis'] + 0.35 * (pts['neck'] - pts['pelvis']) + f
            a, b = placed.project(v_bottom), placed.project(belly)
            cv2.line(canvas.img, to_fixed(a), to_fixed(b), look.front,
                     max(1, int(round(0.012 * s))), cv2.LINE_AA, SHIFT)

    parts.append((torso_z - 0.02, PART['torso'], draw_torso))

    hr = fig.body.head_radius * s
    head_centre = placed.project(pts['head'])
    axes = fig.head_axes
    ear_colour = shade(look.skin, 0.85)

    def draw_head_part() -> None:
        label = part_label(figure, PART['head'])
        for ear in ('left_ear', 'right_ear'):
            centre = placed.project(kp[KPT[ear]])
            disc = _CIRCLE * max(1.0, 0.22 * hr) + centre
            canvas.fill(disc, ear_colour, label, figure, outline=False)
        draw_head(canvas, head_centre, max(1.5, hr), axes, look, light, label, figure)
        if axes[2, 2] > -0.2:  # the nose sticks out of the face
            centre = placed.project(kp[KPT['nose']])
            disc = _CIRCLE * max(0.8, 0.18 * hr) + centre
            canvas.fill(disc, shade(look.skin, 0.88), label, figure, outline=False)

    parts.append((head_z, PART['head'], draw_head_part))
    for _, _, draw in sorted(parts, key=lambda item: (item[0], item[1])):
        draw()
