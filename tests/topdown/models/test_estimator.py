"""``TopdownPoseEstimator``: modes, flip test, predictions in image space,
HRNet's fast paths, metainfo, training through mmengine, bad input."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from mmengine.optim import OptimWrapper

from posecore.registry import MODELS
from pose_plugin_topdown.flip import flip_heatmaps

from .helpers import COCO_FLIP, estimator_cfg, make_images, make_samples, randomize

COCO_META = dict(from_file=str(Path(__file__).resolve().parents[3]
                               / 'configs' / '_base_' / 'datasets' / 'coco.py'))


def _batch(model, num=2, training=False, **sample_kwargs):
    data = dict(inputs=make_images(num), data_samples=make_samples(num, **sample_kwargs))
    return model.data_preprocessor(data, training)


def _count_backbone_batches(model):
    batches = []
    model.backbone.register_forward_hook(lambda m, args, out: batches.append(args[0].shape[0]))
    return batches


def _manual_predict(model, inputs, samples):
    """MMPose's way: two forwards, flip back, average, decode, map to the image."""
    with torch.no_grad():
        heatmaps = model.head(model.backbone(inputs))
        flipped = flip_heatmaps(model.head(model.backbone(inputs.flip(-1))), COCO_FLIP,
                                shift_heatmap=True)
    keypoints, scores = model.head.decoder.batch_decode(((heatmaps + flipped) * 0.5).numpy())
    for kpts, sample in zip(keypoints, samples):
        meta = sample.metainfo
        kpts[...] = (kpts / meta['input_size'] * meta['input_scale'] + meta['input_center']
                     - 0.5 * meta['input_scale'])
    return keypoints, scores


def test_modes(build_estimator):
    model = build_estimator().eval()
    data = _batch(model)
    with torch.no_grad():
        assert model(data['inputs'], None, mode='tensor').shape == (2, 17, 32, 24)
        results = model(**data, mode='predict')
    assert results is data['data_samples'] and 'pred_instances' in results[0]
    model.train()
    losses = model(**_batch(model, training=True), mode='loss')
    assert set(losses) == {'loss_kpt', 'acc_pose'}
    with pytest.raises(RuntimeError, match='Invalid mode "train"'):
        model(data['inputs'], None, mode='train')


def test_flip_test_is_one_forward_in_eval_and_equals_mmpose_way(build_estimator):
    model = build_estimator().eval()
    batches = _count_backbone_batches(model)
    data = _batch(model, num=3)
    with torch.no_grad():
        results = model(**data, mode='predict')
    assert batches == [6]  # images and flipped images as one batch
    keypoints, scores = _manual_predict(model, data['inputs'], results)
    np.testing.assert_allclose(np.stack([r.pred_instances.keypoints for r in results]),
                               keypoints, rtol=0, atol=1e-4)
    np.testing.assert_allclose(np.stack([r.pred_instances.keypoint_scores for r in results]),
                               scores, rtol=1e-5, atol=1e-6)


def test_flip_test_in_train_mode_runs_two_batches(build_estimator):
    """BatchNorm with batch statistics: one batch of 2B would change the numbers."""
    model = build_estimator().train()
    batches = _count_backbone_batches(model)
    with torch.no_grad():
        model(**_batch(model), mode='predict')
    assert batches == [2, 2]


def test_predictions_in_image_space_with_boxes(build_estimator):
    model = build_estimator(test_cfg=dict(flip_test=False)).eval()
    data = _batch(model)
    with torch.no_grad():
        heatmaps = model(data['inputs'], None, mode='tensor')
        results = model(**data, mode='predict')
    kpts, scores = model.head.decoder.batch_decode(heatmaps.numpy())
    for i, result in enumerate(results):
        meta, pred = result.metainfo, result.pred_instances
        center, scale = meta['input_center'], meta['input_scale']
        expected = kpts[i] / np.array([96, 128]) * scale + center - scale / 2
        np.testing.assert_allclose(pred.keypoints, expected, rtol=1e-6)
        assert pred.keypoints.dtype == np.float32 and pred.keypoints.shape == (1, 17, 2)
        np.testing.assert_array_equal(pred.keypoint_scores, scores[i])
        np.testing.assert_array_equal(pred.keypoints_visible, scores[i])
        np.testing.assert_array_equal(pred.bboxes, result.gt_instances.bboxes)
        np.testing.assert_array_equal(pred.bbox_scores, [1.])


def test_output_heatmaps_and_keypoint_indices(build_estimator):
    model = build_estimator(test_cfg=dict(flip_test=True, shift_heatmap=True,
                                          output_heatmaps=True,
                                          output_keypoint_indices=[0, 5, 16])).eval()
    data = _batch(model)
    with torch.no_grad():
        results = model(**data, mode='predict')
    full = build_estimator(test_cfg=dict(flip_test=True, shift_heatmap=True,
                                         output_heatmaps=True)).eval()
    with torch.no_grad():
        reference = full(**_batch(full), mode='predict')
    for result, ref in zip(results, reference):
        for key in ('keypoints', 'keypoint_scores', 'keypoints_visible'):
            np.testing.assert_array_equal(result.pred_instances.get(key),
                                          ref.pred_instances.get(key)[:, [0, 5, 16]])
        assert result.pred_fields.heatmaps.shape == (3, 32, 24)
        torch.testing.assert_close(result.pred_fields.heatmaps,
                                   ref.pred_fields.heatmaps[[0, 5, 16]])


