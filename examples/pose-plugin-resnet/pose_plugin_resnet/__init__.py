"""ResNet backbones for posecore, registered in ``MODELS`` as ``ResNet`` and
``ResNetV1d`` by entry point.

Options, state-dict keys, shapes and outputs match MMPose 1.x's ``ResNet`` and
``ResNetV1d``. Nothing is imported here: posecore imports
:mod:`pose_plugin_resnet.resnet` when a config first names one of the types.
"""
__version__ = '0.1.0'
