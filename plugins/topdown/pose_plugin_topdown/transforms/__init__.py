"""The top-down data pipeline of MMPose 1.x: ``LoadImage`` ->
``GetBBoxCenterScale`` -> ``RandomFlip`` -> ``RandomHalfBody`` ->
``RandomBBoxTransform`` -> ``TopdownAffine`` -> ``GenerateTarget`` ->
``PackPoseInputs``, and the colour augmentations ``PhotometricDistortion``
and ``Albumentation`` (albumentations' pixel-level transforms), and
``KeypointConverter`` for datasets trained together. Each is
registered in ``TRANSFORMS`` through this distribution's entry points; build
them from configs by name."""
