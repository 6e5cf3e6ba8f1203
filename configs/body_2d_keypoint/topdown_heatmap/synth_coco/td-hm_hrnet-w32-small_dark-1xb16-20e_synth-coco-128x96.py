# The demo: the HRNet-w32 COCO recipe (its DARK variant) on the embedded synthetic
# COCO-keypoints data (`posecore coco synth data/synth_coco`), shrunk to train on a 2-core CPU
# within 15 minutes.
# Changed from the base: data_root, a smaller HRNet with PyTorch's default initialisation,
# input 128x96, no pretrained weights, the schedule (20 epochs at batch 16 with a larger
# learning rate, light augmentation, data loaded in the main process) and the heatmap's
# Gaussian: sigma 1 on the 32x24 heatmaps is the base's sigma 2 on 64x48 scaled to this size,
# and DARK's blur kernel follows it (MMPose's rule sigma = 0.3((k-1)/2-1)+0.8: k 5).
# The smaller HRNet keeps w32's highest-resolution branch, 32 channels, the one the head reads
# (the others halve: 32, 64, 128), with one block per branch and one basic block in stage 1.
# Why 32 there: the head's 1x1 convolution makes the 17 heatmaps from that branch's channels;
# with 16 (w16), 17 heatmaps cannot be independent, and training made the left and right
# knee (and ankle) heatmaps one, the model predicting one point for both. Side by side (one
# thread each, seed 0, the same 24-epoch schedule): w16 0.52-0.56 AP with the legs collapsed;
# widths (32, 32, 64, 128) 0.605 after 12 epochs and 0.668 after 24, nothing collapsed; with
# stage 1's bottleneck (128 channels out) replaced by one basic block (32 out, which also
# removes a transition convolution), 0.601 and 0.657 at 1.0-1.14x the w16 model's time per
# sample (the bottleneck: 1.24-1.37x). The 20 epochs here take about 15 minutes where w16
# took its typical 0.21 s an iteration (23.5 minutes on a slow machine: AP 0.639).
# Initialisation: HRNet's default, Normal(std 0.001) for every convolution, is MMPose's for a
# backbone without pretrained weights; PyTorch's default (init_cfg=None) learned faster with
# the w16 model: AP after 12 of 24 epochs, seed 1, 0.502 in posecore and 0.532 in MMPose 1.3.2
# against 0.430 and 0.473 with Normal(0.001).
# The model underfits (its AP on training images equals its AP on validation images), so
# samples seen per second of CPU decide the AP. Measured with the w16 model (side by side,
# one thread each, seed 0): one block per branch for 24 epochs AP 0.489, two blocks for 20
# epochs 0.467, input 160x128 for 12 epochs 0.438, input 96x64 for 36 epochs 0.411; sigma 2
# lr 2e-3 0.489, lr 3e-3 0.502, lr 4e-3 and 6e-3 worse; sigma 1.5 0.490, sigma 1 0.552
# (0.560 with the blur kernel 5). With the model here, lr 5e-3 was behind 3e-3 after 6
# epochs (0.478 against 0.498). The base's strong augmentation (scale 0.5-1.5, rotation up to
# 80 degrees, half-body crops) only slows learning here: at epoch 3, AP 0.085 with the light
# augmentation below against 0.018 with the base's; batch 16 beat batch 8 per sample seen. On
# 2 cores, DataLoader workers compete with the training threads for the same CPUs.
_base_ = ['../coco/td-hm_hrnet-w32_dark-8xb64-210e_coco-256x192.py']

data_root = 'data/synth_coco/'
max_epochs = 20

train_cfg = dict(max_epochs=max_epochs, val_interval=10)
optim_wrapper = dict(optimizer=dict(lr=3e-3))
param_scheduler = [
    dict(type='LinearLR', begin=0, end=100, start_factor=0.01, by_epoch=False),
    dict(type='CosineAnnealingLR', begin=0, end=max_epochs, T_max=max_epochs, eta_min=2e-5,
         by_epoch=True),
]
auto_scale_lr = dict(base_batch_size=16)
default_hooks = dict(logger=dict(interval=50), checkpoint=dict(interval=10, max_keep_ckpts=2))
randomness = dict(seed=0)

codec = dict(type='MSRAHeatmap', input_size=(96, 128), heatmap_size=(24, 32), sigma=1,
             unbiased=True, blur_kernel_size=5)

model = dict(
    backbone=dict(
        _delete_=True,
        type='HRNet', in_channels=3,
        init_cfg=None,  # PyTorch's default initialisation: see the header
        extra=dict(
            stage1=dict(num_modules=1, num_branches=1, block='BASIC', num_blocks=(1, ),
                        num_channels=(32, )),
            stage2=dict(num_modules=1, num_branches=2, block='BASIC', num_blocks=(1, 1),
                        num_channels=(32, 32)),
            stage3=dict(num_modules=1, num_branches=3, block='BASIC', num_blocks=(1, 1, 1),
                        num_channels=(32, 32, 64)),
            stage4=dict(num_modules=1, num_branches=4, block='BASIC', num_blocks=(1, 1, 1, 1),
                        num_channels=(32, 32, 64, 128)))),
    head=dict(in_channels=32, decoder=codec))

train_pipeline = [
    dict(type='LoadImage'),
    dict(type='GetBBoxCenterScale'),
    dict(type='RandomFlip', direction='horizontal'),
    dict(type='RandomBBoxTransform', scale_factor=(0.85, 1.15), rotate_prob=0.0),
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
    batch_size=16, num_workers=0, persistent_workers=False,
    dataset=dict(data_root=data_root, pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=64, num_workers=2, persistent_workers=True,
    dataset=dict(data_root=data_root, pipeline=val_pipeline,
                 bbox_file=data_root + 'person_detection_results/'
                 'COCO_val2017_detections_AP_H_56_person.json'))
test_dataloader = val_dataloader

val_evaluator = dict(ann_file=data_root + 'annotations/person_keypoints_val2017.json')
test_evaluator = val_evaluator
