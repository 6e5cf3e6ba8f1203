# Top-down heatmap training with the components of pose-plugin-resnet, on COCO-format person
# keypoints: posecore's embedded synthetic data
#   posecore coco synth data/synth_coco --train 64 --val 16
#   posecore train configs/td-hm_res18_1xb8-1e_synth-coco-64x64.py
# or real COCO (set data_root = 'data/coco/'). The pipeline, head, codec, dataset and
# CocoMetric come from posecore's first-party plugins, listed in plugins.required
# (checked before the run); without pose-plugin-resnet, posecore names each of its types
# the config uses, before reading any data.
default_scope = 'posecore'
plugins = dict(required=['pose-plugin-resnet>=0.1', 'pose-plugin-topdown>=0.1',
                         'pose-plugin-heatmap-codecs>=0.1',
                         'pose-plugin-coco>=0.1'])

data_root = 'data/synth_coco/'
codec = dict(type='MSRAHeatmap', input_size=(64, 64), heatmap_size=(16, 16), sigma=2)

model = dict(
    type='TopdownPoseEstimator',
    data_preprocessor=dict(type='PoseDataPreprocessor', mean=[123.675, 116.28, 103.53],
                           std=[58.395, 57.12, 57.375], bgr_to_rgb=True),
    # a narrow ResNet-18 (MMPose's is stem_channels=64, base_channels=64: 512 channels out)
    backbone=dict(type='ResNet', depth=18, stem_channels=16, base_channels=16),
    head=dict(type='HeatmapHead', in_channels=128, out_channels=17,
              deconv_out_channels=(64, 64, 64), deconv_kernel_sizes=(4, 4, 4),
              loss=dict(type='KeypointMSELoss', use_target_weight=True), decoder=codec),
    test_cfg=dict(flip_test=True, flip_mode='heatmap', shift_heatmap=True))

train_pipeline = [
    dict(type='LoadImage'),
    dict(type='GetBBoxCenterScale'),
    dict(type='RandomFlip', direction='horizontal'),
    dict(type='TopdownAffine', input_size=codec['input_size']),
    dict(type='GenerateTarget', encoder=codec),
    dict(type='PackPoseInputs'),
]
val_pipeline = [
    dict(type='LoadImage'),
    dict(type='GetBBoxCenterScale'),
    dict(type='TopdownAffine', input_size=codec['input_size']),
    dict(type='PackPoseInputs'),
]

train_dataloader = dict(
    batch_size=8, num_workers=0,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(type='CocoDataset', data_root=data_root, data_mode='topdown',
                 ann_file='annotations/person_keypoints_train2017.json',
                 data_prefix=dict(img='train2017/'), pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=8, num_workers=0, drop_last=False,
    sampler=dict(type='DefaultSampler', shuffle=False, round_up=False),
    dataset=dict(type='CocoDataset', data_root=data_root, data_mode='topdown',
                 ann_file='annotations/person_keypoints_val2017.json',
                 data_prefix=dict(img='val2017/'), test_mode=True, pipeline=val_pipeline))
test_dataloader = val_dataloader
# CocoMetric without ann_file reads the one the validation dataset announces
val_evaluator = [dict(type='CocoMetric')]
test_evaluator = val_evaluator

train_cfg = dict(by_epoch=True, max_epochs=1, val_interval=1)
val_cfg = dict()
test_cfg = dict()
optim_wrapper = dict(optimizer=dict(type='Adam', lr=1e-3))
param_scheduler = [dict(type='LinearLR', begin=0, end=20, start_factor=0.01, by_epoch=False)]

default_hooks = dict(
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=10),
    param_scheduler=dict(type='ParamSchedulerHook'),
    checkpoint=dict(type='CheckpointHook', interval=1, save_best='coco/AP', rule='greater'),
    sampler_seed=dict(type='DistSamplerSeedHook'))
custom_hooks = []

vis_backends = [dict(type='LocalVisBackend')]
visualizer = dict(type='PoseLocalVisualizer', vis_backends=vis_backends, name='visualizer')

env_cfg = dict(cudnn_benchmark=False, mp_cfg=dict(mp_start_method='fork', opencv_num_threads=0),
               dist_cfg=dict(backend='nccl'))
log_processor = dict(type='LogProcessor', window_size=10, by_epoch=True)
log_level = 'INFO'
load_from = None
resume = False
randomness = dict(seed=0)
