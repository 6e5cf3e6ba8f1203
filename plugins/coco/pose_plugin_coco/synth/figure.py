"""The articulated figure: body proportions, sampled joint angles, 3D forward
kinematics and the view (yaw, pitch, roll) that orients it before projection.

Frames: the body frame has x towards the person's LEFT, y up and z towards
the person's front; the camera frame has X to the image right, Y up and Z
towards the viewer, projected orthographically (image x = X, image y = -Y).
With no view rotation the figure faces the camera, so its left side lands on
the image right, as a COCO annotator labels a person seen from the front.
Left and right are therefore told by the facing, which the renderer shows
(a face and a shirt front, hair on the back of the head, feet that point
forwards), never by a colour: a horizontally flipped image is again a valid
image with left and right swapped, so flip augmentation and flip test hold.

Lengths are in units of the standing height (top of the head to the soles).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .keypoints import KPT, NUM_KEYPOINTS

_DEG = math.pi / 180.0


def rot_x(angle: float) -> np.ndarray:
    """Rotation about x by ``angle`` radians (right-handed)."""
    c, s = math.cos(angle), math.sin(angle)
    return np.array([[1.0, 0.0, 0.0], [0.0, c, -s], [0.0, s, c]])


def rot_y(angle: float) -> np.ndarray:
    """Rotation about y by ``angle`` radians (right-handed)."""
    c, s = math.cos(angle), math.sin(angle)
    return np.array([[c, 0.0, s], [0.0, 1.0, 0.0], [-s, 0.0, c]])


def rot_z(angle: float) -> np.ndarray:
    """Rotation about z by ``angle`` radians (right-handed)."""
    c, s = math.cos(angle), math.sin(angle)
    return np.array([[c, -s, 0.0], [s, c, 0.0], [0.0, 0.0, 1.0]])


#: head landmarks in the head's frame, in head radii: the left eye and ear
#: (the right ones mirror x), and the nose tip, which stands off the sphere
EYE_OFFSET = np.array([0.43, 0.18, 0.88])
EAR_OFFSET = np.array([0.98, 0.0, -0.12])
NOSE_OFFSET = np.array([0.0, -0.15, 1.05])
_MIRROR = np.array([-1.0, 1.0, 1.0])

_DOWN = np.array([0.0, -1.0, 0.0])
_UP = np.array([0.0, 1.0, 0.0])
_FORWARD = np.array([0.0, 0.0, 1.0])


@dataclass(frozen=True)
class Body:
    """Proportions of one figure (units of its standing height).

    Defaults are adult anthropometric averages; :func:`sample_body` varies them.
    """

    hip_half_width: float = 0.075
    shoulder_half_width: float = 0.115
    spine: float = 0.29           # pelvis centre to the base of the neck
    upper_arm: float = 0.18
    forearm: float = 0.15
    thigh: float = 0.245
    shank: float = 0.245
    neck: float = 0.10            # base of the neck to the centre of the head
    head_radius: float = 0.065
    foot: float = 0.11
    build: float = 1.0            # thickness of limbs and torso


def sample_body(rng: np.random.Generator) -> Body:
    """Random proportions around the adult averages (a few percent each)."""
    def vary(value: float, rel: float) -> float:
        factor = np.clip(1.0 + rel * rng.standard_normal(), 1 - 2.5 * rel, 1 + 2.5 * rel)
        return float(value * factor)

    arm, leg = vary(1.0, 0.05), vary(1.0, 0.05)
    base = Body()
    return Body(hip_half_width=vary(base.hip_half_width, 0.08),
                shoulder_half_width=vary(base.shoulder_half_width, 0.08),
                spine=vary(base.spine, 0.04), upper_arm=base.upper_arm * arm,
                forearm=base.forearm * arm, thigh=base.thigh * leg, shank=base.shank * leg,
                neck=vary(base.neck, 0.06), head_radius=vary(base.head_radius, 0.07),
                foot=vary(base.foot, 0.06), build=vary(1.0, 0.15))


#: joint angles (degrees) of one side: shoulder flexion/abduction/rotation,
#: elbow flexion, hip flexion/abduction, knee flexion
SIDE_ANGLES = ('sh_flex', 'sh_abd', 'sh_rot', 'elbow', 'hip_flex', 'hip_abd', 'knee')
#: joint angle limits in degrees, clipped after sampling
LIMITS: dict[str, tuple[float, float]] = {
    'sh_flex': (-60.0, 185.0), 'sh_abd': (-15.0, 175.0), 'sh_rot': (-60.0, 60.0),
    'elbow': (0.0, 150.0), 'hip_flex': (-35.0, 130.0), 'hip_abd': (-20.0, 50.0),
    'knee': (0.0, 155.0), 'lean': (-25.0, 60.0), 'side': (-25.0, 25.0),
    'twist': (-40.0, 40.0), 'head_yaw': (-75.0, 75.0), 'head_pitch': (-35.0, 40.0),
    'head_roll': (-25.0, 25.0)}
#: activities and their probabilities
ACTIVITIES: dict[str, float] = {
    'stand': 0.17, 'walk': 0.18, 'run': 0.11, 'arms': 0.18, 'sit': 0.08, 'squat': 0.05,
    'star': 0.07, 'kick': 0.08, 'free': 0.08}


@dataclass
class Pose:
    """Joint angles in degrees: ``left``/``right`` keyed by :data:`SIDE_ANGLES`,
    ``trunk`` by ``lean`` (forwards), ``side``, ``twist`` and ``head_*``."""

    activity: str
    left: dict[str, float]
    right: dict[str, float]
    trunk: dict[str, float]


def _standing_legs(rng: np.random.Generator) -> dict[str, float]:
    return dict(hip_flex=rng.normal(0, 6), hip_abd=rng.uniform(0, 10), knee=rng.uniform(0, 12))


def _arm(rng: np.random.Generator, kind: str) -> dict[str, float]:
    if kind == 'up':
        return dict(sh_flex=rng.uniform(110, 180), sh_abd=rng.uniform(0, 40),
                    elbow=rng.uniform(0, 90))
    if kind == 'side':
        return dict(sh_flex=rng.normal(0, 20), sh_abd=rng.uniform(60, 120),
                    elbow=rng.uniform(0, 120))
    if kind == 'forward':
        return dict(sh_flex=rng.uniform(50, 110), sh_abd=rng.uniform(-10, 30),
                    elbow=rng.uniform(0, 130))
    if kind == 'hip':  # hand on the hip
        return dict(sh_flex=rng.uniform(-25, 10), sh_abd=rng.uniform(30, 55),
                    elbow=rng.uniform(90, 130), sh_rot=rng.uniform(-50, -20))
    return dict(sh_flex=rng.normal(0, 12), sh_abd=rng.uniform(0, 25), elbow=rng.uniform(0, 40))


def sample_pose(rng: np.random.Generator) -> Pose:
    """Joint angles of one of :data:`ACTIVITIES`, with a little noise on every joint."""
    names = list(ACTIVITIES)
    activity = names[int(rng.choice(len(names), p=np.array(list(ACTIVITIES.values()))))]
    left: dict[str, float] = {}
    right: dict[str, float] = {}
    trunk = dict(lean=rng.normal(0, 6), side=rng.normal(0, 4), twist=rng.normal(0, 8),
                 head_yaw=rng.normal(0, 25), head_pitch=rng.normal(0, 12),
                 head_roll=rng.normal(0, 7))
    sides = (left, right)
    if activity in ('walk', 'run'):
        phase = rng.uniform(0, 2 * math.pi)
        amp = rng.uniform(15, 35) if activity == 'walk' else rng.uniform(30, 65)
        swing = amp * math.sin(phase)
        for side, sign in zip(sides, (1.0, -1.0)):
            hip = sign * swing
            side['hip_flex'] = hip
            # the trailing leg bends its knee, more when running
            trail = max(0.0, -hip) / amp
            side['knee'] = (rng.uniform(5, 25) + trail * (40 if activity == 'walk' else 90))
            side['hip_abd'] = rng.uniform(0, 8)
            side['sh_flex'] = -0.9 * hip + rng.normal(0, 8)
            side['sh_abd'] = rng.uniform(5, 20)
            side['elbow'] = rng.uniform(10, 45) if activity == 'walk' else rng.uniform(60, 110)
        trunk['lean'] = rng.uniform(0, 8) if activity == 'walk' else rng.uniform(8, 25)
    elif activity == 'arms':
        kinds = ('up', 'side', 'forward', 'hip', 'down')
        for side in sides:
            side.update(_standing_legs(rng))
            side.update(_arm(rng, kinds[int(rng.integers(len(kinds)))]))
    elif activity in ('sit', 'squat'):
        for side in sides:
            if activity == 'sit':
                side.update(hip_flex=rng.uniform(70, 100), knee=rng.uniform(70, 110),
                            hip_abd=rng.uniform(0, 25))
            else:
                side.update(hip_flex=rng.uniform(95, 130), knee=rng.uniform(100, 150),
                            hip_abd=rng.uniform(5, 35))
            side.update(_arm(rng, ('forward', 'down', 'side')[int(rng.integers(3))]))
        trunk['lean'] = rng.uniform(-10, 20) if activity == 'sit' else rng.uniform(20, 50)
    elif activity == 'star':
        for side in sides:
            side.update(sh_abd=rng.uniform(70, 165), sh_flex=rng.normal(0, 10),
                        elbow=rng.uniform(0, 35), hip_abd=rng.uniform(15, 40),
                        hip_flex=rng.normal(0, 6), knee=rng.uniform(0, 15))
    elif activity == 'kick':
        kicker = int(rng.integers(2))
        for i, side in enumerate(sides):
            if i == kicker:
                side.update(hip_flex=rng.uniform(50, 110), knee=rng.uniform(0, 70),
                            hip_abd=rng.uniform(0, 25))
            else:
                side.update(_standing_legs(rng))
            side.update(sh_abd=rng.uniform(20, 90), sh_flex=rng.normal(0, 30),
                        elbow=rng.uniform(0, 90))
        trunk['lean'] = rng.uniform(-20, 10)
    elif activity == 'free':
        for side in sides:
            for name in SIDE_ANGLES:
                low, high = LIMITS[name]
                side[name] = rng.uniform(low, high)
            side['hip_flex'] = rng.uniform(-30, 110)
            side['knee'] = rng.uniform(0, 130)
        trunk.update(lean=rng.uniform(-15, 45), side=rng.uniform(-20, 20),
                     twist=rng.uniform(-35, 35))
    else:  # stand
        for side in sides:
            side.update(_standing_legs(rng))
            side.update(_arm(rng, 'down'))
    for side in sides:
        for name in SIDE_ANGLES:
            value = side.get(name, 0.0) + rng.normal(0, 5)
            side[name] = float(np.clip(value, *LIMITS[name]))
    for name, value in trunk.items():
        trunk[name] = float(np.clip(value, *LIMITS[name]))
    return Pose(activity, left, right, trunk)


@dataclass(frozen=True)
class View:
    """How the posed figure is turned before projection (degrees): ``yaw`` turns it
    about the vertical (0 faces the camera, 90 faces the image right and shows its
    right side), ``pitch`` tilts the camera, ``roll`` rotates in the image plane."""

    yaw: float
    pitch: float
    roll: float

    def matrix(self) -> np.ndarray:
        return rot_z(self.roll * _DEG) @ rot_x(self.pitch * _DEG) @ rot_y(self.yaw * _DEG)


def sample_view(rng: np.random.Generator) -> View:
    """Any facing; mostly upright with a tilt, sometimes strongly rotated."""
    u = rng.uniform()
    if u < 0.8:
        roll = rng.normal(0, 8)
    elif u < 0.97:
        roll = rng.uniform(-40, 40)
    else:
        roll = rng.uniform(-90, 90)
    return View(yaw=float(rng.uniform(-180, 180)), pitch=float(np.clip(rng.normal(0, 8), -20, 20)),
                roll=float(roll))


@dataclass
class Figure3D:
    """A posed figure in camera axes, pelvis at the origin (units of height).

    :param keypoints: (17, 3) COCO keypoints.
    :param points: named extra points (``neck``, ``head``, ``pelvis``,
        ``left_hand``/``right_hand`` centres, ``left_toe``/``right_toe``).
    :param torso_box: (8, 3) corners of the trunk (shoulders and hips, front
        and back), whose projected hull is the drawn trunk.
    :param head_axes: (3, 3) columns = the head's left, up and forward axes.
    :param torso_forward: the chest's forward axis.
    """

    body: Body
    keypoints: np.ndarray
    points: dict[str, np.ndarray]
    torso_box: np.ndarray
    head_axes: np.ndarray
    torso_forward: np.ndarray


def pose_figure(body: Body, pose: Pose, view: View) -> Figure3D:
    """Forward kinematics of ``pose`` on ``body``, then turned by ``view``."""
    d = _DEG
    t = pose.trunk
    r_pelvis = rot_y(0.3 * t['twist'] * d)
    r_torso = rot_y(t['twist'] * d) @ rot_z(t['side'] * d) @ rot_x(t['lean'] * d)
    r_head = (r_torso @ rot_y(t['head_yaw'] * d) @ rot_x(t['head_pitch'] * d)
              @ rot_z(t['head_roll'] * d))
    kp = np.zeros((NUM_KEYPOINTS, 3))
    pts: dict[str, np.ndarray] = {'pelvis': np.zeros(3)}
    neck = r_torso @ np.array([0.0, body.spine, 0.0])
    pts['neck'] = neck
    # the head leans with the neck a little less than with the trunk
    head = neck + r_torso @ rot_x(0.5 * t['head_pitch'] * d) @ np.array([0.0, body.neck, 0.012])
    pts['head'] = head
    hr = body.head_radius
    kp[KPT['nose']] = head + r_head @ NOSE_OFFSET * hr
    for side, mirror in (('left', 1.0), ('right', _MIRROR)):
        kp[KPT[f'{side}_eye']] = head + r_head @ (EYE_OFFSET * mirror) * hr
        kp[KPT[f'{side}_ear']] = head + r_head @ (EAR_OFFSET * mirror) * hr
    for side, sign, angles in (('left', 1.0, pose.left), ('right', -1.0, pose.right)):
        shoulder = r_torso @ np.array([sign * body.shoulder_half_width, body.spine - 0.02, 0.0])
        r_upper = (r_torso @ rot_z(sign * angles['sh_abd'] * d) @ rot_x(-angles['sh_flex'] * d)
                   @ rot_y(sign * angles['sh_rot'] * d))
        elbow = shoulder + r_upper @ _DOWN * body.upper_arm
        r_fore = r_upper @ rot_x(-angles['elbow'] * d)
        wrist = elbow + r_fore @ _DOWN * body.forearm
        pts[f'{side}_hand'] = wrist + r_fore @ _DOWN * (0.045 * body.build ** 0.3)
        hip = r_pelvis @ np.array([sign * body.hip_half_width, -0.03, 0.0])
        r_thigh = r_pelvis @ rot_z(sign * angles['hip_abd'] * d) @ rot_x(-angles['hip_flex'] * d)
        knee = hip + r_thigh @ _DOWN * body.thigh
        r_shank = r_thigh @ rot_x(angles['knee'] * d)
        ankle = knee + r_shank @ _DOWN * body.shank
        # the foot stays roughly level with the shank's frame: toes point forwards
        pts[f'{side}_toe'] = ankle + r_shank @ np.array([0.0, -0.035, body.foot])
        for name, value in (('shoulder', shoulder), ('elbow', elbow), ('wrist', wrist),
                            ('hip', hip), ('knee', knee), ('ankle', ankle)):
            kp[KPT[f'{side}_{name}']] = value
    depth_chest, depth_hip = 0.06 * body.build, 0.055 * body.build
    f_torso, f_pelvis = r_torso @ _FORWARD, r_pelvis @ _FORWARD
    sl, sr = kp[KPT['left_shoulder']], kp[KPT['right_shoulder']]
    hl, hr_ = kp[KPT['left_hip']], kp[KPT['right_hip']]
    widen = 0.012 * body.build  # flesh beyond the joint centres
    x_t, x_p = r_torso @ np.array([1.0, 0, 0]), r_pelvis @ np.array([1.0, 0, 0])
    corners = [sl + widen * x_t, sr - widen * x_t, hl + widen * x_p, hr_ - widen * x_p]
    box = np.array([c + s * depth * f for c, depth, f in
                    zip(corners, (depth_chest, depth_chest, depth_hip, depth_hip),
                        (f_torso, f_torso, f_pelvis, f_pelvis)) for s in (1.0, -1.0)])
    r_view = view.matrix()
    rotate = r_view.T  # row vectors: p @ R.T == (R @ p.T).T
    return Figure3D(body=body, keypoints=kp @ rotate,
                    points={k: v @ rotate for k, v in pts.items()},
                    torso_box=box @ rotate, head_axes=r_view @ r_head,
                    torso_forward=r_view @ f_torso)
