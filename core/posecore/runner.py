"""Glue around mmengine's ``Runner`` for ``posecore train`` and ``posecore test``.

Mirrors MMPose 1.x ``tools/train.py`` and ``tools/test.py``: the work dir is
the ``--work-dir`` flag, else ``work_dir`` in the config, else
``work_dirs/<config stem>``; flags are merged into the config, then the
pluggy ``posecore_configure`` hooks see it, every ``type`` is checked
against what is installed, then ``Runner.from_cfg`` builds.
"""
from __future__ import annotations

import json
import os.path as osp
import sys
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mmengine.config import Config

from posecore.config import (apply_plugin_settings, check_run_parts, check_type_names,
                             load_config)
from posecore.config_arguments import check_arguments
from posecore.config_values import check_values
from posecore.errors import ConfigError, UsageError
from posecore.plugin_manager import get_plugin_manager


@dataclass
class RunOptions:
    """What ``posecore train`` / ``posecore test`` were asked on the command line."""

    config: str
    work_dir: str | None = None
    cfg_options: dict[str, Any] | None = None
    launcher: str = 'none'
    resume: str | None = None  # 'auto' or a checkpoint path
    amp: bool = False
    auto_scale_lr: bool = False
    checkpoint: str | None = None  # test only
    out: str | None = None  # test only: metrics file (.json)
    dump: str | None = None  # test only: predictions file (.pkl)


def prepare_config(opts: RunOptions, mode: str) -> Config:
    """Load the config, merge the flags and run the ``posecore_configure`` hooks."""
    cfg = load_config(opts.config, opts.cfg_options)
    check_run_parts(cfg, opts.config, mode)
    apply_plugin_settings(cfg)
    cfg.launcher = opts.launcher
    if opts.work_dir is not None:
        cfg.work_dir = opts.work_dir
    elif cfg.get('work_dir') is None:
        cfg.work_dir = osp.join('./work_dirs', Path(opts.config).stem)
    _check_work_dir(cfg.work_dir)
    if mode == 'train':
        _merge_train_flags(cfg, opts)
    else:
        _merge_test_flags(cfg, opts)
    _fallback_to_gloo(cfg)
    get_plugin_manager().hook.posecore_configure(cfg=cfg)
    check_values(cfg, opts.config)
    check_type_names(cfg, opts.config)
    check_arguments(cfg, opts.config)
    return cfg


def _check_work_dir(work_dir: str) -> None:
    """Refuse a work dir that is, or lies under, a file (mmengine: a raw FileExistsError)."""
    path = Path(work_dir)
    for part in [path, *path.parents]:
        if part.exists() and not part.is_dir():
            what = 'is a file' if part == path else f'lies under {str(part)!r}, which is a file'
            raise UsageError(f'work dir {work_dir!r} {what}; pass --work-dir a folder '
                             f'(new or existing), or move that file away.')


def _merge_train_flags(cfg: Config, opts: RunOptions) -> None:
    if opts.amp:
        if not _amp_runs_here():
            raise UsageError('--amp needs a CUDA device: mmengine\'s AmpOptimWrapper does '
                             'not run on the CPU. Drop --amp on this machine' + _CPU_AMP_HINT)
        wrapper = cfg.optim_wrapper.get('type', 'OptimWrapper')
        if wrapper not in ('OptimWrapper', 'AmpOptimWrapper'):
            raise UsageError(f'--amp works with optim_wrapper.type OptimWrapper, not '
                             f'{wrapper!r}; set AmpOptimWrapper in the config instead.')
        cfg.optim_wrapper.type = 'AmpOptimWrapper'
        cfg.optim_wrapper.setdefault('loss_scale', 'dynamic')
    _check_amp_device(cfg)
    if opts.resume == 'auto':
        _check_resumable(cfg.work_dir)
        cfg.resume = True
        cfg.load_from = None
    elif opts.resume is not None:
        if not osp.isfile(opts.resume):
            raise UsageError(f'--resume {opts.resume!r}: no such checkpoint file; pass a '
                             f'.pth file, or --resume alone to resume from the latest '
                             f'checkpoint in the work dir.')
        cfg.resume = True
        cfg.load_from = opts.resume
    if opts.auto_scale_lr:
        scale = cfg.get('auto_scale_lr')
        if not scale or 'base_batch_size' not in scale:
            raise ConfigError("--auto-scale-lr needs auto_scale_lr = dict(base_batch_size=N) "
                              "in the config (the batch size its learning rate was set for).")
        cfg.auto_scale_lr.enable = True


