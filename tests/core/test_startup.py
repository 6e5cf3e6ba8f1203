"""--help, --version and plugins list import neither torch, mmengine nor plugin code."""
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
heavy = sorted(m for m in sys.modules if m.split('.')[0] in
               ('torch', 'mmengine', 'numpy', 'cv2', 'posecore_test_tiny', 'posecore_test_clash',
                'posecore_test_broken', 'posecore_test_future', 'pose_plugin_hrnet',
                'pose_plugin_heatmap_codecs'))
print(json.dumps(heavy))
"""


@pytest.mark.parametrize('args', [['--help'], ['--version'], ['plugins', 'list'],
                                  ['plugins', 'list', '--json', '*Tiny*']])
def test_light_commands_import_nothing_heavy(plugin_site, args):
    result = subprocess.run([sys.executable, '-c', PROBE.format(args=args)],
                            env=posecore_env(plugin_site), capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    heavy = json.loads(result.stdout.strip().splitlines()[-1])
    # the tiny plugin's pluggy module is import-light by contract and may load
    assert [m for m in heavy if m != 'posecore_test_tiny' and
            not m.startswith('posecore_test_tiny.pluggy')] == []
