# ResNet-18 (from the third-party plugin pose-plugin-resnet) on the embedded synthetic
# COCO-keypoints data (`posecore coco synth data/synth_coco`), small enough for a 2-core CPU.
# Changed from the ResNet-50 COCO config: data_root, ResNet-18 without pretrained weights
# (512 output channels), input 128x96, the schedule. The HeatmapHead, codec, pipeline and
# CocoMetric are the base's.
_base_ = ['../coco/td-hm_res50_8xb64-210e_coco-256x192.py']

data_root = 'data/synth_coco/'
max_epochs = 20

train_cfg = dict(max_epochs=max_epochs, val_interval=4)
optim_wrapper = dict(optimizer=dict(lr=2e-3))
param_scheduler = [
    dict(type='LinearLR', begin=0, end=200, start_factor=0.01, by_epoch=False),
    dict(type='CosineAnnealingLR', begin=0, end=max_epochs, T_max=max_epochs, eta_min=2e-5,
         by_epoch=True),
]
auto_scale_lr = dict(base_batch_size=32)
default_hooks = dict(logger=dict(interval=20), checkpoint=dict(interval=4, max_keep_ckpts=2))
randomness = dict(seed=0)

codec = dict(type='MSRAHeatmap', input_size=(96, 128), heatmap_size=(24, 32), sigma=2)

model = dict(
    backbone=dict(_delete_=True, type='ResNet', depth=18),
    head=dict(in_channels=512, decoder=codec))

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
    batch_size=32, num_workers=2, persistent_workers=True,
    dataset=dict(data_root=data_root, pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=64, num_workers=2, persistent_workers=True,
    dataset=dict(data_root=data_root, pipeline=val_pipeline,
                 bbox_file=data_root + 'person_detection_results/'
                 'COCO_val2017_detections_AP_H_56_person.json'))
test_dataloader = val_dataloader

val_evaluator = dict(ann_file=data_root + 'annotations/person_keypoints_val2017.json')
test_evaluator = val_evaluator
