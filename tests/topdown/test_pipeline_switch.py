"""PipelineSwitchHook with a stand-in runner and real DataLoaders: when it switches,
that persistent workers see the new pipeline, wrapped datasets, and bad settings."""
from __future__ import annotations

from types import SimpleNamespace

import pytest
from mmengine.dataset import Compose
from posecore.errors import PluginNotFoundError
from posecore.registry import HOOKS
from torch.utils.data import ConcatDataset, DataLoader


class Tagged:
    """A picklable transform that records its tag in the sample."""

    def __init__(self, tag: str) -> None:
        self.tag = tag

    def __call__(self, results: dict) -> dict:
        return dict(results, tag=self.tag)


class PipedDataset:
    """The least a dataset needs for the hook: items passed through ``pipeline``."""

    def __init__(self, size: int = 4) -> None:
        self.size = size
        self.pipeline = Compose([Tagged('old')])
        self.metainfo: dict = {}

    def __len__(self) -> int:
        return self.size

    def __getitem__(self, idx: int) -> dict:
        return self.pipeline(dict(idx=idx))

    def full_init(self) -> None:
        pass


def tags(loader: DataLoader) -> set[str]:
    return {tag for batch in loader for tag in batch['tag']}


def switch_hook(epoch: int = 2):
    return HOOKS.build(dict(type='PipelineSwitchHook', switch_epoch=epoch,
                            switch_pipeline=[Tagged('new')]))


def run_epoch(hook, loader: DataLoader, epoch: int) -> set[str]:
    hook.before_train_epoch(SimpleNamespace(epoch=epoch, train_dataloader=loader))
    return tags(loader)


def test_the_pipeline_switches_at_the_given_epoch_and_once():
    loader = DataLoader(PipedDataset(), batch_size=2)
    hook = switch_hook(epoch=2)
    assert [run_epoch(hook, loader, epoch) for epoch in range(4)] == [
        {'old'}, {'old'}, {'new'}, {'new'}]
    switched = loader.dataset.pipeline
    run_epoch(hook, loader, 4)
    assert loader.dataset.pipeline is switched


def test_a_run_resumed_past_the_switch_trains_on_the_new_pipeline():
    loader = DataLoader(PipedDataset(), batch_size=2)
    assert run_epoch(switch_hook(epoch=2), loader, 7) == {'new'}


def test_persistent_workers_are_restarted_with_the_new_pipeline():
    loader = DataLoader(PipedDataset(), batch_size=2, num_workers=1, persistent_workers=True)
    hook = switch_hook(epoch=1)
    assert run_epoch(hook, loader, 0) == {'old'}
    assert run_epoch(hook, loader, 0) == {'old'}  # the same workers, still the old copy
    assert run_epoch(hook, loader, 1) == {'new'}
    assert run_epoch(hook, loader, 2) == {'new'}


class Repeated:
    """A wrapper of one dataset, as mmengine's RepeatDataset (``.dataset``)."""

    def __init__(self, dataset: PipedDataset) -> None:
        self.dataset = dataset

    def __len__(self) -> int:
        return 2 * len(self.dataset)

    def __getitem__(self, idx: int) -> dict:
        return self.dataset[idx % len(self.dataset)]


def test_every_dataset_a_wrapper_holds_is_switched():
    nested = ConcatDataset([PipedDataset(2), Repeated(PipedDataset(3))])
    loader = DataLoader(nested, batch_size=4)
    assert run_epoch(switch_hook(epoch=0), loader, 0) == {'new'}


def test_transform_configs_are_built_through_the_registry():
    hook = HOOKS.build(dict(type='PipelineSwitchHook', switch_epoch=0,
                            switch_pipeline=[dict(type='GetBBoxCenterScale', padding=1.5)]))
    loader = DataLoader(PipedDataset(), batch_size=2)
    hook.before_train_epoch(SimpleNamespace(epoch=0, train_dataloader=loader))
    assert loader.dataset.pipeline.transforms[0].padding == 1.5


@pytest.mark.parametrize('epoch', [-1, 1.5, '3', True])
def test_a_bad_switch_epoch_is_named(epoch):
    with pytest.raises(ValueError, match='switch_epoch must be an int >= 0'):
        HOOKS.build(dict(type='PipelineSwitchHook', switch_epoch=epoch,
                         switch_pipeline=[Tagged('new')]))


@pytest.mark.parametrize('pipeline', [[], dict(type='LoadImage'), 'LoadImage', [3]])
def test_a_bad_switch_pipeline_is_named(pipeline):
    with pytest.raises(TypeError, match=r'switch_pipeline'):
        HOOKS.build(dict(type='PipelineSwitchHook', switch_epoch=1, switch_pipeline=pipeline))


def test_an_unknown_transform_fails_when_the_hook_is_built():
    with pytest.raises(PluginNotFoundError, match='LoadImageTypo'):
        HOOKS.build(dict(type='PipelineSwitchHook', switch_epoch=5,
                         switch_pipeline=[dict(type='LoadImageTypo')]))


def test_a_dataset_without_a_pipeline_is_named():
    loader = DataLoader(list(range(4)), batch_size=2)
    with pytest.raises(TypeError, match='list.*has no pipeline'):
        switch_hook(epoch=0).before_train_epoch(SimpleNamespace(epoch=0,
                                                                train_dataloader=loader))
