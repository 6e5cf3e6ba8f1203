"""End to end: test plugin distributions pip-installed, the CLI run as a user runs it."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

from ..conftest import REPO, run_posecore

TINY_CFG = REPO / 'configs' / 'tiny' / 'tiny-regressor_linear_1xb16-3e_synthetic.py'
BAD_ONES = 'posecore-test-clash,posecore-test-broken,posecore-test-future'
pytestmark = pytest.mark.usefixtures('plugin_site')


def _ok(result):
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return result


@pytest.fixture(scope='module')
def trained(plugin_site, tmp_path_factory):
    """One training run of the tiny config with the troublemakers switched off."""
    work = tmp_path_factory.mktemp('tiny-run')
    log = work / 'configure.log'
    result = _ok(run_posecore(plugin_site, 'train', str(TINY_CFG), '--work-dir', str(work),
                              cwd=work, POSECORE_DISABLE_PLUGINS=BAD_ONES,
                              TINY_CONFIGURE_LOG=str(log)))
    return work, result


def test_train_writes_checkpoints_logs_and_metrics(trained):
    work, result = trained
    assert sorted(p.name for p in work.glob('epoch_*.pth')) == [
        'epoch_1.pth', 'epoch_2.pth', 'epoch_3.pth']
    assert len(list(work.glob('best_tiny_mae_epoch_*.pth'))) == 1  # save_best via the metric
    assert (work / 'tiny_epochs.txt').read_text().split() == ['0', '1', '2']  # plugin hook
    assert (work / 'configure.log').read_text().strip() == str(work)  # pluggy configure hook
    scalars = [json.loads(line) for line in
               next(work.glob('*/vis_data/scalars.json')).read_text().splitlines()]
    maes = [s['tiny/mae'] for s in scalars if 'tiny/mae' in s]
    assert len(maes) == 3 and maes[-1] < maes[0]  # it learned


def test_checkpoints_load_with_weights_only(trained):
    work, _ = trained
    ckpt = torch.load(work / 'epoch_3.pth', weights_only=True)
    assert set(ckpt) >= {'meta', 'state_dict', 'message_hub', 'optimizer'}
    assert ckpt['state_dict']['linear.weight'].shape == (2, 4)


def test_resume_continues_from_the_latest_checkpoint(plugin_site, trained, tmp_path):
    work, _ = trained
    result = _ok(run_posecore(plugin_site, 'train', str(TINY_CFG), '--work-dir', str(work),
                              '--resume', '--cfg-options', 'train_cfg.max_epochs=4',
                              POSECORE_DISABLE_PLUGINS=BAD_ONES))
    assert 'resumed epoch: 3' in result.stdout + result.stderr
    assert (work / 'epoch_4.pth').is_file()
    assert (work / 'tiny_epochs.txt').read_text().split() == ['0', '1', '2', '3']


def test_test_command_writes_metrics_and_predictions(plugin_site, trained, tmp_path):
    work, _ = trained
    out, dump = tmp_path / 'metrics.json', tmp_path / 'preds.pkl'
    _ok(run_posecore(plugin_site, 'test', str(TINY_CFG), str(work / 'epoch_3.pth'),
                     '--work-dir', str(tmp_path / 'wd'), '--out', str(out), '--dump', str(dump),
                     POSECORE_DISABLE_PLUGINS=BAD_ONES))
    assert json.loads(out.read_text())['tiny/mae'] < 1.0
    assert dump.stat().st_size > 0


def test_default_work_dir_is_work_dirs_config_stem(plugin_site, tmp_path):
    _ok(run_posecore(plugin_site, 'train', str(TINY_CFG), '--cfg-options',
                     'train_cfg.max_epochs=1', cwd=tmp_path, POSECORE_DISABLE_PLUGINS=BAD_ONES))
    assert (tmp_path / 'work_dirs' / TINY_CFG.stem / 'epoch_1.pth').is_file()


def test_collision_fails_the_run_with_both_spellings(plugin_site, tmp_path):
    result = run_posecore(plugin_site, 'train', str(TINY_CFG), '--work-dir', str(tmp_path))
    assert result.returncode == 1
    assert "'TinyRegressor' is declared in entry-point group 'posecore.models' by 2 " \
           "distributions: posecore-test-clash, posecore-test-tiny" in result.stderr
    assert "type='posecore-test-tiny::TinyRegressor'" in result.stderr


def test_qualified_spelling_resolves_the_collision(plugin_site, tmp_path):
    _ok(run_posecore(plugin_site, 'train', str(TINY_CFG), '--work-dir', str(tmp_path),
                     '--cfg-options', 'model.type=posecore-test-tiny::TinyRegressor',
                     'train_cfg.max_epochs=1'))


def test_cli_switch_off_resolves_the_collision(plugin_site, tmp_path):
    _ok(run_posecore(plugin_site, '-p', 'no:posecore-test-clash', 'train', str(TINY_CFG),
                     '--work-dir', str(tmp_path), '--cfg-options', 'train_cfg.max_epochs=1'))


def test_config_disable_resolves_the_collision(plugin_site, tmp_path):
    _ok(run_posecore(plugin_site, 'train', str(TINY_CFG), '--work-dir', str(tmp_path),
                     '--cfg-options', "plugins.disable=[posecore-test-clash]",
                     'train_cfg.max_epochs=1'))


def test_unknown_types_are_listed_with_their_config_paths(plugin_site, tmp_path):
    result = run_posecore(plugin_site, 'train', str(TINY_CFG), '--work-dir', str(tmp_path),
                          '--cfg-options', 'model.type=TinyRegresor',
                          'custom_hooks.0.type=EpochRecorder',
                          POSECORE_DISABLE_PLUGINS=BAD_ONES)
    assert result.returncode == 1
    assert "model.type='TinyRegresor': did you mean TinyRegressor?" in result.stderr
    assert "custom_hooks.0.type='EpochRecorder': did you mean EpochRecorderHook?" in \
        result.stderr
    assert not list(tmp_path.glob('*.pth'))


def test_broken_plugin_error(plugin_site, tmp_path):
    result = run_posecore(plugin_site, 'train', str(TINY_CFG), '--work-dir', str(tmp_path),
                          '--cfg-options', 'model.type=BrokenModel',
                          POSECORE_DISABLE_PLUGINS='posecore-test-clash')
    assert result.returncode == 1
    assert ("entry point BrokenModel = 'posecore_test_broken.broken:BrokenModel' (group "
            "'posecore.models') of distribution posecore-test-broken 0.3.0 failed to load: "
            "ModuleNotFoundError: No module named 'posecore_missing_dependency'") in result.stderr
    traced = run_posecore(plugin_site, '--traceback', 'plugins', 'show', 'BrokenModel')
    assert traced.returncode == 1 and 'import failed' in traced.stdout


def test_version_mismatch_error(plugin_site, tmp_path):
    result = run_posecore(plugin_site, 'train', str(TINY_CFG), '--work-dir', str(tmp_path),
                          '--cfg-options', 'model.type=FutureModel',
                          POSECORE_DISABLE_PLUGINS='posecore-test-clash')
    assert result.returncode == 1
    assert ("posecore-test-future::FutureModel was refused: posecore-test-future 1.0.0 requires "
            "'posecore>=9.0', but posecore 0.1.0 is installed") in result.stderr


def test_required_plugin_missing(plugin_site, tmp_path):
    result = run_posecore(plugin_site, 'train', str(TINY_CFG), '--work-dir', str(tmp_path),
                          '--cfg-options', "plugins.required=[pose-plugin-nope>=1,"
                          "posecore-test-tiny>=0.5]")
    assert result.returncode == 1
    assert "pose-plugin-nope>=1: not installed (pip install 'pose-plugin-nope>=1')" in \
        result.stderr
    assert 'posecore-test-tiny>=0.5: version 0.1.0 is installed' in result.stderr
    assert not list(tmp_path.glob('*.pth'))


def test_autoload_off_with_allow_list(plugin_site, tmp_path):
    result = _ok(run_posecore(plugin_site, 'train', str(TINY_CFG), '--work-dir', str(tmp_path),
                              '--cfg-options', 'train_cfg.max_epochs=1',
                              POSECORE_DISABLE_PLUGIN_AUTOLOAD='1',
                              POSECORE_PLUGINS='posecore-test-tiny'))
    off = run_posecore(plugin_site, 'train', str(TINY_CFG), '--work-dir', str(tmp_path),
                       POSECORE_DISABLE_PLUGIN_AUTOLOAD='1')
    assert result.returncode == 0 and off.returncode == 1
    assert 'posecore-test-tiny>=0.1: installed but switched off ' \
           '(POSECORE_DISABLE_PLUGIN_AUTOLOAD is set' in off.stderr


def test_plugins_list(plugin_site):
    table = _ok(run_posecore(plugin_site, 'plugins', 'list')).stdout
    rows = [line.split() for line in table.splitlines()]
    assert rows[0] == ['NAME', 'REGISTRY', 'DISTRIBUTION', 'VERSION', 'ENTRY', 'POINT']
    assert ['TinyRegressor', 'models', 'posecore-test-tiny', '0.1.0',
            'posecore_test_tiny.model:TinyRegressor'] in rows
    rows = json.loads(_ok(run_posecore(plugin_site, 'plugins', 'list', '--json',
                                       '--registry', 'models', '*regress*')).stdout)
    assert sorted(r['distribution'] for r in rows) == ['posecore-test-clash',
                                                       'posecore-test-tiny']
    off = json.loads(_ok(run_posecore(plugin_site, '-p', 'no:posecore-test-clash', 'plugins',
                                      'list', '--json', 'TinyRegressor')).stdout)
    assert {r['distribution']: r['enabled'] for r in off} == {
        'posecore-test-clash': False, 'posecore-test-tiny': True}


def test_plugins_show(plugin_site):
    out = _ok(run_posecore(plugin_site, 'plugins', 'show', 'posecore-test-tiny::TinyMAE')).stdout
    assert 'distribution: posecore-test-tiny 0.1.0' in out
    assert 'entry point:  posecore.metrics: TinyMAE = posecore_test_tiny.metric:TinyMAE' in out
    assert 'summary:      Mean absolute error' in out
    out = _ok(run_posecore(plugin_site, 'plugins', 'show', 'TinyRegressor')).stdout
    assert 'signature:    TinyRegressor(in_features' in out and 'posecore-test-clash' in out
    missing = run_posecore(plugin_site, 'plugins', 'show', 'Nothing')
    assert missing.returncode == 1 and 'no installed distribution declares' in missing.stdout


def test_plugins_check(plugin_site):
    result = run_posecore(plugin_site, 'plugins', 'check', '--import')
    assert result.returncode == 1
    out = result.stdout
    assert 'FAIL posecore.models:TinyRegressor: declared by posecore-test-clash, ' \
           'posecore-test-tiny' in out
    assert "FAIL posecore-test-future: posecore-test-future 1.0.0 requires 'posecore>=9.0'" in out
    assert "FAIL posecore-test-broken::GhostModel: module 'posecore_test_broken.ghost'" in out
    assert 'FAIL posecore-test-broken::BrokenModel: entry point BrokenModel' in out
    assert ("FAIL posecore-test-broken::broken-hooks: entry point broken-hooks = "
            "'posecore_test_broken.bad_hooks'") in out and 'bad_hooks cannot start' in out
    assert 'ok   posecore-test-tiny: ready' in out  # contributed through the pluggy hook
    clean = run_posecore(plugin_site, 'plugins', 'check', POSECORE_DISABLE_PLUGINS=BAD_ONES)
    assert clean.returncode == 0 and 'no problems found' in clean.stdout
    failing = run_posecore(plugin_site, 'plugins', 'check', POSECORE_DISABLE_PLUGINS=BAD_ONES,
                           TINY_CHECK_FAIL='1')
    assert failing.returncode == 1 and 'FAIL posecore-test-tiny: TINY_CHECK_FAIL' in failing.stdout


def test_version_lists_plugins(plugin_site):
    out = _ok(run_posecore(plugin_site, '--version')).stdout
    assert out.startswith('posecore 0.1.0') and '  posecore-test-tiny 0.1.0' in out


def test_plugin_subcommand_and_metainfo_hooks(plugin_site):
    helped = _ok(run_posecore(plugin_site, '--help'))
    assert 'tiny-hello' in helped.stdout  # the broken hook module breaks only itself:
    assert 'hook plugin skipped' in helped.stderr and 'bad_hooks cannot start' in helped.stderr
    assert _ok(run_posecore(plugin_site, 'tiny-hello', 'there')).stdout.strip() == \
        'hello from posecore-test-tiny, there'
    meta = json.loads(_ok(run_posecore(plugin_site, 'metainfo', 'tiny')).stdout)
    assert meta['keypoint_names'] == ['point']
    missing = run_posecore(plugin_site, 'metainfo', 'nope')
    assert missing.returncode == 1 and "metainfo named 'nope'" in missing.stderr


def test_print_config(plugin_site):
    out = _ok(run_posecore(plugin_site, 'print-config', str(TINY_CFG), '--cfg-options',
                           'model.in_features=8')).stdout
    assert out.startswith('Config:\n') and "in_features=8" in out
    assert "default_scope = 'posecore'" in out


@pytest.mark.parametrize('args, message', [
    (['train', 'nope.py'], "config file 'nope.py' does not exist"),
    (['train', str(TINY_CFG), '--cfg-options', 'oops'], "--cfg-options 'oops': expected KEY=VALUE"),
    (['train', str(TINY_CFG), '--resume', 'gone.pth'], "--resume 'gone.pth': no such checkpoint"),
    (['train', str(TINY_CFG), '--auto-scale-lr'], '--auto-scale-lr needs auto_scale_lr'),
    (['test', str(TINY_CFG), 'gone.pth'], "checkpoint 'gone.pth' does not exist"),
    (['train', str(TINY_CFG), '--launcher', 'slurm'], '--launcher slurm without CUDA is not'),
])
def test_bad_command_lines(plugin_site, tmp_path, args, message):
    result = run_posecore(plugin_site, *args, cwd=tmp_path, POSECORE_DISABLE_PLUGINS=BAD_ONES)
    assert result.returncode == 2 and message in result.stderr
    assert not (Path(tmp_path) / 'work_dirs').exists()


def test_distributed_training_on_cpu_falls_back_to_gloo(plugin_site, tmp_path):
    import socket
    import subprocess
    import sys

    from ..conftest import posecore_env

    with socket.socket() as s:  # a free port for the rendezvous
        s.bind(('127.0.0.1', 0))
        port = s.getsockname()[1]
    result = subprocess.run(
        [sys.executable, '-m', 'torch.distributed.run', '--nproc_per_node=2',
         f'--master_port={port}', '-m', 'posecore', 'train', str(TINY_CFG), '--launcher',
         'pytorch', '--work-dir', str(tmp_path), '--cfg-options', 'train_cfg.max_epochs=1'],
        env=posecore_env(plugin_site, POSECORE_DISABLE_PLUGINS=BAD_ONES),
        capture_output=True, text=True, timeout=600)
    _ok(result)
    assert result.stderr.count('distributed backend nccl -> gloo') == 2
    assert (tmp_path / 'epoch_1.pth').is_file()
