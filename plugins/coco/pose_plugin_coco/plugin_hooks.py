"""pluggy hooks of pose-plugin-coco (import-light: no torch at import).

- ``posecore coco synth ...``: the synthetic COCO-keypoints generator;
- dataset metainfo ``coco`` and the other names of ``metainfo.NAMES``
  (``posecore metainfo coco``);
- a check of xtcocotools for ``posecore plugins check``.

Everything heavier than argparse is imported inside the hooks' callees:
``posecore --help`` loads this module and runs ``posecore_add_commands``.
"""
from __future__ import annotations

import argparse
from typing import Any

from posecore.hookspecs import hookimpl


@hookimpl
def posecore_add_commands(subparsers: argparse._SubParsersAction) -> None:
    """Add ``posecore coco`` with its subcommand ``synth``."""
    from pose_plugin_coco.synth import cli as synth_cli

    parser = subparsers.add_parser(
        'coco', help='COCO person keypoints: generate the synthetic dataset (pose-plugin-coco)',
        description='COCO person-keypoints tools of pose-plugin-coco.')
    actions = parser.add_subparsers(dest='coco_command', metavar='ACTION')
    synth_cli.add_parser(actions)

    def show_help(args: argparse.Namespace) -> int:  # `posecore coco` alone lists its actions
        parser.print_help()
        return 2

    parser.set_defaults(func=show_help)


@hookimpl
def posecore_dataset_metainfo(name: str) -> dict[str, Any] | None:
    """The metainfo of a name in :data:`~pose_plugin_coco.metainfo.NAMES`; None for others."""
    from pose_plugin_coco.metainfo import NAMES, dataset_metainfo

    return dataset_metainfo(name) if name in NAMES else None


@hookimpl
def posecore_check() -> list:
    """Whether xtcocotools imports and works under the installed numpy."""
    from posecore.checks import CheckResult

    try:
        from pose_plugin_coco.xtcocotools_compat import xtcocotools_status

        ok, message = xtcocotools_status()
    except Exception as exc:  # report, never crash the whole check command
        ok, message = False, f'could not check xtcocotools: {type(exc).__name__}: {exc}'
    return [CheckResult(bool(ok), 'pose-plugin-coco: xtcocotools', str(message))]
