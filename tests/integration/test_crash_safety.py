"""Crash-safe training: whole checkpoints, SIGKILL then --resume, NaN losses, retention."""
from __future__ import annotations

import json
import os
import signal
from pathlib import Path

import pytest
import torch

from posecore.crash_safety import AtomicLocalBackend, write_atomic

from ..conftest import REPO, run_posecore

TINY_CFG = REPO / 'configs' / 'tiny' / 'tiny-regressor_linear_1xb16-3e_synthetic.py'
OFF = dict(POSECORE_DISABLE_PLUGINS='posecore-test-clash,posecore-test-broken,'
           'posecore-test-future')
pytestmark = pytest.mark.usefixtures('plugin_site')


def _train(site, work: Path, *args: str, cfg: Path = TINY_CFG, **env: str):
    return run_posecore(site, 'train', str(cfg), '--work-dir', str(work), *args, cwd=work,
                        **OFF, **env)


def _ok(result):
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return result


def test_failed_write_leaves_the_previous_file_whole(tmp_path, monkeypatch):
    target = tmp_path / 'epoch_1.pth'
    torch.save({'w': torch.ones(3)}, target)

    def crash(fd):
        raise OSError(28, 'No space left on device')

    monkeypatch.setattr(os, 'fsync', crash)
    with pytest.raises(OSError, match='No space left'):
        AtomicLocalBackend().put(b'half a checkpoint', target)
    assert torch.equal(torch.load(target, weights_only=True)['w'], torch.ones(3))
    assert [p.name for p in tmp_path.iterdir()] == ['epoch_1.pth']  # no temporary left


def test_write_atomic_replaces_whole_file(tmp_path):
    target = tmp_path / 'sub' / 'last_checkpoint'
    write_atomic(b'abc', target)
    write_atomic(b'de', target)
    assert target.read_bytes() == b'de'


def test_sigkill_mid_epoch_then_resume_equals_an_uninterrupted_run(plugin_site, tmp_path):
    det = ['--cfg-options', 'randomness.deterministic=True', 'train_cfg.max_epochs=4']
    whole, crashed = tmp_path / 'whole', tmp_path / 'crashed'
    whole.mkdir(), crashed.mkdir()
    _ok(_train(plugin_site, whole, *det))
    # 16 iterations per epoch: killed in the middle of epoch 3, after epoch_2.pth
    killed = _train(plugin_site, crashed, *det, TINY_KILL_AT_ITER='40')
    assert killed.returncode == -signal.SIGKILL
    assert not (crashed / 'epoch_3.pth').exists()
    torch.load(crashed / 'epoch_2.pth', weights_only=True)  # whole and loadable
    result = _ok(_train(plugin_site, crashed, '--resume', *det))
    assert 'resumed epoch: 2' in result.stdout + result.stderr
    a = torch.load(whole / 'epoch_4.pth', weights_only=True)['state_dict']
    b = torch.load(crashed / 'epoch_4.pth', weights_only=True)['state_dict']
    assert a.keys() == b.keys()
    for key in a:
        assert torch.equal(a[key], b[key]), key


def test_nan_loss_stops_naming_the_iteration_and_last_good_checkpoint(plugin_site, tmp_path):
    cfg = tmp_path / 'diverge.py'
    # epoch 1 trains normally; from epoch 2 the learning rate explodes the weights
    cfg.write_text(f"_base_ = [{str(TINY_CFG)!r}]\n"
                   "param_scheduler = [dict(type='MultiStepLR', milestones=[1], gamma=1e30, "
                   "by_epoch=True)]\n")
    result = _train(plugin_site, tmp_path, cfg=cfg)
    assert result.returncode != 0
    err = result.stderr
    assert 'loss became' in err and 'at iteration' in err, err[-2000:]
    assert 'epoch_1.pth' in err
    assert not (tmp_path / 'epoch_2.pth').exists()
    state = torch.load(tmp_path / 'epoch_1.pth', weights_only=True)['state_dict']
    assert all(torch.isfinite(v).all() for v in state.values())


def test_resume_without_checkpoint_says_so(plugin_site, tmp_path):
    result = _train(plugin_site, tmp_path, '--resume')
    assert result.returncode == 2
    assert 'no checkpoint to resume from' in result.stderr and str(tmp_path) in result.stderr


def test_max_keep_ckpts_keeps_newest_and_best(plugin_site, tmp_path):
    _ok(_train(plugin_site, tmp_path, '--cfg-options',
               'default_hooks.checkpoint.max_keep_ckpts=1', 'train_cfg.max_epochs=3'))
    assert [p.name for p in tmp_path.glob('epoch_*.pth')] == ['epoch_3.pth']
    assert len(list(tmp_path.glob('best_tiny_mae_epoch_*.pth'))) == 1


def test_auto_scale_lr_scales_by_base_batch_size(plugin_site, tmp_path):
    _ok(_train(plugin_site, tmp_path, '--auto-scale-lr', '--cfg-options',
               'auto_scale_lr.base_batch_size=32', 'train_cfg.max_epochs=1'))
    log = next(tmp_path.glob('*/vis_data/scalars.json'))
    first = json.loads(log.read_text().splitlines()[0])
    assert first['lr'] == pytest.approx(0.1 * 16 / 32)  # lr 0.1 set for batch 32, run at 16
