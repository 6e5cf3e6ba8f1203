# A small top-down HRNet run for the data cases of the hostile-input corpus: the demo
# config on the real COCO sample copied into the case's folder (coco/, relative to the
# working directory), one epoch at batch 4, no validation.
_base_ = ['../../configs/body_2d_keypoint/topdown_heatmap/synth_coco/'
          'td-hm_hrnet-w32-small_dark-1xb16-20e_synth-coco-128x96.py']

data_root = 'coco/'
train_cfg = dict(max_epochs=1, val_interval=100)
train_dataloader = dict(
    batch_size=4, num_workers=0, persistent_workers=False,
    dataset=dict(data_root=data_root, ann_file='test_coco.json', data_prefix=dict(img=''),
                 max_refetch=20))
val_cfg = None
val_dataloader = None
val_evaluator = None
test_cfg = None
test_dataloader = None
test_evaluator = None
default_hooks = dict(checkpoint=dict(interval=1, save_best=None), logger=dict(interval=1))
