# A tiny end-to-end run: every type comes from the posecore-test-tiny plugin
# (tests/plugins/tiny) or from mmengine; nothing is imported by the config.
_base_ = ['../_base_/default_runtime.py']

plugins = dict(required=['posecore-test-tiny>=0.1'])

train_cfg = dict(by_epoch=True, max_epochs=3, val_interval=1)
val_cfg = dict()
test_cfg = dict()

optim_wrapper = dict(optimizer=dict(type='SGD', lr=0.1, momentum=0.9))
param_scheduler = [dict(type='MultiStepLR', milestones=[2], gamma=0.1, by_epoch=True)]

model = dict(type='TinyRegressor', in_features=4)

pipeline = [dict(type='PackTinyInputs')]
train_dataloader = dict(
    batch_size=16, num_workers=0, persistent_workers=False,
    sampler=dict(type='DefaultSampler', shuffle=True),
    collate_fn=dict(type='pseudo_collate'),
    dataset=dict(type='TinyPointsDataset', num_samples=256, seed=0, pipeline=pipeline))
val_dataloader = dict(
    batch_size=16, num_workers=0, persistent_workers=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    collate_fn=dict(type='pseudo_collate'),
    dataset=dict(type='TinyPointsDataset', num_samples=64, seed=1, pipeline=pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(type='TinyMAE')
test_evaluator = val_evaluator

# the base runtime's pose visualization hooks and visualizer are for pose models
default_hooks = dict(
    _delete_=True,
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=4),
    param_scheduler=dict(type='ParamSchedulerHook'),
    checkpoint=dict(type='CheckpointHook', interval=1, save_best='tiny/mae', rule='less'),
    sampler_seed=dict(type='DistSamplerSeedHook'))
visualizer = dict(type='Visualizer')
custom_hooks = [dict(type='EpochRecorderHook')]
randomness = dict(seed=0)
