"""The pluggy hook module of ``posecore plugin new --hooks``."""
from __future__ import annotations

MODULE = 'hooks'

SOURCE = '''\
"""pluggy hooks of @dist@ (entry-point group ``posecore.plugins``).

Import-light by contract: ``posecore --help`` imports this module, so it
imports no torch, mmengine or NumPy; heavy imports go inside the functions.
The hook specifications are in :mod:`posecore.hookspecs`.
"""
from __future__ import annotations

import argparse
import importlib.util
from typing import List

from posecore.checks import CheckResult
from posecore.hookspecs import hookimpl

DIST = '@dist@'
#: what this plugin's components import
REQUIRED_MODULES = ('torch', 'mmengine', 'numpy', 'cv2')


def _show(args: argparse.Namespace) -> int:
    """Print the names this plugin provides, from its metadata (nothing is imported)."""
    from posecore.discovery import get_index

    info = get_index().distribution(DIST)
    if info is None:
        print(f'{DIST} is not installed')
        return 1
    print(f'{info.name} {info.version}')
    for entry in sorted(info.entries, key=lambda e: (e.group, e.name)):
        print(f'  {entry.registry:<16} {entry.name:<28} {entry.value}')
    return 0


@hookimpl
def posecore_add_commands(subparsers: argparse._SubParsersAction) -> None:
    """``posecore @slug@``: what this plugin provides."""
    parser = subparsers.add_parser('@slug@', help=f'list what {DIST} provides')
    parser.set_defaults(func=_show)


@hookimpl
def posecore_check() -> List[CheckResult]:
    """Report, in ``posecore plugins check``, whether the libraries the
    components import are installed."""
    missing = [m for m in REQUIRED_MODULES if importlib.util.find_spec(m) is None]
    if missing:
        return [CheckResult(False, DIST, f'cannot find {", ".join(missing)}: reinstall '
                                         f'{DIST} with its dependencies (pip install {DIST})')]
    return [CheckResult(True, DIST, f'{", ".join(REQUIRED_MODULES)} are installed')]
'''

TEST = '''\
"""The pluggy hooks of @dist@: the ``posecore @slug@`` command and the check."""
from __future__ import annotations

from posecore.cli.main import main
from posecore.plugin_manager import get_plugin_manager

DIST = '@dist@'


def test_the_command_lists_what_the_plugin_provides(posecore_plugins, capsys):
    index = posecore_plugins(DIST)
    assert main(['@slug@']) == 0
    out = capsys.readouterr().out
    assert out.startswith(DIST)
    for entry in index.distribution(DIST).entries:
        assert entry.name in out


def test_the_check_reports_the_dependencies(posecore_plugins):
    posecore_plugins(DIST)
    results = [r for found in get_plugin_manager().hook.posecore_check() for r in found or []]
    ours = [r for r in results if r.subject == DIST]
    assert len(ours) == 1 and ours[0].ok, ours
'''
