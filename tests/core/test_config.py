"""Config loading: mmengine's features, posecore's checks and the plugins key."""
from __future__ import annotations

import textwrap

import pytest

from posecore.config import apply_plugin_settings, load_config
from posecore.errors import ConfigError, RequiredPluginError

from .fakes import FakeDist

HRNET_EP = {'posecore.models': {'HRNet': 'pose_plugin_hrnet.hrnet:HRNet'}}


def _write(path, text):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text))
    return path


@pytest.fixture
def base_cfg(tmp_path):
    _write(tmp_path / '_base_' / 'model.py', """
        default_scope = 'mmpose'
        channels = 32
        model = dict(type='TopdownPoseEstimator',
                     backbone=dict(type='HRNet', in_channels=3, extra=dict(stage1=dict(a=1))),
                     head=dict(type='HeatmapHead', in_channels=32, out_channels=17))
        """)
    return tmp_path


def test_base_inheritance_delete_and_base_reference(base_cfg, capsys):
    cfg_path = _write(base_cfg / 'child.py', """
        _base_ = ['./_base_/model.py']
        model = dict(backbone=dict(_delete_=True, type='ResNet', depth=50),
                     head=dict(in_channels={{_base_.channels}}))
        """)
    cfg = load_config(cfg_path, {'model.head.out_channels': 133})
    assert cfg.model.backbone == dict(type='ResNet', depth=50)
    assert cfg.model.head.in_channels == 32 and cfg.model.head.out_channels == 133
    assert cfg.default_scope == 'posecore'
    assert "default_scope='mmpose' (an MMPose 1.x config) is taken as 'posecore'" in \
        capsys.readouterr().err


def test_missing_scope_defaults_to_posecore(tmp_path):
    cfg = load_config(_write(tmp_path / 'c.py', "model = dict(type='X')\n"))
    assert cfg.default_scope == 'posecore'


def test_missing_file(tmp_path):
    with pytest.raises(ConfigError, match=r"config file '.*nope.py' does not exist"):
        load_config(tmp_path / 'nope.py')
    with pytest.raises(ConfigError, match=r"config file '.*' is not a file; pass the path"):
        load_config(tmp_path)


def test_missing_base_file(tmp_path):
    cfg_path = _write(tmp_path / 'c.py', "_base_ = ['./missing_base.py']\n")
    with pytest.raises(ConfigError, match=r"c.py' refers to a file that does not exist"):
        load_config(cfg_path)


def test_syntax_error_names_the_file(tmp_path):
    cfg_path = _write(tmp_path / 'broken.py', 'model = dict(type="X"\n')
    with pytest.raises(ConfigError, match=r"config file '.*broken.py' has a syntax error"):
        load_config(cfg_path)


@pytest.mark.parametrize('text, where', [
    ("model = dict(type='M', backbone=dict(depth=50))", 'model.backbone'),
    ("model = dict(type='M', head=dict(type='H', loss=dict(use_target_weight=True)))",
     'model.head.loss'),
    ("train_dataloader = dict(dataset=dict(type='D', pipeline=[dict(type='A'), dict(p=1)]))",
     'train_dataloader.dataset.pipeline.1'),
    ("custom_hooks = [dict(interval=1)]", 'custom_hooks.0'),
    ("val_evaluator = [dict(type='M'), dict(ann_file='x')]", 'val_evaluator.1'),
])
def test_dict_without_type_names_file_and_path(tmp_path, text, where):
    cfg_path = _write(tmp_path / 'c.py', text + '\n')
    with pytest.raises(ConfigError, match=rf"c.py: the dict at '{where}' has no 'type' key"):
        load_config(cfg_path)


def test_cfg_options_can_introduce_the_error(tmp_path):
    cfg_path = _write(tmp_path / 'c.py', "model = dict(type='M', backbone=dict(type='B'))\n")
    with pytest.raises(ConfigError, match=r"'model.neck' has no 'type'"):
        load_config(cfg_path, {'model.neck': dict(in_channels=3)})


