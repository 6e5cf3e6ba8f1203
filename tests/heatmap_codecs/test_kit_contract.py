"""Every codec configuration keeps the codec contract of the testing kit
(``posecore.testing.check_codec``: round trip within one heatmap pixel, batch
decode equal to per-sample decode)."""
from __future__ import annotations

from posecore.testing import check_codec


def test_codec_keeps_the_kit_contract(posecore_plugins, codec_cfg):
    posecore_plugins('pose-plugin-heatmap-codecs')
    codec = check_codec(codec_cfg)
    assert type(codec).__name__ == codec_cfg['type']
