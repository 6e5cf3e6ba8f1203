"""A plugin module whose import fails, as one with a missing dependency does."""
import posecore_missing_dependency  # noqa: F401  (does not exist on purpose)


class BrokenModel:
    """Never reached."""
