"""Checkpoints written through posecore load with weights_only=True."""
from __future__ import annotations

import numpy as np
import pytest
import torch
from mmengine.logging.history_buffer import HistoryBuffer

from posecore.checkpoint import (CheckpointLoadError, CheckpointNotFoundError, decode, encode,
                                 load_checkpoint_file)


def _message_hub():
    buffer = HistoryBuffer()
    for value in (1.5, np.float64(2.0), 3):
        buffer.update(value)
    return {'log_scalars': {'train/loss': buffer},
            'runtime_info': {'best_score': np.float64(0.5), 'iter': 48,
                             'dataset_meta': {'sigmas': np.array([0.026, 0.025], np.float32),
                                              'names': np.array(['nose', 'eye']),
                                              'flip': (0, 2, 1)}},
            'resumed_keys': {'iter': True}}


def test_round_trip_through_weights_only_load(tmp_path):
    hub = _message_hub()
    path = tmp_path / 'ckpt.pth'
    torch.save({'message_hub': encode(hub), 'state_dict': {'w': torch.ones(2)}}, path)
    loaded = decode(torch.load(path, weights_only=True)['message_hub'])
    buffer = loaded['log_scalars']['train/loss']
    assert isinstance(buffer, HistoryBuffer)
    np.testing.assert_array_equal(buffer.data[0], hub['log_scalars']['train/loss'].data[0])
    assert buffer.max_length == hub['log_scalars']['train/loss'].max_length
    meta = loaded['runtime_info']['dataset_meta']
    assert meta['sigmas'].dtype == np.float32 and meta['sigmas'].tolist() == \
        hub['runtime_info']['dataset_meta']['sigmas'].tolist()
    assert meta['names'].tolist() == ['nose', 'eye'] and meta['flip'] == (0, 2, 1)
    assert loaded['runtime_info']['best_score'] == 0.5


def test_plain_mmengine_checkpoint_is_refused_with_advice(tmp_path):
    path = tmp_path / 'plain.pth'
    torch.save({'message_hub': _message_hub()}, path)
    with pytest.raises(CheckpointLoadError, match=r"(?s)plain.pth' holds objects that loading "
                                                  r"with weights_only=True refuses.*HistoryBuffer"
                                                  r".*If you trust the file"):
        load_checkpoint_file(str(path))


def test_numpy_arrays_are_data_and_load(tmp_path):
    path = tmp_path / 'zoo.pth'
    torch.save({'meta': {'sigmas': np.array([0.1, 0.2])}, 'state_dict': {}}, path)
    assert load_checkpoint_file(str(path))['meta']['sigmas'].tolist() == [0.1, 0.2]


def test_missing_checkpoint(tmp_path):
    with pytest.raises(CheckpointNotFoundError, match=r"checkpoint file '.*none.pth' does not "):
        load_checkpoint_file(str(tmp_path / 'none.pth'))
    assert issubclass(CheckpointNotFoundError, FileNotFoundError)  # what mmengine callers catch