def _amp_runs_here() -> bool:
    """Whether mmengine's AmpOptimWrapper can run: it asserts one of these devices (not
    the CPU, nor Apple's MPS)."""
    from mmengine.device import get_device

    return get_device() in ('cuda', 'npu', 'mlu', 'musa')


_CPU_AMP_HINT = ("; on a CPU with native bfloat16 (AMX or AVX-512 BF16), "
                 "optim_wrapper = dict(type='CPUAmpOptimWrapper') trains in mixed precision.")


def _check_amp_device(cfg: Config) -> None:
    """A config that names AmpOptimWrapper (MMPose's ``*_fp16-*`` configs) on a machine
    without an accelerator: say so before any data is read (mmengine: a bare assertion
    once the runner is built). The same for CPUAmpOptimWrapper's dtype."""
    wrapper = cfg.get('optim_wrapper') or {}
    if wrapper.get('type') == 'CPUAmpOptimWrapper' and 'dtype' in wrapper:
        from posecore.cpu_amp import check_dtype

        check_dtype(wrapper['dtype'])
    if wrapper.get('type') == 'AmpOptimWrapper' and not _amp_runs_here():
        raise UsageError("optim_wrapper.type='AmpOptimWrapper' (mixed precision, as in MMPose's "
                         "*_fp16 configs) needs a CUDA (or NPU/MLU/MUSA) device, and this "
                         'machine has none; train the full-precision config of the same model '
                         '(the name without "_fp16"), or set optim_wrapper.type to '
                         "'OptimWrapper' and drop its loss_scale in your config"
                         + _CPU_AMP_HINT)


def _check_resumable(work_dir: str) -> None:
    from mmengine.runner import find_latest_checkpoint

    if not osp.isdir(work_dir) or find_latest_checkpoint(work_dir) is None:
        raise UsageError(f'--resume: no checkpoint to resume from in the work dir '
                         f'{work_dir!r} (no last_checkpoint file or *.pth there); pass '
                         f'--resume CKPT.pth, or drop --resume to start from scratch.')
    latest = find_latest_checkpoint(work_dir)
    marker = osp.join(work_dir, 'last_checkpoint')
    if not osp.isfile(latest):
        raise UsageError(f'--resume: {marker!r} names the checkpoint {latest!r}, which does '
                         f'not exist; pass --resume CKPT.pth with a checkpoint that does'
                         f'{_whole_checkpoints_hint(work_dir)}.')
    from posecore.checkpoint import CheckpointLoadError, checkpoint_problem

    problem = checkpoint_problem(latest)
    if problem:
        raise CheckpointLoadError(
            f'--resume: the latest checkpoint {latest!r} (named in {marker!r}) {problem} '
            f'To resume from an earlier one, pass --resume CKPT.pth'
            f'{_whole_checkpoints_hint(work_dir, latest)}.')


def _whole_checkpoints_hint(work_dir: str, skip: str | None = None) -> str:
    """``', e.g. --resume W/epoch_1.pth'`` for the newest readable checkpoint in
    ``work_dir`` other than ``skip``, or ``''`` when there is none."""
    import glob
    import os

    from posecore.checkpoint import checkpoint_problem

    found = sorted((p for p in glob.glob(osp.join(work_dir, '*.pth'))
                    if skip is None or not osp.samefile(p, skip)),
                   key=os.path.getmtime, reverse=True)
    for path in found:
        if checkpoint_problem(path) is None:
            return f', e.g. --resume {path}'
    return ''


def _merge_test_flags(cfg: Config, opts: RunOptions) -> None:
    if opts.checkpoint is None or not osp.isfile(opts.checkpoint):
        raise UsageError(f'checkpoint {opts.checkpoint!r} does not exist; pass the .pth '
                         f'file to evaluate.')
    cfg.load_from = opts.checkpoint
    if opts.out is not None and osp.isdir(opts.out):
        example = osp.join(opts.out, 'metrics.json')
        raise UsageError(f'--out {opts.out!r} is a folder; pass the name of the JSON file '
                         f'to write the metrics to, e.g. --out {example}.')
    if opts.dump is not None:
        if not opts.dump.endswith(('.pkl', '.pickle')):
            raise UsageError(f'--dump {opts.dump!r}: predictions are written as pickle; '
                             f'use a .pkl file name.')
        dump = dict(type='DumpResults', out_file_path=opts.dump)
        evaluator = cfg.get('test_evaluator')
        evaluators = list(evaluator) if isinstance(evaluator, (list, tuple)) else [evaluator]
        cfg.test_evaluator = [e for e in evaluators if e is not None] + [dump]


