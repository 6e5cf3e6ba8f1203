"""``posecore train``, ``posecore test`` and ``posecore print-config``."""
from __future__ import annotations

import argparse

from posecore.cli.options import parse_cfg_options

_CFG_OPTIONS_HELP = ("override config settings, KEY=VALUE pairs, e.g. "
                     "train_cfg.max_epochs=1 'model.backbone.extra.stage1.num_blocks=[2]'")


def add_parsers(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser('train', help='train a model from a config')
    p.add_argument('config', help='config file')
    p.add_argument('--work-dir', help='where logs and checkpoints go '
                                      '(default: work_dirs/<config stem>)')
    p.add_argument('--resume', nargs='?', const='auto', metavar='CKPT',
                   help='resume from CKPT, or from the latest checkpoint in the work dir')
    p.add_argument('--amp', action='store_true', help='automatic mixed precision (CUDA)')
    p.add_argument('--auto-scale-lr', action='store_true',
                   help='scale the learning rate by the actual batch size')
    _add_common(p)
    p.set_defaults(func=cmd_train)

    p = sub.add_parser('test', help='evaluate a checkpoint')
    p.add_argument('config', help='config file')
    p.add_argument('checkpoint', help='checkpoint file')
    p.add_argument('--work-dir', help='where logs go (default: work_dirs/<config stem>)')
    p.add_argument('--out', help='write the metrics to this JSON file')
    p.add_argument('--dump', help='write the predictions to this .pkl file')
    _add_common(p)
    p.set_defaults(func=cmd_test)

    p = sub.add_parser('print-config', help='print the fully resolved config')
    p.add_argument('config', help='config file')
    p.add_argument('--cfg-options', nargs='+', metavar='KEY=VALUE', help=_CFG_OPTIONS_HELP)
    p.set_defaults(func=cmd_print_config)


def _add_common(p: argparse.ArgumentParser) -> None:
    p.add_argument('--cfg-options', nargs='+', metavar='KEY=VALUE', help=_CFG_OPTIONS_HELP)
    p.add_argument('--launcher', choices=['none', 'pytorch', 'slurm', 'mpi'], default='none',
                   help='job launcher for distributed runs')
    p.add_argument('--local_rank', '--local-rank', type=int, default=0,
                   help=argparse.SUPPRESS)  # passed by torch.distributed.launch


def _options(args: argparse.Namespace):
    import os

    from posecore.runner import RunOptions

    os.environ.setdefault('LOCAL_RANK', str(args.local_rank))
    return RunOptions(
        config=args.config, work_dir=args.work_dir,
        cfg_options=parse_cfg_options(args.cfg_options), launcher=args.launcher,
        resume=getattr(args, 'resume', None), amp=getattr(args, 'amp', False),
        auto_scale_lr=getattr(args, 'auto_scale_lr', False),
        checkpoint=getattr(args, 'checkpoint', None), out=getattr(args, 'out', None),
        dump=getattr(args, 'dump', None))


def cmd_train(args: argparse.Namespace) -> int:
    from posecore.runner import train

    train(_options(args))
    return 0


def cmd_test(args: argparse.Namespace) -> int:
    from posecore.runner import test

    test(_options(args))
    return 0


def cmd_print_config(args: argparse.Namespace) -> int:
    from posecore.config import load_config

    cfg = load_config(args.config, parse_cfg_options(args.cfg_options))
    print(f'Config:\n{cfg.pretty_text}')
    return 0
