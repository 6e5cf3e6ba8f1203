"""--help, --version and plugins list import neither torch, mmengine nor plugin code.

Hook modules (group ``posecore.plugins``) may load: they are import-light by
contract and ``--help`` needs the subcommands they add.
"""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

from ..conftest import posecore_env

PROBE = """
import json, sys
from posecore.cli.main import main
try:
    main({args!r})
except SystemExit:
    pass
from posecore.discovery import HOOK_GROUP, get_index
targets = {{e.module for e in get_index().entries(include_blocked=True) if e.group != HOOK_GROUP}}
heavy = sorted(m for m in sys.modules
               if m.split('.')[0] in ('torch', 'mmengine', 'numpy', 'cv2') or m in targets)
print(json.dumps([sorted(targets), heavy]))
"""


@pytest.mark.parametrize('args', [['--help'], ['--version'], ['plugins', 'list'],
                                  ['plugins', 'list', '--json', '*Tiny*']])
def test_light_commands_import_nothing_heavy(plugin_site, args):
    result = subprocess.run([sys.executable, '-c', PROBE.format(args=args)],
                            env=posecore_env(plugin_site), capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    targets, heavy = json.loads(result.stdout.strip().splitlines()[-1])
    assert 'posecore_test_tiny.model' in targets  # the probe sees the installed plugins
    assert heavy == []
