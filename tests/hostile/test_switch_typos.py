"""A typo in a plugin switch (``POSECORE_PLUGINS``, ``POSECORE_DISABLE_PLUGINS``,
``-p no:NAME``, ``plugins.disable``) is warned about, with the close matches among
the installed distributions: otherwise the plugin meant stays on (or off) silently."""
from __future__ import annotations

import pytest

from ..conftest import REPO, run_posecore

TINY = REPO / 'configs' / 'tiny' / 'tiny-regressor_linear_1xb16-3e_synthetic.py'
WARNING = ("posecore: warning: {source}: 'posecore-test-tyni' is not an installed plugin "
           "distribution, so nothing was {action}; did you mean posecore-test-tiny")


@pytest.mark.parametrize('args, env, source, action', [
    (['-p', 'no:posecore-test-tyni'], {}, '-p no:posecore-test-tyni', 'switched off'),
    (['-p', 'posecore-test-tyni'], {}, '-p posecore-test-tyni', 'switched on'),
    ([], {'POSECORE_DISABLE_PLUGINS': 'posecore-test-tyni'},
     'listed in POSECORE_DISABLE_PLUGINS', 'switched off'),
    ([], {'POSECORE_PLUGINS': 'posecore-test-tyni', 'POSECORE_DISABLE_PLUGIN_AUTOLOAD': '1'},
     'POSECORE_PLUGINS=posecore-test-tyni', 'switched on'),
], ids=['-p no:', '-p', 'POSECORE_DISABLE_PLUGINS', 'POSECORE_PLUGINS'])
def test_switch_typo_warns_with_close_match(plugin_site, args, env, source, action):
    result = run_posecore(plugin_site, *args, 'plugins', 'list', 'Tiny*', **env)
    assert result.returncode == 0, result.stderr
    assert WARNING.format(source=source, action=action) in result.stderr, result.stderr


def test_known_names_do_not_warn(plugin_site):
    result = run_posecore(plugin_site, '-p', 'no:posecore-test-tiny', 'plugins', 'list',
                          POSECORE_DISABLE_PLUGINS='Posecore_Test.Clash')
    assert result.returncode == 0 and 'warning' not in result.stderr, result.stderr


def test_config_plugins_disable_typo_warns(plugin_site, tmp_path):
    cfg = tmp_path / 'cfg.py'
    cfg.write_text(f"_base_ = [{str(TINY)!r}]\nplugins = dict(disable=['posecore-test-tyni'])\n")
    # an out-of-range value stops the run right after the switches are applied
    result = run_posecore(plugin_site, 'train', str(cfg), '--work-dir', str(tmp_path / 'w'),
                          '--cfg-options', 'train_cfg.max_epochs=0', cwd=tmp_path)
    assert result.returncode == 2
    assert WARNING.format(source="listed in the config's plugins.disable",
                          action='switched off') in result.stderr, result.stderr
