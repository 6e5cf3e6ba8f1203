"""Exception types raised by the top-down models (estimator, head, losses)."""
from __future__ import annotations

from posecore.errors import ConfigError, PosecoreError


class ModelConfigError(ConfigError, ValueError):
    """A model argument (head channels, kernel sizes, ``test_cfg``...) is invalid.

    The message names the argument, the value given and what it must be.
    """


class ModelInputError(PosecoreError, ValueError):
    """Tensors or data samples given to a model disagree with it (channel or
    keypoint counts, missing metainfo such as ``input_center``)."""


class InvalidModeError(PosecoreError, ValueError, RuntimeError):
    """``forward(mode=...)`` got a mode other than ``'loss'``, ``'predict'`` or
    ``'tensor'`` (a ``RuntimeError`` too, as MMPose raises)."""