@pytest.mark.parametrize('channels_last', [True, False])
def test_hrnet_fast_paths(build_estimator, channels_last):
    """Eval without gradients (folded BatchNorm) equals eval with gradients,
    and training (channels-last activations) backpropagates."""
    model = build_estimator()
    model.backbone.channels_last = channels_last
    model.eval()
    data = _batch(model)
    with torch.no_grad():
        fast = model(data['inputs'], None, mode='tensor')
    plain = model(data['inputs'], None, mode='tensor').detach()
    assert float((fast - plain).abs().max() / plain.abs().max()) < 1e-5
    model.train()
    losses = model(**_batch(model, training=True), mode='loss')
    losses['loss_kpt'].backward()
    grads = [p.grad for p in model.parameters() if p.grad is not None]
    assert grads and all(torch.isfinite(g).all() for g in grads)


def test_metainfo_from_file_overrides_the_samples(build_estimator):
    model = build_estimator(metainfo=COCO_META).eval()
    assert model.metainfo['num_keypoints'] == 17
    data = _batch(model, flip_indices=list(range(17)))  # wrong indices in the samples
    with torch.no_grad():
        results = model(**data, mode='predict')
    assert results[0].metainfo['flip_indices'] == COCO_FLIP
    assert results[0].metainfo['dataset_name'] == 'coco'


def test_head_keypoints_differ_from_metainfo_at_build():
    cfg = estimator_cfg(head=dict(out_channels=14), metainfo=COCO_META)
    with pytest.raises(ValueError, match=r"out_channels=14 gives 14 keypoints, but the "
                                         r"dataset metainfo \('coco'\) has num_keypoints=17"):
        MODELS.build(cfg)
    combined = estimator_cfg(head=dict(out_channels=48), metainfo=COCO_META,
                             test_cfg=dict(flip_test=True, flip_mode='udp_combined'))
    with pytest.raises(ValueError, match='out_channels=48 gives 16 keypoints .3 channels per '
                                         'keypoint.*num_keypoints=17: set head.out_channels=51'):
        MODELS.build(combined)


def test_flip_indices_disagree_with_head_at_first_predict(build_estimator):
    model = build_estimator(head=dict(out_channels=14)).eval()
    with pytest.raises(ValueError, match='flip_indices has length 17 .*expected length 14'):
        with torch.no_grad():
            model(**_batch(model), mode='predict')


def test_target_channels_disagree_with_head_at_first_loss(build_estimator):
    model = build_estimator().train()
    data = _batch(model, training=True, channels=14, keypoints=14)
    with pytest.raises(ValueError, match=r'predicts 17 heatmap channels .*have 14 channels'):
        model(**data, mode='loss')


def test_bad_test_cfg_and_missing_metainfo(build_estimator):
    with pytest.raises(ValueError, match="flip_mode='horizontal' is not supported"):
        MODELS.build(estimator_cfg(test_cfg=dict(flip_test=True, flip_mode='horizontal')))
    model = build_estimator(test_cfg=dict(flip_test=False)).eval()
    data = _batch(model)
    data['data_samples'][1].set_metainfo({'input_center': None})
    del data['data_samples'][1].input_center
    with pytest.raises(ValueError, match=r"data sample 1 has no metainfo \['input_center'\]"):
        with torch.no_grad():
            model(**data, mode='predict')


def test_invisible_instance_trains_with_zero_weight(build_estimator):
    """All keypoints of sample 0 invisible (weight 0, empty target): a finite
    loss that sample adds nothing to, and finite gradients."""
    model = build_estimator().train()
    visible = np.ones((2, 17), np.float32)
    visible[0] = 0
    data = dict(inputs=make_images(2), data_samples=make_samples(2, visible=visible))
    data['data_samples'][0].gt_fields.heatmaps.zero_()
    optim = OptimWrapper(torch.optim.SGD(model.parameters(), lr=0.01))
    log_vars = model.train_step(data, optim)
    for key in ('loss', 'acc_pose'):
        assert np.isfinite(float(torch.as_tensor(log_vars[key]).detach()))
    assert all(torch.isfinite(p).all() for p in model.parameters())
    # the sample with no visible keypoint adds nothing: loss of sample 1 alone, halved
    model.eval()
    batch = model.data_preprocessor(data, False)
    with torch.no_grad():
        both = model.loss(batch['inputs'], batch['data_samples'])['loss_kpt']
        alone = model.loss(batch['inputs'][1:], batch['data_samples'][1:])['loss_kpt']
    assert float(both) == pytest.approx(float(alone) / 2, rel=1e-5)
    nothing = make_samples(1, visible=np.zeros((1, 17), np.float32))
    with torch.no_grad():
        losses = model.loss(batch['inputs'][:1], nothing)
    assert float(losses['loss_kpt']) == 0 and np.isfinite(float(losses['acc_pose']))


def test_old_checkpoint_keys_load_strict(build_estimator):
    """MMPose 0.x ``keypoint_head.*`` and stored preprocessor mean/std."""
    model = build_estimator()
    state = {k.replace('head.', 'keypoint_head.', 1) if k.startswith('head.') else k: v
             for k, v in model.state_dict().items()}
    state['data_preprocessor.mean'] = torch.zeros(3, 1, 1)
    state['data_preprocessor.std'] = torch.ones(3, 1, 1)
    other = randomize(MODELS.build(estimator_cfg()), seed=5)
    other.load_state_dict(state, strict=True)
    assert torch.equal(other.head.final_layer.weight, model.head.final_layer.weight)
    assert float(other.data_preprocessor.std[0]) == pytest.approx(58.395)
