"""``HeatmapHead``: layers and keys as MMPose's, init, forward, loss and
predict, old checkpoints, bad configs."""
from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn as nn

from posecore.registry import MODELS

from .helpers import COCO_FLIP, make_samples

CODEC = dict(type='MSRAHeatmap', input_size=(96, 128), heatmap_size=(24, 32), sigma=2)


def _head(**kwargs):
    cfg = dict(type='HeatmapHead', in_channels=8, out_channels=17)
    cfg.update(kwargs)
    return MODELS.build(cfg)


def test_default_layers_and_keys():
    head = _head()
    assert [type(m) for m in head.deconv_layers] == [nn.ConvTranspose2d, nn.BatchNorm2d,
                                                     nn.ReLU] * 3
    deconv = head.deconv_layers[0]
    assert (deconv.in_channels, deconv.out_channels, deconv.kernel_size, deconv.stride,
            deconv.padding, deconv.bias) == (8, 256, (4, 4), (2, 2), (1, 1), None)
    assert isinstance(head.conv_layers, nn.Identity)
    assert head.final_layer.kernel_size == (1, 1) and head.final_layer.bias is not None
    assert head(torch.rand(2, 8, 8, 6)).shape == (2, 17, 64, 48)
    assert type(head.loss_module).__name__ == 'KeypointMSELoss'
    assert head.loss_module.use_target_weight is True and head.decoder is None


def test_no_deconv_conv_layers_and_final_layer_options():
    head = _head(deconv_out_channels=None, conv_out_channels=(16, 12), conv_kernel_sizes=(3, 1),
                 final_layer=dict(kernel_size=3, padding=1))
    assert isinstance(head.deconv_layers, nn.Identity)
    assert sorted(head.state_dict()) == sorted(
        [f'conv_layers.{i}.{p}' for i in (0, 3) for p in ('weight', 'bias')]
        + [f'conv_layers.{i}.{p}' for i in (1, 4) for p in
           ('weight', 'bias', 'running_mean', 'running_var', 'num_batches_tracked')]
        + ['final_layer.weight', 'final_layer.bias'])
    assert head.conv_layers[0].padding == (1, 1) and head.final_layer.kernel_size == (3, 3)
    assert head(torch.rand(1, 8, 8, 6)).shape == (1, 17, 8, 6)
    assert isinstance(_head(final_layer=None, deconv_out_channels=None).final_layer, nn.Identity)


@pytest.mark.parametrize('kernel, size', [(4, 16), (3, 16), (2, 16)])
def test_deconv_kernel_sizes_double_the_size(kernel, size):
    head = _head(deconv_out_channels=(4, ), deconv_kernel_sizes=(kernel, ))
    assert head(torch.rand(1, 8, 8, 8)).shape == (1, 17, size, size)


def test_mmpose_default_init():
    torch.manual_seed(0)
    head = _head(deconv_out_channels=(64, 64), deconv_kernel_sizes=(4, 4),
                 conv_out_channels=(64, ), conv_kernel_sizes=(3, ))
    head.init_weights()
    for m in head.modules():
        if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d)):
            assert 0.0008 < m.weight.std().item() < 0.0012
            assert m.bias is None or not m.bias.any()
        elif isinstance(m, nn.BatchNorm2d):
            assert (m.weight == 1).all() and not m.bias.any()


def test_channels_last_input_gives_same_contiguous_output():
    head = _head(deconv_out_channels=(8, ), deconv_kernel_sizes=(4, ),
                 conv_out_channels=(8, ), conv_kernel_sizes=(3, )).eval()
    x = torch.randn(2, 8, 8, 6)
    with torch.no_grad():
        plain = head((x, ))
        cl = head((x.contiguous(memory_format=torch.channels_last), ))
    assert cl.is_contiguous()
    torch.testing.assert_close(cl, plain, rtol=1e-5, atol=1e-6)


def test_loss_keys_and_perfect_accuracy():
    head = _head(deconv_out_channels=None, in_channels=4, decoder=CODEC)
    samples = make_samples(2)
    target = torch.stack([s.gt_fields.heatmaps for s in samples])
    head.forward = lambda feats: target.clone().requires_grad_()  # predict the targets
    losses = head.loss((torch.rand(2, 4, 32, 24), ), samples)
    assert set(losses) == {'loss_kpt', 'acc_pose'}
    assert losses['loss_kpt'].item() == 0 and float(losses['acc_pose']) == 1.0
    assert set(head.loss((torch.rand(2, 4, 32, 24), ), samples,
                         train_cfg=dict(compute_acc=False))) == {'loss_kpt'}


def test_predict_decodes_batch_and_outputs_heatmaps():
    head = _head(deconv_out_channels=None, in_channels=4, decoder=CODEC).eval()
    feats = (torch.randn(3, 4, 32, 24), )
    samples = make_samples(3)
    with torch.no_grad():
        heatmaps = head(feats)
        preds, fields = head.predict(feats, samples, test_cfg=dict(output_heatmaps=True))
    kpts, scores = head.decoder.batch_decode(heatmaps.numpy())
    for i, pred in enumerate(preds):
        np.testing.assert_array_equal(pred.keypoints, kpts[i])
        np.testing.assert_array_equal(pred.keypoint_scores, scores[i])
        assert torch.equal(fields[i].heatmaps, heatmaps[i])
    # flip test: the head averages the output with the flipped-back one
    flipped = (torch.randn(3, 4, 32, 24), )
    with torch.no_grad():
        preds = head.predict([feats, flipped], samples,
                             test_cfg=dict(flip_test=True, shift_heatmap=True))
        back = head(flipped).flip(-1)[:, COCO_FLIP]
        back[..., 1:] = back[..., :-1].clone()
        kpts, _ = head.decoder.batch_decode(((heatmaps + back) * 0.5).numpy())
    np.testing.assert_array_equal(np.stack([p.keypoints for p in preds]), kpts)


