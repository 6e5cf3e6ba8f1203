"""The instance table keeps MMPose 1.x's order: images by first
appearance, instances sorted by sample id with repeats dropped, except from
the first image whose first sample has a list id (bottom-up) on."""
from __future__ import annotations

import numpy as np
import pytest

from pose_plugin_coco.predictions import SamplePrediction, build_table


def sample(id_, img_id, n=1, value=0.0):
    kp = np.full((n, 17, 2), value, np.float32)
    return SamplePrediction(id_, img_id, 1, kp, np.ones((n, 17), np.float32),
                            None, np.ones(n, np.float32),
                            np.ones((n, 2), np.float32), None)


def ordered_ids(table, samples):
    """Per image, the keypoint value (= position of the sample)."""
    return [table.keypoints[table.image(i), 0, 0].astype(int).tolist()
            for i in range(table.num_images)]


def test_sorted_by_id_repeats_dropped():
    ids = [(30, 7), (10, 5), (20, 7), (10, 7), (5, 5), (30, 7), (10, 5)]
    samples = [sample(i, img, value=pos) for pos, (i, img) in enumerate(ids)]
    table = build_table(samples, None)
    # image 7 first (first appearance), then 5; within each by id; the
    # first of repeated ids kept
    assert ordered_ids(table, samples) == [[3, 2, 0], [4, 1]]
    assert [table.img_ids[i] for i in table.order] == [7, 7, 7, 5, 5]


def test_bottomup_ids_stop_the_sorting():
    samples = [sample(9, 1, value=0), sample(3, 1, value=1),
               sample([4, 2], 2, n=2, value=2), sample(1, 3, value=3),
               sample(0, 3, value=4), sample(1, 3, value=5)]
    table = build_table(samples, None)
    # image 1 is sorted; image 2 starts with a list id: it and every later
    # image keep arrival order, repeats included
    assert ordered_ids(table, samples) == [[1, 0], [2, 2], [3, 4, 5]]


def test_non_numeric_ids_sort_as_python_does():
    samples = [sample(None, 'b', value=0), sample(None, 'b', value=1),
               sample(2.5, 'a', value=2), sample(True, 'a', value=3)]
    table = build_table([samples[2], samples[3]], None)
    assert ordered_ids(table, samples) == [[3, 2]]
    with pytest.raises(ValueError, match='ids of one image must be '
                       'sortable.*got None'):
        build_table(samples[:2], None)


def test_samples_without_instances_make_no_image():
    samples = [sample(1, 4, n=0), sample(2, 8, value=1), sample(3, 4,
                                                               value=2)]
    table = build_table(samples, None)
    assert table.num_images == 2
    assert [table.img_ids[i] for i in table.order] == [8, 4]
