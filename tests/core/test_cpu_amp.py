"""CPUAmpOptimWrapper: bfloat16 autocast in the training forward on the CPU, float32 elsewhere."""
from __future__ import annotations

import pytest
import torch
from mmengine.model import BaseModel
from mmengine.optim import build_optim_wrapper
from mmengine.registry import init_default_scope

import posecore.cpu_amp as cpu_amp
from posecore.errors import ConfigError
from posecore.registry import FORWARDING_REGISTRIES


class ConvModel(BaseModel):
    """One convolution; ``loss`` mode records the dtype autocast gave its output."""

    def __init__(self) -> None:
        super().__init__()
        self.conv = torch.nn.Conv2d(3, 4, 3)
        self.seen: list[torch.dtype] = []

    def forward(self, inputs, data_samples=None, mode='tensor'):
        out = self.conv(inputs)
        self.seen.append(out.dtype)
        target = torch.ones(out.shape)  # float32, as the codecs' targets
        return {'loss': torch.nn.functional.mse_loss(out, target)} if mode == 'loss' else out


def build(model: torch.nn.Module, **kwargs):
    init_default_scope('posecore')
    cfg = dict(dict(type='CPUAmpOptimWrapper', optimizer=dict(type='SGD', lr=0.1)), **kwargs)
    return build_optim_wrapper(model, cfg)


@pytest.fixture
def native(monkeypatch):
    """Pretend the CPU has (True) or lacks (False) native bfloat16."""

    def set_native(value: bool) -> None:
        monkeypatch.setattr(cpu_amp, 'native_bfloat16', lambda: value)

    return set_native


@pytest.fixture
def said(monkeypatch) -> list[str]:
    """What the wrapper logs."""
    messages: list[str] = []
    monkeypatch.setattr(cpu_amp, 'print_log', lambda msg, **kwargs: messages.append(msg))
    return messages


def test_registered_in_posecore_scope():
    assert FORWARDING_REGISTRIES['OPTIM_WRAPPERS'].get('CPUAmpOptimWrapper') is \
        cpu_amp.CPUAmpOptimWrapper


def test_train_step_forward_runs_in_bfloat16_weights_and_loss_stay_float32(native, said):
    native(True)
    model = ConvModel()
    before = model.conv.weight.detach().clone()
    wrapper = build(model)
    log = model.train_step(dict(inputs=torch.randn(2, 3, 8, 8)), wrapper)
    assert model.seen == [torch.bfloat16]
    assert said == ['CPUAmpOptimWrapper: training forward in bfloat16 (native on this CPU).']
    assert log['loss'].dtype == torch.float32
    assert model.conv.weight.dtype == torch.float32
    assert not torch.equal(model.conv.weight, before)  # the step was taken
    model.val_step(dict(inputs=torch.randn(2, 3, 8, 8)))
    assert model.seen[-1] == torch.float32  # validation outside autocast


def test_without_native_bfloat16_trains_in_float32_and_says_so(native, said):
    native(False)
    model = ConvModel()
    wrapper = build(model)
    model.train_step(dict(inputs=torch.randn(2, 3, 8, 8)), wrapper)
    assert model.seen == [torch.float32]
    assert len(said) == 1 and 'no native bfloat16' in said[0]


def test_bfloat16_step_follows_the_float32_step(native):
    """Same start, same batch: the weights after one step differ by bfloat16 rounding only."""
    native(True)
    torch.manual_seed(0)
    low, full = ConvModel(), ConvModel()
    full.load_state_dict(low.state_dict())
    batch = dict(inputs=torch.randn(4, 3, 8, 8))
    low.train_step(batch, build(low))
    full.train_step(batch, build(full, type='OptimWrapper'))
    assert not torch.equal(low.conv.weight, full.conv.weight)
    torch.testing.assert_close(low.conv.weight, full.conv.weight, rtol=0, atol=2e-2)


def test_float16_refused_with_the_fix():
    with pytest.raises(ConfigError, match=r"dtype='float16'.*bfloat16"):
        build(ConvModel(), dtype='float16')


def test_native_bfloat16_answers_without_raising():
    assert cpu_amp.native_bfloat16() in (True, False)
