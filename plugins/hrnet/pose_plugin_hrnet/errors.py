"""Exception types raised by the HRNet plugin (subclasses of posecore's)."""
from __future__ import annotations

from posecore.errors import ConfigError, PosecoreError


class HRNetConfigError(ConfigError, ValueError):
    """An HRNet argument (``extra``, ``norm_cfg``, ``conv_cfg``...) is invalid.

    The message names the option (e.g. ``extra.stage3.num_channels``), the
    rule it breaks and what to write instead.
    """


class HRNetInputError(PosecoreError, ValueError):
    """The tensor passed to ``HRNet.forward`` has the wrong rank, channels or size."""
