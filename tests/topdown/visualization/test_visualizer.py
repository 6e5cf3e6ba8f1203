"""PoseLocalVisualizer: colours where the keypoints are, links, boxes,
ground truth beside prediction, heatmaps, backends and bad settings."""
from __future__ import annotations

import importlib.util
from pathlib import Path

import cv2
import numpy as np
import pytest
from mmengine.structures import InstanceData, PixelData
from posecore.registry import VISUALIZERS
from posecore.structures import PoseDataSample

GRAY = (128, 128, 128)


def grid_keypoints(num: int = 17) -> np.ndarray:
    """``(1, num, 2)`` keypoints on a grid, 24 px apart, inside 160 x 120."""
    k = np.arange(num)
    return np.stack([20 + 24 * (k % 6), 20 + 35 * (k // 6)], axis=-1)[None].astype(np.float32)


def sample(keypoints: np.ndarray, scores: np.ndarray | None = None, gt: bool = False,
           bboxes: np.ndarray | None = None) -> PoseDataSample:
    instances = InstanceData(keypoints=keypoints)
    if scores is not None:
        instances.keypoints_visible = scores
        instances.keypoint_scores = scores
    if bboxes is not None:
        instances.bboxes = bboxes
    data_sample = PoseDataSample()
    if gt:
        data_sample.gt_instances = instances
    else:
        data_sample.pred_instances = instances
    return data_sample


def read_png_rgb(path: Path) -> np.ndarray:
    img = cv2.imread(str(path), cv2.IMREAD_COLOR)
    assert img is not None, f'{path} is not a readable image'
    return cv2.cvtColor(img, cv2.COLOR_BGR2RGB)


def test_drawn_png_has_each_keypoint_colour_at_its_keypoint(make_visualizer, coco_meta,
                                                            gray_image, tmp_path):
    vis = make_visualizer(vis_backends=[dict(type='LocalVisBackend')], save_dir=str(tmp_path),
                          radius=3, line_width=1)
    vis.set_dataset_meta(coco_meta)
    kpts = grid_keypoints()
    vis.add_datasample('pose', gray_image, sample(kpts, np.ones((1, 17), np.float32)),
                       draw_gt=False, step=7)

    png = tmp_path / 'vis_data' / 'vis_image' / 'pose_7.png'
    drawn = read_png_rgb(png)
    assert drawn.shape == gray_image.shape
    colors = coco_meta['keypoint_colors']
    for k, (x, y) in enumerate(kpts[0].astype(int)):
        patch = drawn[y - 1:y + 2, x - 1:x + 2].reshape(-1, 3)
        assert (patch == colors[k]).all(), f'keypoint {k} at ({x}, {y}) is not {colors[k]}'
    # the keypoints are where they were asked to be, not elsewhere: a far
    # corner keeps the image's own colour
    assert tuple(drawn[-2, -2]) == GRAY and tuple(drawn[1, 1]) == GRAY


def test_skeleton_links_use_the_dataset_link_colours(make_visualizer, coco_meta, gray_image):
    vis = make_visualizer(line_width=3, radius=2)
    vis.set_dataset_meta(coco_meta)
    kpts = np.zeros((1, 17, 2), np.float32)
    kpts[0, :] = (150, 110)  # every keypoint but the two ends of link 0, out of the way
    link = coco_meta['skeleton_links'][0]
    kpts[0, link[0]] = (20, 60)
    kpts[0, link[1]] = (100, 60)
    scores = np.zeros((1, 17), np.float32)
    scores[0, list(link)] = 1.0
    drawn = vis.add_datasample('x', gray_image, sample(kpts, scores), draw_gt=False)
    assert tuple(drawn[60, 60]) == tuple(coco_meta['skeleton_link_colors'][0])
    # hidden keypoints (score 0 < kpt_thr) are not drawn
    assert tuple(drawn[110, 150]) == GRAY


def test_keypoints_below_kpt_thr_are_left_out(make_visualizer, gray_image):
    vis = make_visualizer()  # no metainfo: red keypoints, no links
    kpts = grid_keypoints(4)
    scores = np.array([[0.9, 0.1, 0.5, 0.29]], np.float32)
    drawn = vis.add_datasample('x', gray_image, sample(kpts, scores), draw_gt=False,
                               kpt_thr=0.3)
    at = [tuple(drawn[int(y), int(x)]) for x, y in kpts[0]]
    assert at == [(255, 0, 0), GRAY, (255, 0, 0), GRAY]


def test_ground_truth_is_drawn_left_of_the_prediction(make_visualizer, gray_image):
    vis = make_visualizer(radius=2)
    data_sample = sample(np.array([[[30., 40.]]], np.float32), gt=True)
    data_sample.pred_instances = InstanceData(keypoints=np.array([[[90., 50.]]], np.float32),
                                              keypoints_visible=np.ones((1, 1), np.float32))
    drawn = vis.add_datasample('x', gray_image, data_sample)
    assert drawn.shape == (120, 320, 3)
    assert tuple(drawn[40, 30]) == (255, 0, 0)  # ground truth, left half
    assert tuple(drawn[50, 160 + 90]) == (255, 0, 0)  # prediction, right half
    assert tuple(drawn[50, 90]) == GRAY and tuple(drawn[40, 160 + 30]) == GRAY
    assert vis.get_image() is drawn


def test_boxes_are_drawn_in_bbox_color_when_asked(make_visualizer, gray_image):
    vis = make_visualizer(line_width=1)
    data_sample = sample(np.array([[[50., 50.]]], np.float32), np.ones((1, 1), np.float32),
                         bboxes=np.array([[10., 20., 100., 90.]], np.float32))
    drawn = vis.add_datasample('x', gray_image, data_sample, draw_gt=False, draw_bbox=True)
    assert tuple(drawn[20, 55]) == (0, 255, 0) and tuple(drawn[55, 100]) == (0, 255, 0)
    plain = vis.add_datasample('x', gray_image, data_sample, draw_gt=False)
    assert tuple(plain[20, 55]) == GRAY


def test_heatmap_overlay_goes_below_and_peaks_at_the_keypoint(make_visualizer, gray_image):
    vis = make_visualizer()
    heatmaps = np.zeros((2, 30, 40), np.float32)
    heatmaps[1, 10, 30] = 1.0  # a quarter of the image size: the peak is at (120, 40)
    data_sample = sample(np.array([[[120., 40.]]], np.float32), np.ones((1, 1), np.float32))
    data_sample.pred_fields = PixelData(heatmaps=heatmaps)
    drawn = vis.add_datasample('x', gray_image, data_sample, draw_gt=False, draw_heatmap=True)
    assert drawn.shape == (240, 160, 3)
    overlay = drawn[120:].astype(int)
    # JET: the peak is red, far away is blue
    assert overlay[40, 121, 0] > overlay[40, 121, 2]
    assert overlay[100, 10, 2] > overlay[100, 10, 0]
    # ground truth beside a prediction with a heatmap: padded to equal height
    data_sample.gt_instances = InstanceData(keypoints=np.array([[[10., 10.]]], np.float32))
    both = vis.add_datasample('x', gray_image, data_sample, draw_heatmap=True)
    assert both.shape == (240, 320, 3)


def test_show_keypoint_weight_blends_by_score(make_visualizer, gray_image):
    vis = make_visualizer(show_keypoint_weight=True, radius=3)
    kpts = grid_keypoints(2)
    scores = np.array([[1.0, 0.5]], np.float32)
    drawn = vis.add_datasample('x', gray_image, sample(kpts, scores), draw_gt=False)
    (x0, y0), (x1, y1) = kpts[0].astype(int)
    assert tuple(drawn[y0, x0]) == (255, 0, 0)
    assert tuple(drawn[y1, x1]) == (192, 64, 64)  # half red over gray


def test_out_file_writes_the_drawing_instead_of_the_backends(make_visualizer, gray_image,
                                                             tmp_path):
    vis = make_visualizer(vis_backends=[dict(type='LocalVisBackend')], save_dir=str(tmp_path))
    out = tmp_path / 'sub' / 'drawn.png'
    kpts = grid_keypoints(1)
    vis.add_datasample('x', gray_image, sample(kpts, np.ones((1, 1), np.float32)),
                       draw_gt=False, out_file=str(out))
    x, y = kpts[0, 0].astype(int)
    assert tuple(read_png_rgb(out)[y, x]) == (255, 0, 0)
    assert not (tmp_path / 'vis_data' / 'vis_image').exists()


def test_show_kpt_idx_writes_the_index_beside_the_keypoint(make_visualizer, gray_image):
    vis = make_visualizer(radius=4)
    kpts = np.array([[[60., 60.]]], np.float32)
    data_sample = sample(kpts, np.ones((1, 1), np.float32))
    plain = vis.add_datasample('x', gray_image, data_sample, draw_gt=False)
    indexed = vis.add_datasample('x', gray_image, data_sample, draw_gt=False,
                                 show_kpt_idx=True)
    changed = np.argwhere((plain != indexed).any(-1))
    assert len(changed) and changed[:, 0].max() <= 60  # text above the point


def test_the_registry_builds_it_and_mmengine_backends_resolve(tmp_path, gray_image):
    vis = VISUALIZERS.build(dict(type='PoseLocalVisualizer', name='test-registry-built',
                                 vis_backends=[dict(type='LocalVisBackend')],
                                 save_dir=str(tmp_path), radius=5))
    assert type(vis).__name__ == 'PoseLocalVisualizer' and vis.radius == 5
    vis.add_datasample('reg', gray_image, PoseDataSample(), step=1)
    assert (tmp_path / 'vis_data' / 'vis_image' / 'reg_1.png').is_file()


@pytest.mark.skipif(importlib.util.find_spec('tensorboard') is None,
                    reason='tensorboard is not installed (TensorboardVisBackend needs it)')
def test_tensorboard_backend_receives_the_drawing(make_visualizer, gray_image, tmp_path):
    vis = make_visualizer(vis_backends=[dict(type='TensorboardVisBackend')],
                          save_dir=str(tmp_path))
    vis.add_datasample('tb', gray_image, PoseDataSample(), step=3)
    vis.close()
    assert list((tmp_path / 'vis_data').rglob('events.out.tfevents.*'))


def test_a_kpt_color_list_of_the_wrong_length_names_both_lengths(make_visualizer, gray_image):
    vis = make_visualizer(kpt_color=[(255, 0, 0)] * 5)
    with pytest.raises(ValueError, match=r'kpt_color \(5\).*keypoints \(17\)'):
        vis.add_datasample('x', gray_image, sample(grid_keypoints(), np.ones((1, 17))))


def test_bad_colour_and_image_are_named(make_visualizer, gray_image):
    vis = make_visualizer(kpt_color='mauve')
    with pytest.raises(ValueError, match="unknown colour name 'mauve'"):
        vis.add_datasample('x', gray_image, sample(grid_keypoints(1), np.ones((1, 1))))
    with pytest.raises(ValueError, match=r'RGB array \(H, W, 3\)'):
        vis.add_datasample('x', gray_image[..., 0], PoseDataSample())
    with pytest.raises(ValueError, match="skeleton_style"):
        vis.add_datasample('x', gray_image, PoseDataSample(), skeleton_style='stick')
    with pytest.raises(ValueError, match="backend must be 'opencv' or 'matplotlib'"):
        make_visualizer(backend='pillow')


def test_keypoints_outside_or_not_finite_do_not_crash(make_visualizer, coco_meta, gray_image):
    vis = make_visualizer()
    vis.set_dataset_meta(coco_meta)
    kpts = grid_keypoints()
    kpts[0, :5] = (-50, 500)
    kpts[0, 5] = np.nan
    drawn = vis.add_datasample('x', gray_image, sample(kpts, np.ones((1, 17), np.float32)),
                               draw_gt=False)
    assert drawn.shape == gray_image.shape
