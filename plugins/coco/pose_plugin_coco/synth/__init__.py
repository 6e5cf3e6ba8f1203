"""The synthetic COCO person-keypoints generator, posecore's embedded default data.

``posecore coco synth OUT_DIR --train N --val M --seed S [--size PX] [--workers W]``
or, from Python, :func:`pose_plugin_coco.synth.generate.generate_dataset`.

Modules: :mod:`.keypoints` (COCO layout), :mod:`.figure` (body, pose, 3D
kinematics), :mod:`.appearance` (colours), :mod:`.background` (textures,
occluders), :mod:`.render` (drawing and part labels), :mod:`.scene` (one image
and its annotations), :mod:`.layout` (files), :mod:`.generate` (the run),
:mod:`.baseline` (the mean-pose baseline), :mod:`.cli` (the command).

Nothing is imported here: the CLI module must stay light for ``posecore --help``.
"""
