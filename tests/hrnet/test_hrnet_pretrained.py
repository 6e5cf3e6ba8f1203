"""``init_cfg=dict(type='Pretrained', ...)``: safe checkpoint loading."""
from __future__ import annotations

import collections

import numpy as np
import pytest
import torch

from posecore.checkpoint import CheckpointLoadError
from pose_plugin_hrnet.hrnet import HRNet


class NotData:
    """A class a weights-only load must refuse to unpickle."""


@pytest.fixture
def source(tiny_extra):
    torch.manual_seed(1)
    model = HRNet(tiny_extra)
    model.init_weights()
    with torch.no_grad():
        for p in model.parameters():
            p.normal_()
    return model


def _pretrained(extra, path, **kwargs):
    model = HRNet(extra, init_cfg=dict(type='Pretrained', checkpoint=str(path), **kwargs),
                  zero_init_residual=True)
    model.init_weights()
    return model


def _same(a, b):
    for (k, v), w in zip(a.state_dict().items(), b.state_dict().values()):
        torch.testing.assert_close(v, w, msg=k)


def test_local_file_without_prefix(tmp_path, tiny_extra, source):
    path = tmp_path / 'backbone.pth'
    torch.save(source.state_dict(), path)
    _same(_pretrained(tiny_extra, path), source)  # zero_init_residual not applied


def test_local_file_with_prefix_and_meta(tmp_path, tiny_extra, source):
    state = collections.OrderedDict(
        [(f'backbone.{k}', v) for k, v in source.state_dict().items()]
        + [('head.final_layer.weight', torch.zeros(17, 4, 1, 1))])
    path = tmp_path / 'topdown.pth'
    # as a model-zoo checkpoint: weights under state_dict, NumPy arrays in meta
    torch.save({'state_dict': state,
                'meta': {'dataset_meta': {'sigmas': np.ones(17, np.float32)},
                         'epoch': np.int64(210)}}, path)
    _same(_pretrained(tiny_extra, path, prefix='backbone.'), source)


def test_wrong_prefix_and_no_common_keys(tmp_path, tiny_extra, source):
    path = tmp_path / 'topdown.pth'
    torch.save({f'backbone.{k}': v for k, v in source.state_dict().items()}, path)
    with pytest.raises(CheckpointLoadError, match=r"no keys starting with prefix 'neck\.'"):
        _pretrained(tiny_extra, path, prefix='neck.')
    with pytest.raises(CheckpointLoadError,
                       match=r"shares no key with HRNet .* set init_cfg\.prefix"):
        _pretrained(tiny_extra, path)


def test_shape_mismatch_is_an_error(tmp_path, make_extra, source):
    path = tmp_path / 'w4.pth'
    torch.save(source.state_dict(), path)
    with pytest.raises(CheckpointLoadError, match=r"shape mismatches, e\.g\. \['transition1"):
        _pretrained(make_extra(8, blocks=1, modules=(1, 1, 1)), path)


def test_missing_file(tmp_path, tiny_extra):
    with pytest.raises(CheckpointLoadError, match=r"checkpoint file '.*nope\.pth' does not exist"):
        _pretrained(tiny_extra, tmp_path / 'nope.pth')


def test_pickle_needing_checkpoint_is_refused(tmp_path, tiny_extra, source):
    path = tmp_path / 'unsafe.pth'
    torch.save({'state_dict': source.state_dict(), 'extra': NotData()}, path)
    with pytest.raises(CheckpointLoadError,
                       match=r"refuses.*It needs \[.*NotData.\]"):
        _pretrained(tiny_extra, path)


def test_offline_url_names_url_and_local_alternative(tmp_path, monkeypatch, tiny_extra):
    monkeypatch.setenv('TORCH_HOME', str(tmp_path / 'torch-home'))
    url = 'http://127.0.0.1:9/hrnet_w32-36af842e.pth'  # port 9: nothing listens
    with pytest.raises(CheckpointLoadError) as info:
        _pretrained(tiny_extra, url)
    message = str(info.value)
    assert url in message
    assert "checkpoint='/path/to/file.pth'" in message
    assert 'torch-home' in message  # the cache folder to drop the file into


def test_url_served_from_cache(tmp_path, monkeypatch, tiny_extra, source):
    monkeypatch.setenv('TORCH_HOME', str(tmp_path / 'torch-home'))
    cache = tmp_path / 'torch-home' / 'hub' / 'checkpoints'
    cache.mkdir(parents=True)
    torch.save(source.state_dict(), cache / 'hrnet_tiny.pth')
    _same(_pretrained(tiny_extra, 'https://example.invalid/ckpts/hrnet_tiny.pth'), source)
