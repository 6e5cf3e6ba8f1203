"""Which first-party distribution provides which name.

Used only for the hint in an unknown-name error (``pip install ...``); the
entry points of installed distributions stay the source of truth.
"""
from __future__ import annotations

_PROVIDES: dict[str, tuple[str, ...]] = {
    'pose-plugin-heatmap-codecs': ('MSRAHeatmap', 'UDPHeatmap', 'MegviiHeatmap'),
    'pose-plugin-hrnet': ('HRNet',),
    'pose-plugin-coco': ('CocoDataset', 'AicDataset', 'CrowdPoseDataset', 'ExlposeDataset',
                         'HumanArtDataset', 'MpiiDataset', 'OneHand10KDataset', 'WFLWDataset',
                         'CombinedDataset', 'CocoMetric'),
    'pose-plugin-topdown': (
        'TopdownPoseEstimator', 'PoseDataPreprocessor', 'HeatmapHead', 'FeatureMapProcessor',
        'KeypointMSELoss', 'KeypointOHKMMSELoss', 'CombinedTargetMSELoss', 'AdaptiveWingLoss',
        'LoadImage', 'GetBBoxCenterScale', 'RandomFlip', 'RandomHalfBody',
        'RandomBBoxTransform', 'TopdownAffine', 'GenerateTarget', 'PackPoseInputs',
        'PhotometricDistortion', 'Albumentation', 'KeypointConverter',
        'PoseLocalVisualizer', 'PoseVisualizationHook', 'BadCaseAnalysisHook',
        'PipelineSwitchHook', 'PCKAccuracy', 'MpiiPCKAccuracy', 'AUC', 'EPE', 'NME'),
}

FIRST_PARTY: dict[str, str] = {name: dist for dist, names in _PROVIDES.items() for name in names}
