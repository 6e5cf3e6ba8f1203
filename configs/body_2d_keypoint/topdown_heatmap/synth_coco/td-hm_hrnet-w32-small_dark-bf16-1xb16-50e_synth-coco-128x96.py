# The demo for CPUs that compute bfloat16 natively (AMX or AVX-512 BF16; `make demo` picks it
# there): the 20-epoch demo with its training forward in bfloat16 (CPUAmpOptimWrapper: 1.4x
# the iterations per second of float32 on such a CPU, the same AP per epoch) and PyTorch's
# fused Adam (the same arithmetic, fewer passes), that speed spent on a longer schedule:
# 50 epochs, the cosine over all of them. The model still underfits, so AP rises with the
# epochs (figures in the README, `make demo`). On a CPU without native bfloat16 the wrapper
# trains in float32, which takes about 2.5x as long.
_base_ = ['./td-hm_hrnet-w32-small_dark-1xb16-20e_synth-coco-128x96.py']

max_epochs = 50

train_cfg = dict(max_epochs=max_epochs, val_interval=10)
optim_wrapper = dict(type='CPUAmpOptimWrapper', optimizer=dict(fused=True))
param_scheduler = [
    dict(type='LinearLR', begin=0, end=100, start_factor=0.01, by_epoch=False),
    dict(type='CosineAnnealingLR', begin=0, end=max_epochs, T_max=max_epochs, eta_min=2e-5,
         by_epoch=True),
]
