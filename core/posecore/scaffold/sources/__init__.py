"""Source and test text of the sample components ``posecore plugin new`` writes.

One module per registry (and :mod:`.pluggy_hooks` for ``--hooks``); each
holds ``MODULE`` (the module name in the new package), ``CLASS``, ``SOURCE``,
``TEST`` and ``CONFIG`` (how the generated config uses it, or None). The text
holds the placeholders ``@Prefix@``, ``@package@``, ``@dist@`` and ``@slug@``.
"""
from __future__ import annotations

#: registry key -> the module of this package holding its sample component
BY_REGISTRY: dict[str, str] = {
    'models': 'backbone',
    'datasets': 'dataset',
    'transforms': 'transform',
    'keypoint_codecs': 'codec',
    'metrics': 'metric',
    'hooks': 'hook',
    'visualizers': 'visualizer',
    'visbackends': 'visbackend',
}
