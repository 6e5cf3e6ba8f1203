"""The figure model keeps COCO's left/right convention and is mirror-symmetric,
so flip augmentation and flip test see valid figures with swapped labels."""
from __future__ import annotations

import numpy as np
import pytest

from pose_plugin_coco.synth.figure import Body, Pose, View, pose_figure, sample_pose
from pose_plugin_coco.synth.keypoints import FLIP_INDICES, KPT
from pose_plugin_coco.synth.scene import image_rng, render_scene


def _standing() -> Pose:
    side = dict(sh_flex=0.0, sh_abd=10.0, sh_rot=0.0, elbow=10.0, hip_flex=0.0, hip_abd=5.0,
                knee=0.0)
    trunk = dict(lean=0.0, side=0.0, twist=0.0, head_yaw=0.0, head_pitch=0.0, head_roll=0.0)
    return Pose('stand', dict(side), dict(side), trunk)


@pytest.mark.parametrize('yaw, left_on_image_right', [(0, True), (30, True), (180, False),
                                                      (-150, False)])
def test_left_is_on_the_image_right_when_facing_the_camera(yaw, left_on_image_right):
    fig = pose_figure(Body(), _standing(), View(yaw=yaw, pitch=0, roll=0))
    kp = fig.keypoints
    for name in ('shoulder', 'hip', 'eye', 'ear', 'wrist'):
        right_of = kp[KPT[f'left_{name}'], 0] > kp[KPT[f'right_{name}'], 0]
        assert right_of == left_on_image_right, name
    # the face (nose) is towards the viewer exactly when the figure faces the camera
    assert (kp[KPT['nose'], 2] > fig.points['head'][2]) == left_on_image_right
    assert (fig.torso_forward[2] > 0) == left_on_image_right


def test_upright_figure_has_coco_proportions():
    kp = pose_figure(Body(), _standing(), View(0, 0, 0)).keypoints
    y = -kp[:, 1]  # image y grows downwards
    assert y[KPT['nose']] < y[KPT['left_shoulder']] < y[KPT['left_elbow']] < y[KPT['left_wrist']]
    assert y[KPT['left_hip']] < y[KPT['left_knee']] < y[KPT['left_ankle']]
    height = y[KPT['left_ankle']] - y[KPT['nose']]
    assert 0.8 < height < 0.95  # nose to ankle, in units of standing height


def test_mirrored_pose_gives_the_mirror_image_with_swapped_labels():
    rng = image_rng(7, 'train', 0)
    for _ in range(20):
        pose = sample_pose(rng)
        view = View(yaw=float(rng.uniform(-180, 180)), pitch=5.0, roll=float(rng.uniform(-30, 30)))
        t = pose.trunk
        mirrored = Pose(pose.activity, dict(pose.right), dict(pose.left),
                        dict(t, twist=-t['twist'], side=-t['side'], head_yaw=-t['head_yaw'],
                             head_roll=-t['head_roll']))
        a = pose_figure(Body(), pose, view).keypoints
        b = pose_figure(Body(), mirrored, View(-view.yaw, view.pitch, -view.roll)).keypoints
        np.testing.assert_allclose(b[list(FLIP_INDICES)], a * [-1, 1, 1], atol=1e-9)


def test_render_scene_is_a_pure_function_of_seed_split_index():
    a, b = render_scene(1, 'val', 4, 128), render_scene(1, 'val', 4, 128)
    assert a.jpeg() == b.jpeg() and a.instances == b.instances and a.detections == b.detections
    c = render_scene(1, 'train', 4, 128)  # the other split's image of the same index differs
    assert a.jpeg() != c.jpeg()
    assert max(a.image.shape[:2]) == 128
