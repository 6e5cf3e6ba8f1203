"""Heatmap keypoint codecs for posecore: ``MSRAHeatmap`` (with DARK decoding),
``UDPHeatmap`` and ``MegviiHeatmap``, equal to MMPose 1.x's and vectorised.

Registered in ``KEYPOINT_CODECS`` through the entry-point group
``posecore.keypoint_codecs``; nothing is imported here on purpose.
"""
