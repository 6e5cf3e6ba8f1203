"""Fixtures for the heatmap codec tests: codecs are built through the
registry, from the entry points of ``pose-plugin-heatmap-codecs``."""
from __future__ import annotations

from importlib.metadata import entry_points

import pytest

DISTRIBUTION = 'pose-plugin-heatmap-codecs'
GROUP = 'posecore.keypoint_codecs'

# one representative configuration per codec name (and option)
CONFIGS = {
    'MSRAHeatmap': [dict(sigma=2), dict(sigma=2, unbiased=True)],
    'UDPHeatmap': [dict(), dict(heatmap_type='combined')],
    'MegviiHeatmap': [dict(kernel_size=11)],
}
SIZES = dict(input_size=(192, 256), heatmap_size=(48, 64))


def plugin_codec_names() -> list[str]:
    """Entry-point names in the codec group declared by this distribution."""
    names = [ep.name for ep in entry_points(group=GROUP)
             if ep.dist is not None and ep.dist.metadata['Name'] == DISTRIBUTION]
    return sorted(names)


def codec_params() -> list:
    params = []
    for name in plugin_codec_names():
        for extra in CONFIGS.get(name, [dict()]):
            cfg = dict(type=name, **SIZES, **extra)
            label = '-'.join([name] + [f'{k}={v}' for k, v in extra.items()])
            params.append(pytest.param(cfg, id=label))
    return params


def pytest_generate_tests(metafunc):
    # every test taking `codec_cfg` runs once per codec configuration
    if 'codec_cfg' in metafunc.fixturenames:
        metafunc.parametrize('codec_cfg', codec_params())


@pytest.fixture
def declared_codec_names() -> list[str]:
    return plugin_codec_names()


@pytest.fixture
def build():
    """Build a codec from a config dict through ``KEYPOINT_CODECS``."""
    from posecore.registry import KEYPOINT_CODECS
    return lambda cfg: KEYPOINT_CODECS.build(dict(cfg))