def _fallback_to_gloo(cfg: Config) -> None:
    if cfg.launcher == 'none':
        return
    import torch

    dist_cfg = cfg.setdefault('env_cfg', {}).setdefault('dist_cfg', {})
    if torch.cuda.is_available():
        return
    if dist_cfg.get('backend', 'nccl') == 'nccl':
        dist_cfg['backend'] = 'gloo'
        print('posecore: no CUDA device: distributed backend nccl -> gloo.', file=sys.stderr)
    # mmengine passes device_ids=[LOCAL_RANK] to DDP, which CPU modules refuse
    wrapper = cfg.get('model_wrapper_cfg') or dict(
        type='MMDistributedDataParallel', broadcast_buffers=False,
        find_unused_parameters=cfg.get('find_unused_parameters', False))
    wrapper.setdefault('device_ids', None)
    cfg.model_wrapper_cfg = wrapper


def _init_cpu_process_group(cfg: Config) -> None:
    """Start torch.distributed for a CPU-only ``--launcher pytorch`` run.

    mmengine's own start-up calls ``torch.cuda.set_device`` even for gloo,
    which fails without CUDA; once a group exists, the Runner uses it.
    """
    import torch
    import torch.distributed as dist

    if cfg.launcher == 'none' or torch.cuda.is_available() or dist.is_initialized():
        return
    if cfg.launcher != 'pytorch':
        raise UsageError(f'--launcher {cfg.launcher} without CUDA is not supported; on CPU '
                         f'machines start the processes with torchrun and --launcher pytorch.')
    dist_cfg = dict(cfg.env_cfg.dist_cfg)
    backend = dist_cfg.pop('backend')
    timeout = dist_cfg.pop('timeout', None)
    if timeout is not None:
        import datetime

        dist_cfg['timeout'] = datetime.timedelta(seconds=timeout)
    dist.init_process_group(backend=backend, **dist_cfg)


def build_runner(cfg: Config):
    """``Runner.from_cfg`` plus posecore's checkpoint safety hook."""
    from mmengine.runner import Runner

    from posecore.checkpoint import WeightsOnlyCheckpointHook, install_local_loader
    from posecore.crash_safety import NonFiniteLossHook, install_atomic_local_backend

    install_local_loader()
    install_atomic_local_backend()
    _init_cpu_process_group(cfg)
    runner = Runner.from_cfg(cfg)
    runner.register_hook(WeightsOnlyCheckpointHook(), priority='LOWEST')
    runner.register_hook(NonFiniteLossHook(), priority='VERY_HIGH')
    from posecore.data_faults import DEFAULT_MAX_BAD_SHARE, SkippedSamplesHook

    runner.register_hook(SkippedSamplesHook(cfg.get('max_bad_sample_share',
                                                    DEFAULT_MAX_BAD_SHARE)), priority='VERY_HIGH')
    return runner


@contextmanager
def process_group_ended():
    """Destroy a process group started inside the block when it ends.

    Left to the interpreter's exit, gloo's worker threads can be torn down
    while still joinable, and a rank whose run succeeded aborts with
    "terminate called without an active exception" (seen once in CI on a
    2-process CPU run). A group that existed before the block is the
    caller's and is kept.
    """
    import torch.distributed as dist

    def running() -> bool:
        return dist.is_available() and dist.is_initialized()

    started_before = running()
    ok = False
    try:
        yield
        ok = True
    finally:
        if not started_before and running():
            if ok:  # no rank tears down while another still talks to it
                dist.barrier()
            dist.destroy_process_group()


def train(opts: RunOptions) -> Any:
    """Train as the config says; returns the trained model."""
    cfg = prepare_config(opts, 'train')
    with process_group_ended():
        runner = build_runner(cfg)
        from posecore.checkpoint import guard_checkpoint_loading  # torch: after config checks

        guard_checkpoint_loading(runner, strict=False)
        return runner.train()


def test(opts: RunOptions) -> dict[str, Any]:
    """Evaluate a checkpoint; returns the metrics (also written to ``--out``)."""
    cfg = prepare_config(opts, 'test')
    with process_group_ended():
        runner = build_runner(cfg)
        from posecore.checkpoint import guard_checkpoint_loading  # torch: after config checks

        guard_checkpoint_loading(runner, strict=True)
        metrics = runner.test()
        from mmengine.dist import is_main_process

        writer = is_main_process()  # every rank holds the metrics; one writes them
    if opts.out is not None and writer:
        Path(opts.out).parent.mkdir(parents=True, exist_ok=True)
        Path(opts.out).write_text(json.dumps(metrics, indent=2, default=float) + '\n')
    return metrics