def test_predict_without_decoder_or_flip_indices():
    head = _head(deconv_out_channels=None, in_channels=4)
    with pytest.raises(RuntimeError, match='no decoder'):
        head.predict((torch.rand(1, 4, 32, 24), ), make_samples(1))
    head = _head(deconv_out_channels=None, in_channels=4, decoder=CODEC)
    feats = (torch.rand(1, 4, 32, 24), )
    with pytest.raises(ValueError, match=r"flip_test needs the data samples' metainfo"):
        head.predict([feats, feats], make_samples(1, flip_indices=None),
                     test_cfg=dict(flip_test=True))


def test_target_channel_mismatch_names_both_numbers():
    head = _head(deconv_out_channels=None, in_channels=4)
    samples = make_samples(2, channels=14, keypoints=14)
    with pytest.raises(ValueError, match=r'predicts 17 heatmap channels \(out_channels=17\).*'
                                         r'have 14 channels'):
        head.loss((torch.rand(2, 4, 32, 24), ), samples)
    with pytest.raises(ValueError, match=r'keypoint_weights of shape \(2, 14\)'):
        head.loss((torch.rand(2, 4, 32, 24), ), make_samples(2, keypoints=14))


def test_flip_indices_disagreeing_with_out_channels_at_predict():
    head = _head(deconv_out_channels=None, in_channels=4, out_channels=14, decoder=CODEC)
    with pytest.raises(ValueError, match=r'flip_indices has length 17 but the head '
                                         r'\(out_channels=14\) have 14 keypoints: expected '
                                         'length 14'):
        head.predict((torch.rand(1, 4, 32, 24), ), make_samples(1))


def test_flip_test_of_a_wider_head_on_its_output_keypoints():
    """COCO + AIC's 19 channels validated on COCO's 17 (MMPose's coco-aic-combine config):
    the data's flip_indices name the output keypoints, channels 17 and 18 (head top, neck)
    stay; MMPose stops with an assertion there (its issue #3158)."""
    head = _head(deconv_out_channels=None, in_channels=4, out_channels=19, decoder=CODEC).eval()
    feats, flipped = (torch.randn(2, 4, 32, 24), ), (torch.randn(2, 4, 32, 24), )
    test_cfg = dict(flip_test=True, shift_heatmap=False,
                    output_keypoint_indices=list(range(17)))
    with torch.no_grad():
        preds = head.predict([feats, flipped], make_samples(2), test_cfg=test_cfg)
        back = head(flipped).flip(-1)[:, COCO_FLIP + [17, 18]]
        kpts, _ = head.decoder.batch_decode(((head(feats) + back) * 0.5).numpy())
    np.testing.assert_array_equal(np.stack([p.keypoints for p in preds]), kpts)
    # a layout it cannot name still fails, saying what disagrees
    with pytest.raises(ValueError, match=r'flip_indices has length 17 but the head '
                                         r'\(out_channels=19\)'):
        head.predict([feats, flipped], make_samples(2), test_cfg=dict(
            test_cfg, output_keypoint_indices=list(range(18))))


def test_combined_targets_count_three_channels_per_keypoint():
    head = _head(deconv_out_channels=None, out_channels=51,
                 loss=dict(type='CombinedTargetMSELoss', use_target_weight=True))
    assert head.channels_per_keypoint == 3 and head.num_keypoints == 17
    with pytest.raises(ValueError, match='out_channels=50 must be a multiple of 3'):
        _head(deconv_out_channels=None, out_channels=50,
              loss=dict(type='CombinedTargetMSELoss'))


def test_old_checkpoint_keys_are_renamed():
    """MMPose 0.x kept the conv layers in ``final_layer.N``."""
    head = _head(deconv_out_channels=None, conv_out_channels=(8, ), conv_kernel_sizes=(1, ))
    new = head.state_dict()
    old = {(k.replace('conv_layers.', 'final_layer.') if k.startswith('conv_layers.')
            else k.replace('final_layer.', 'final_layer.3.')): v.clone() + 1
           for k, v in new.items()}
    head.load_state_dict(old, strict=True)
    assert torch.equal(head.final_layer.weight, new['final_layer.weight'])


@pytest.mark.parametrize('kwargs, match', [
    (dict(in_channels=(32, 64)), r'in_channels=\(32, 64\) must be a positive int'),
    (dict(out_channels=0), 'out_channels=0 must be a positive int'),
    (dict(deconv_kernel_sizes=(4, 4)), 'mismatched lengths'),
    (dict(deconv_out_channels=(8, ), deconv_kernel_sizes=(5, )),
     r'kernel size 5; each must be one of \[4, 3, 2\]'),
    (dict(conv_out_channels=(8, )), 'mismatched lengths'),
    (dict(final_layer=dict(kernel_size=1, pading=0)), "nn.Conv2d does not take"),
    (dict(loss='KeypointMSELoss'), "must be a config dict with a 'type'"),
])
def test_bad_head_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        _head(**kwargs)


def test_wrong_input_channels():
    with pytest.raises(ValueError, match=r'shape \(1, 6, 8, 6\), expected \(B, 8, H, W\)'):
        _head(deconv_out_channels=None)((torch.rand(1, 6, 8, 6), ))
