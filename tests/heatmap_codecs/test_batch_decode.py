"""``batch_decode`` equals per-sample ``decode``, for arrays and tensors."""
from __future__ import annotations

import numpy as np
import pytest


def noisy_batch(codec, batch=5, seed=0):
    rng = np.random.default_rng(seed)
    w, h = codec.input_size
    samples = []
    for _ in range(batch):
        kpts = (rng.random((1, 17, 2)) * [1.2 * w, 1.2 * h]
                - [0.1 * w, 0.1 * h]).astype(np.float32)
        maps = codec.encode(kpts)['heatmaps']
        noise = rng.normal(0, 0.02 * max(1.0, float(maps.max())), maps.shape)
        samples.append((maps + noise).astype(np.float32))
    samples[-1][:3] = 0  # empty channels too
    return np.stack(samples)


def check_equal(codec, batch, keypoints, scores):
    assert keypoints.shape == (len(batch), 1) + keypoints.shape[2:]
    for i, sample in enumerate(batch):
        one_kpts, one_scores = codec.decode(sample)
        np.testing.assert_allclose(keypoints[i], one_kpts, rtol=0, atol=1e-6)
        np.testing.assert_allclose(scores[i], one_scores, rtol=0, atol=1e-7)


def test_batch_decode_equals_decode(codec_cfg, build):
    codec = build(codec_cfg)
    batch = noisy_batch(codec)
    check_equal(codec, batch, *codec.batch_decode(batch))


def test_batch_decode_takes_torch_tensors(codec_cfg, build):
    torch = pytest.importorskip('torch')
    codec = build(codec_cfg)
    batch = noisy_batch(codec, seed=1)
    tensor = torch.from_numpy(batch).requires_grad_(True)
    check_equal(codec, batch, *codec.batch_decode(tensor))
    keypoints, scores = codec.decode(tensor[0])
    assert isinstance(keypoints, np.ndarray) and keypoints.shape[0] == 1


def test_batch_of_one(codec_cfg, build):
    codec = build(codec_cfg)
    batch = noisy_batch(codec, batch=1)
    check_equal(codec, batch, *codec.batch_decode(batch))
