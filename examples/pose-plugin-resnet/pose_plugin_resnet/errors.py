"""Exception types raised by the ResNet plugin (subclasses of posecore's)."""
from __future__ import annotations

from posecore.errors import ConfigError, PosecoreError


class ResNetConfigError(ConfigError, ValueError):
    """A ``ResNet`` option (``depth``, ``strides``, ``norm_cfg``...) is invalid.

    The message names the option, the value given and the accepted values.
    """


class ResNetInputError(PosecoreError, ValueError):
    """The tensor passed to ``ResNet.forward`` has the wrong rank or channels."""
