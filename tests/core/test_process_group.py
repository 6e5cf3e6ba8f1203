"""A process group started for a run ends with it (gloo aborts at exit otherwise)."""
from __future__ import annotations

import pytest
import torch
import torch.distributed as dist

from posecore.runner import process_group_ended


def _start(tmp_path):
    store = dist.FileStore(str(tmp_path / 'store'), 1)
    dist.init_process_group('gloo', store=store, rank=0, world_size=1)


def test_a_group_started_in_the_run_is_destroyed(tmp_path):
    with process_group_ended():
        _start(tmp_path)
        dist.all_reduce(torch.ones(1))
    assert not dist.is_initialized()


def test_a_failed_run_still_destroys_its_group(tmp_path):
    with pytest.raises(RuntimeError, match='boom'):
        with process_group_ended():
            _start(tmp_path)
            raise RuntimeError('boom')
    assert not dist.is_initialized()


def test_the_callers_group_is_kept(tmp_path):
    _start(tmp_path)
    try:
        with process_group_ended():
            pass
        assert dist.is_initialized()
    finally:
        dist.destroy_process_group()
