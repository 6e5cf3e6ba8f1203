"""The random transforms draw only from ``np.random``, so mmengine's worker
seeding (``worker_init_fn``: ``np.random.seed(num_workers * rank +
worker_id + seed)``) makes a seeded run repeat itself batch for batch."""
from __future__ import annotations

from functools import partial
from typing import Any, Dict, List

import numpy as np
import torch

from .samples import fresh, train_pipeline


class _Samples(torch.utils.data.Dataset):
    """The COCO data infos through the training pipeline (a stand-in for a
    dataset built from a config)."""

    def __init__(self, infos: List[Dict[str, Any]], pipeline: Any, epochs: int = 2):
        self.infos, self.pipeline, self.epochs = infos, pipeline, epochs

    def __len__(self) -> int:
        return len(self.infos) * self.epochs

    def __getitem__(self, index: int) -> Any:
        return self.pipeline(fresh(self.infos[index % len(self.infos)]))


def _batches(infos, seed: int, num_workers: int = 2) -> list:
    from mmengine.dataset import Compose, pseudo_collate, worker_init_fn
    from posecore.registry import TRANSFORMS
    pipeline = Compose([TRANSFORMS.build(cfg) for cfg in train_pipeline()])
    loader = torch.utils.data.DataLoader(
        _Samples(infos, pipeline), batch_size=4, num_workers=num_workers,
        collate_fn=pseudo_collate,
        worker_init_fn=partial(worker_init_fn, num_workers=num_workers, rank=0,
                               seed=seed))
    return list(loader)


def _flat(batches: list) -> list:
    """Every tensor/array and metainfo value of the batches, in order."""
    out = []
    for batch in batches:
        out.extend(batch['inputs'])
        for sample in batch['data_samples']:
            out.append(sample.gt_fields.heatmaps)
            out.append(sample.gt_instance_labels.keypoint_weights)
            out.extend(v for _, v in sorted(sample.gt_instances.items()))
            out.extend(v for _, v in sorted(sample.metainfo_items()))
    return out


def _equal(a: Any, b: Any) -> bool:
    if isinstance(a, torch.Tensor):
        return torch.equal(a, b)
    if isinstance(a, np.ndarray):
        return np.array_equal(a, b)
    return a == b


def test_two_seeded_dataloader_runs_give_equal_batches(coco_infos):
    first, second = _batches(coco_infos, 42), _batches(coco_infos, 42)
    assert len(first) == len(second) == 7
    a, b = _flat(first), _flat(second)
    assert len(a) == len(b)
    assert all(_equal(x, y) for x, y in zip(a, b))
    # another seed draws differently (flips, boxes, crops)
    c = _flat(_batches(coco_infos, 43))
    assert not all(_equal(x, y) for x, y in zip(a, c))


def test_the_same_seed_gives_the_same_samples_in_process(build, coco_infos):
    transforms = [build(cfg) for cfg in train_pipeline()]

    def run(seed):
        np.random.seed(seed)
        outs = []
        for info in coco_infos:
            res = fresh(info)
            for transform in transforms:
                res = transform(res)
            outs.append(res)
        return outs

    for x, y in zip(run(7), run(7)):
        assert torch.equal(x['inputs'], y['inputs'])
        assert torch.equal(x['data_samples'].gt_fields.heatmaps,
                           y['data_samples'].gt_fields.heatmaps)
        assert x['data_samples'].flip == y['data_samples'].flip