def test_plugins_key_disables_and_checks_required(tmp_path, use_index):
    index = use_index(FakeDist('pose-plugin-hrnet', '0.1.0', eps=HRNET_EP), FakeDist('other'))
    cfg = load_config(_write(tmp_path / 'c.py', """
        plugins = dict(disable=['other'], required=['pose-plugin-hrnet>=0.1'])
        """))
    apply_plugin_settings(cfg, index)
    assert index.is_blocked('other') == "listed in the config's plugins.disable"


def test_required_plugins_report_everything_missing(tmp_path, use_index):
    index = use_index(FakeDist('pose-plugin-hrnet', '0.1.0', eps=HRNET_EP),
                      FakeDist('off-one', eps={'posecore.models': {'Off': 'off:Off'}}),
                      environ={'POSECORE_DISABLE_PLUGINS': 'off-one'})
    cfg = load_config(_write(tmp_path / 'c.py', """
        plugins = dict(required=['pose-plugin-hrnet>=0.2', 'pose-plugin-nowhere', 'off-one',
                       'numpy>=1'])
        """))
    with pytest.raises(RequiredPluginError, match=(
            r"(?s)pose-plugin-hrnet>=0.2: version 0.1.0 is installed.*"
            r"pose-plugin-nowhere: not installed \(pip install 'pose-plugin-nowhere'\).*"
            r"off-one: installed but switched off")):
        apply_plugin_settings(cfg, index)


@pytest.mark.parametrize('value', ["dict(enable=['x'])", "['x']", "dict(required=['x>>1'])"])
def test_malformed_plugins_key(tmp_path, use_index, value):
    index = use_index()
    cfg = load_config(_write(tmp_path / 'c.py', f'plugins = {value}\n'))
    with pytest.raises(ConfigError, match=r"plugins"):
        apply_plugin_settings(cfg, index)


def test_type_names_checked_before_building(tmp_path, use_index, monkeypatch):
    from posecore.config import check_type_names
    from posecore.errors import PluginNotFoundError
    from posecore.registry import MODELS

    # the fake index has no pose-plugin-topdown; tests run before may have loaded its
    # HeatmapHead into the registry, which would count as provided
    monkeypatch.delitem(MODELS._module_dict, 'HeatmapHead', raising=False)

    use_index(FakeDist('fake-a', eps={'posecore.models': {'FakeNet': 'm:Net'}}),
              FakeDist('fake-off', eps={'posecore.hooks': {'OffHook': 'm:Hook'}}),
              environ={'POSECORE_DISABLE_PLUGINS': 'fake-off'})
    good = load_config(_write(tmp_path / 'good.py', """
        model = dict(type='FakeNet', init_cfg=dict(type='Pretrained', checkpoint='x'))
        optim_wrapper = dict(optimizer=dict(type='SGD', lr=0.1))
        param_scheduler = [dict(type='mmengine.optim.MultiStepLR', milestones=[1])]
        default_hooks = dict(checkpoint=dict(type='CheckpointHook'), logger=None)
        train_dataloader = dict(sampler=dict(type='DefaultSampler'), dataset=dict(
            type='fake-a::Anything', pipeline=[dict(type='mmpose.FakeNet')]))
        """))
    check_type_names(good, 'good.py')
    bad = load_config(_write(tmp_path / 'bad.py', """
        model = dict(type='FakeNt', head=dict(type='HeatmapHead'))
        custom_hooks = [dict(type='OffHook'), dict(type='Zzzzz')]
        """))
    with pytest.raises(PluginNotFoundError, match=(
            r"(?s)bad.py: these types.*model.type='FakeNt': did you mean FakeNet\?.*"
            r"model.head.type='HeatmapHead': pip install pose-plugin-topdown.*"
            r"custom_hooks.0.type='OffHook': provided by fake-off \(switched off: listed in "
            r"POSECORE_DISABLE_PLUGINS\).*custom_hooks.1.type='Zzzzz': no installed plugin.*"
            r"To fix: pip install pose-plugin-topdown")):
        check_type_names(bad, 'bad.py')
