# Top-down heatmap ResNet-50 (SimpleBaseline) on COCO at 256x192, MMPose 1.x's recipe.
# ResNet comes from pose-plugin-resnet, a third-party plugin (examples/pose-plugin-resnet);
# the other types from pose-plugin-{topdown,heatmap-codecs,coco}.
_base_ = ['../../../_base_/default_runtime.py']

plugins = dict(required=['pose-plugin-topdown>=0.1', 'pose-plugin-resnet>=0.1',
                          'pose-plugin-heatmap-codecs>=0.1', 'pose-plugin-coco>=0.1'])

# runtime
train_cfg = dict(max_epochs=210, val_interval=10)

# optimizer and learning policy: linear warm-up, steps at 170 and 200
optim_wrapper = dict(optimizer=dict(type='Adam', lr=5e-4))
param_scheduler = [
    dict(type='LinearLR', begin=0, end=500, start_factor=0.001, by_epoch=False),
    dict(type='MultiStepLR', begin=0, end=210, milestones=[170, 200], gamma=0.1,
         by_epoch=True),
]
auto_scale_lr = dict(base_batch_size=512)

default_hooks = dict(checkpoint=dict(save_best='coco/AP', rule='greater'))

codec = dict(type='MSRAHeatmap', input_size=(192, 256), heatmap_size=(48, 64), sigma=2)

# ResNet-50 ends at stride 32 (8x6); the head's three deconvolutions bring it to 64x48
model = dict(
    type='TopdownPoseEstimator',
    data_preprocessor=dict(type='PoseDataPreprocessor', mean=[123.675, 116.28, 103.53],
                           std=[58.395, 57.12, 57.375], bgr_to_rgb=True),
    backbone=dict(type='ResNet', depth=50,
                  init_cfg=dict(type='Pretrained', checkpoint='torchvision://resnet50')),
    head=dict(type='HeatmapHead', in_channels=2048, out_channels=17,
              loss=dict(type='KeypointMSELoss', use_target_weight=True), decoder=codec),
    test_cfg=dict(flip_test=True, flip_mode='heatmap', shift_heatmap=True))

dataset_type = 'CocoDataset'
data_mode = 'topdown'
data_root = 'data/coco/'

train_pipeline = [
    dict(type='LoadImage'),
    dict(type='GetBBoxCenterScale'),
    dict(type='RandomFlip', direction='horizontal'),
    dict(type='RandomHalfBody'),
    dict(type='RandomBBoxTransform'),
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
    batch_size=64, num_workers=2, persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(type=dataset_type, data_root=data_root, data_mode=data_mode,
                 ann_file='annotations/person_keypoints_train2017.json',
                 data_prefix=dict(img='train2017/'), pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=32, num_workers=2, persistent_workers=True, drop_last=False,
    sampler=dict(type='DefaultSampler', shuffle=False, round_up=False),
    dataset=dict(type=dataset_type, data_root=data_root, data_mode=data_mode,
                 ann_file='annotations/person_keypoints_val2017.json',
                 bbox_file='data/coco/person_detection_results/'
                 'COCO_val2017_detections_AP_H_56_person.json',
                 data_prefix=dict(img='val2017/'), test_mode=True, pipeline=val_pipeline))
test_dataloader = val_dataloader

val_evaluator = dict(type='CocoMetric',
                     ann_file=data_root + 'annotations/person_keypoints_val2017.json')
test_evaluator = val_evaluator
