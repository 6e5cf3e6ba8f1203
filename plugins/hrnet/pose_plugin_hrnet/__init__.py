"""HRNet backbone for posecore, registered in ``MODELS`` as ``HRNet`` by entry point.

State-dict keys, shapes, outputs and options match MMPose 1.x's ``HRNet``.
"""
