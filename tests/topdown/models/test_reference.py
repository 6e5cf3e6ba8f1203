"""Against MMPose 1.3.2: the small reference model's outputs and the HRNet-w32
COCO model's state-dict keys (``tests/data/reference``)."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch
from mmengine.structures import InstanceData

from posecore.registry import MODELS
from posecore.structures import PoseDataSample

REPO = Path(__file__).resolve().parents[3]


@pytest.fixture(scope='module')
def reference(shared_dir):
    ref = shared_dir / 'reference'
    info = json.loads((ref / 'topdown_hrnet_small.json').read_text())
    arrays = dict(np.load(ref / 'topdown_hrnet_small.npz'))
    model = MODELS.build(info['config'])
    state = torch.load(ref / 'topdown_hrnet_small.pth', map_location='cpu', weights_only=True)
    model.load_state_dict(state, strict=True)
    return model.eval(), info, arrays


def _batch(model, info, arrays):
    samples = []
    for center, scale in zip(arrays['input_center'], arrays['input_scale']):
        sample = PoseDataSample(metainfo=dict(
            input_size=tuple(info['input_size']), input_center=center, input_scale=scale,
            flip_indices=info['flip_indices']))
        sample.gt_instances = InstanceData(bboxes=np.array([[1., 2., 3., 4.]], np.float32),
                                           bbox_scores=np.ones(1, np.float32))
        samples.append(sample)
    images = [torch.from_numpy(img) for img in arrays['images_uint8_bgr']]
    return model.data_preprocessor(dict(inputs=images, data_samples=samples), False)


def _rel(ours, theirs):
    return np.abs(ours - theirs).max() / np.abs(theirs).max()


@pytest.mark.parametrize('grad', [False, True], ids=['no_grad', 'grad'])
def test_heatmaps_equal_mmpose(reference, grad):
    """Through the preprocessor from uint8; no_grad runs HRNet's folded-BN path."""
    model, info, arrays = reference
    data = _batch(model, info, arrays)
    np.testing.assert_allclose(data['inputs'].numpy(), arrays['preprocessed_inputs'],
                               rtol=0, atol=1e-6)
    with torch.set_grad_enabled(grad):
        feats = model.extract_feat(data['inputs'])
        heatmaps = model(data['inputs'], None, mode='tensor')
    assert _rel(feats[-1].detach().numpy(), arrays['backbone_out']) < 1e-5
    assert _rel(heatmaps.detach().numpy(), arrays['head_heatmaps']) < 1e-5


def test_predict_with_flip_test_equals_mmpose(reference):
    model, info, arrays = reference
    assert model.test_cfg == dict(flip_test=True, flip_mode='heatmap', shift_heatmap=True)
    data = _batch(model, info, arrays)
    with torch.no_grad():
        results = model(**data, mode='predict')
    keypoints = np.stack([r.pred_instances.keypoints for r in results])
    scores = np.stack([r.pred_instances.keypoint_scores for r in results])
    assert keypoints.shape == arrays['pred_keypoints'].shape == (2, 1, 17, 2)
    np.testing.assert_allclose(keypoints, arrays['pred_keypoints'], rtol=0, atol=1e-3)
    np.testing.assert_allclose(scores, arrays['pred_keypoint_scores'], rtol=0, atol=1e-5)
    for result in results:
        pred = result.pred_instances
        assert set(pred.keys()) == {'keypoints', 'keypoint_scores', 'keypoints_visible',
                                    'bboxes', 'bbox_scores'}
        np.testing.assert_array_equal(pred.bboxes, [[1., 2., 3., 4.]])
        assert 'pred_fields' not in result  # output_heatmaps is off


def _reference_keys(shared_dir):
    lines = (shared_dir / 'reference' / 'mmpose_hrnet_w32_keys.txt').read_text().splitlines()
    return [tuple(line.split('\t')) for line in lines if line.strip() and not line.startswith('#')]


def test_hrnet_w32_coco_state_dict_keys_equal_mmpose(shared_dir):
    """Built from the repository's config file: exactly MMPose's 1,754 keys,
    in order, with the same shapes and dtypes, so a model-zoo checkpoint
    loads with ``strict=True``."""
    from posecore.config import load_config

    cfg = load_config(REPO / 'configs' / 'body_2d_keypoint' / 'topdown_heatmap' / 'coco'
                      / 'td-hm_hrnet-w32_8xb64-210e_coco-256x192.py')
    model = MODELS.build(cfg.model)  # init_cfg is not applied: nothing downloads
    ours = [(k, str(tuple(v.shape)), str(v.dtype).removeprefix('torch.'))
            for k, v in model.state_dict().items()]
    expected = _reference_keys(shared_dir)
    assert len(expected) == 1754
    assert ours == expected
    zoo = {k: torch.zeros(eval(shape), dtype=getattr(torch, dtype)) for k, shape, dtype in expected}
    zoo['data_preprocessor.mean'] = torch.zeros(3, 1, 1)  # some checkpoints carry these
    assert not model.load_state_dict(zoo, strict=True).missing_keys
