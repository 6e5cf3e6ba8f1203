"""pluggy hooks of the tiny test plugin; imports nothing heavy (no torch)."""
from __future__ import annotations

import os

from posecore.checks import CheckResult
from posecore.hookspecs import hookimpl


def _hello(args) -> int:
    print(f'hello from posecore-test-tiny, {args.who}')
    return 0


@hookimpl
def posecore_add_commands(subparsers) -> None:
    parser = subparsers.add_parser('tiny-hello', help='say hello (test plugin)')
    parser.add_argument('who', nargs='?', default='world')
    parser.set_defaults(func=_hello)


@hookimpl
def posecore_configure(cfg) -> None:
    log = os.environ.get('TINY_CONFIGURE_LOG')
    if log:
        with open(log, 'a') as f:
            f.write(f'{cfg.work_dir}\n')
    if cfg.get('tiny_epochs_from_hook'):
        cfg.train_cfg.max_epochs = cfg.tiny_epochs_from_hook


@hookimpl
def posecore_dataset_metainfo(name: str):
    if name == 'tiny':
        return dict(dataset_name='tiny', num_keypoints=1, keypoint_names=['point'])
    return None


@hookimpl
def posecore_check():
    if os.environ.get('TINY_CHECK_FAIL'):
        return [CheckResult(False, 'posecore-test-tiny', 'TINY_CHECK_FAIL is set')]
    return [CheckResult(True, 'posecore-test-tiny', 'ready')]
