"""The pytest fixtures of the testing kit: ``posecore_plugins`` and ``synthetic_coco``."""
from __future__ import annotations

from pathlib import Path
from typing import Callable, Iterable, Iterator, Mapping

import pytest


@pytest.fixture
def posecore_plugins() -> Iterator[Callable[..., object]]:
    """``posecore_plugins(*dists, distributions=None, environ=None)`` -> the index.

    :param dists: installed distributions to switch on; all others are off
        (as with ``POSECORE_DISABLE_PLUGIN_AUTOLOAD=1 POSECORE_PLUGINS=...``).
    :param distributions: index these instead of what is installed (objects
        with the ``importlib.metadata.Distribution`` attributes ``entry_points``,
        ``metadata['Name']``, ``version``, ``requires``).
    :param environ: the ``POSECORE_*`` switches to apply instead of ``dists``.
    """
    # deferred: loading this pytest plugin must not import mmengine or torch
    from posecore.discovery import (ENV_DISABLE_AUTOLOAD, ENV_PLUGINS, PluginIndex,
                                    reset_index)
    from posecore.plugin_manager import reset_plugin_manager
    from posecore.registry import REGISTRIES

    saved = {key: (dict(reg._module_dict), dict(reg._qualified))
             for key, reg in REGISTRIES.items()}

    def use(*dists: str, distributions: Iterable | None = None,
            environ: Mapping[str, str] | None = None) -> PluginIndex:
        if environ is None:
            environ = {ENV_DISABLE_AUTOLOAD: '1', ENV_PLUGINS: ','.join(dists)}
        index = PluginIndex(distributions, environ=environ)
        reset_index(index)
        reset_plugin_manager()
        return index

    yield use
    for key, reg in REGISTRIES.items():
        reg._module_dict.clear()
        reg._module_dict.update(saved[key][0])
        reg._qualified.clear()
        reg._qualified.update(saved[key][1])
    reset_index(None)
    reset_plugin_manager()


#: images per split of the ``synthetic_coco`` data: enough for a batch, quick to draw
SYNTHETIC_TRAIN_IMAGES = 4
SYNTHETIC_VAL_IMAGES = 2


@pytest.fixture
def synthetic_coco(tmp_path: Path) -> Path:
    """A tiny COCO person-keypoints data root, in MMPose's ``data/coco`` layout.

    ``annotations/person_keypoints_{train,val}2017.json``, ``{train,val}2017/*.jpg``
    and ``person_detection_results/COCO_val2017_detections_AP_H_56_person.json``:
    4 training and 2 validation images (128 px) drawn by pose-plugin-coco's
    synthetic generator (seed 0). Skipped, with the reason, when pose-plugin-coco
    is not installed.
    """
    try:
        from pose_plugin_coco.synth.generate import generate_dataset
    except ImportError as exc:
        pytest.skip(f'synthetic_coco needs pose-plugin-coco (pip install pose-plugin-coco): '
                    f'{exc}')
    root = tmp_path / 'synth_coco'
    generate_dataset(root, train=SYNTHETIC_TRAIN_IMAGES, val=SYNTHETIC_VAL_IMAGES, seed=0,
                     size=128, workers=1, progress=False)
    return root
