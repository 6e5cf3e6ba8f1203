"""A model from a plugin built for a future posecore."""


class FutureModel:
    """Refused: its distribution requires posecore>=9.0."""
