"""posecore: the small core of a pose-estimation toolbox in the MMPose 1.x mould.

It defines the eight registries, discovers plugin distributions through entry
points and pluggy hooks, loads configs and drives mmengine's Runner. Every
concrete part (models, datasets, codecs, metrics...) lives in a plugin.
Importing this package imports nothing else: start-up time matters for the CLI.
"""
__version__ = '0.1.0'
