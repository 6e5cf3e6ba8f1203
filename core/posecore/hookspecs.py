"""The pluggy hook specifications of project ``posecore``.

Plugins list import-light modules (no torch at import) under the entry-point
group ``posecore.plugins``; functions there marked with :data:`hookimpl`
implement these hooks. Each docstring is the contract.
"""
from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:
    from mmengine.config import Config

    from posecore.checks import CheckResult

PROJECT = 'posecore'
hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


@hookspec
def posecore_add_commands(subparsers: argparse._SubParsersAction) -> None:
    """Add subcommands to the ``posecore`` CLI.

    :param subparsers: call ``subparsers.add_parser(NAME, help=...)`` and set
        ``parser.set_defaults(func=CALLABLE)``; the CLI calls ``CALLABLE(args)``
        and uses its return value (an int or None) as the exit code. Keep
        heavy imports inside ``CALLABLE``: ``posecore --help`` runs this hook.
    """


@hookspec
def posecore_configure(cfg: Config) -> None:
    """Inspect or change a loaded config in place before a run is built.

    Called by ``posecore train`` and ``posecore test`` (and
    :func:`posecore.config.prepare_config`) after ``_base_`` inheritance,
    ``--cfg-options`` and the command-line flags are applied. Raise
    :class:`posecore.errors.ConfigError` to refuse the config.
    """


@hookspec(firstresult=True)
def posecore_dataset_metainfo(name: str) -> dict[str, Any] | None:
    """Return the dataset metainfo dict registered under ``name`` (``'coco'``).

    The first non-None result wins; return None for names you do not know.
    """


@hookspec
def posecore_check() -> list[CheckResult] | None:
    """Contribute checks to ``posecore plugins check``.

    Return a list of :class:`posecore.checks.CheckResult`; a failing one makes
    the command exit non-zero.
    """
