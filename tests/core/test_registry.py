"""Entry-point resolution in the registries (DESIGN.md's contract)."""
from __future__ import annotations

import sys

import pytest

from posecore.errors import (PluginConflictError, PluginDisabledError, PluginImportError,
                             PluginNotFoundError, PluginVersionError)
from posecore.registry import HOOKS, KEYPOINT_CODECS, MODELS, REGISTRIES, VISBACKENDS

from .fakes import FakeDist

MODEL_SRC = 'class Net:\n    """A fake model."""\n    def __init__(self, depth=1):\n        self.depth = depth\n'


def _dist(name, module, cls='Net', group='posecore.models', ep_name='FakeNet', **kw):
    return FakeDist(name, eps={group: {ep_name: f'{module}:{cls}'}}, **kw)


def test_eight_registries_with_mmengine_parents():
    assert sorted(REGISTRIES) == sorted(['datasets', 'transforms', 'models', 'visualizers',
                                         'visbackends', 'metrics', 'keypoint_codecs', 'hooks'])
    for key, reg in REGISTRIES.items():
        assert reg.scope == 'posecore'
        assert (reg.parent is None) == (key == 'keypoint_codecs')
    assert HOOKS.get('CheckpointHook').__name__ == 'CheckpointHook'
    assert VISBACKENDS.get('TensorboardVisBackend').__name__ == 'TensorboardVisBackend'


def test_entry_point_is_imported_only_when_built(use_index, fake_modules):
    fake_modules(posecore_fake_lazy=MODEL_SRC)
    use_index(_dist('fake-a', 'posecore_fake_lazy'))
    assert 'posecore_fake_lazy' not in sys.modules
    net = MODELS.build(dict(type='FakeNet', depth=3))
    assert net.depth == 3 and 'posecore_fake_lazy' in sys.modules
    assert MODELS._module_dict['FakeNet'] is type(net)  # registered after loading


def test_qualified_spelling(use_index, fake_modules):
    fake_modules(posecore_fake_q=MODEL_SRC)
    use_index(_dist('Fake_Dist.Q', 'posecore_fake_q'))
    assert MODELS.get('fake-dist-q::FakeNet').__name__ == 'Net'
    assert MODELS.get('Fake_Dist.Q::FakeNet') is MODELS.get('fake-dist-q::FakeNet')
    with pytest.raises(PluginNotFoundError, match=r"declares no 'Nope'.*declares: FakeNet"):
        MODELS.get('fake-dist-q::Nope')
    with pytest.raises(PluginNotFoundError, match=r"no installed distribution is named 'other'"):
        MODELS.get('other::FakeNet')


def test_collision_names_both_and_qualified_spellings(use_index, fake_modules):
    fake_modules(posecore_fake_c1=MODEL_SRC, posecore_fake_c2=MODEL_SRC)
    use_index(_dist('fake-one', 'posecore_fake_c1'), _dist('fake-two', 'posecore_fake_c2'))
    with pytest.raises(PluginConflictError,
                       match=r"(?s)'FakeNet'.*fake-one, fake-two.*type='fake-one::FakeNet'"
                             r".*type='fake-two::FakeNet'"):
        MODELS.build(dict(type='FakeNet'))
    assert 'posecore_fake_c1' not in sys.modules  # nothing silently won
    assert MODELS.build(dict(type='fake-two::FakeNet')).depth == 1


def test_broken_import_names_distribution_and_cause(use_index, fake_modules):
    fake_modules(posecore_fake_broken='raise RuntimeError("boom at import")\n',
                 posecore_fake_ok=MODEL_SRC)
    use_index(_dist('fake-broken', 'posecore_fake_broken', ep_name='BrokenNet'),
              _dist('fake-ok', 'posecore_fake_ok'))
    with pytest.raises(PluginImportError,
                       match=r"BrokenNet = 'posecore_fake_broken:Net'.*fake-broken 1.0.*"
                             r"RuntimeError: boom at import") as info:
        MODELS.build(dict(type='BrokenNet'))
    assert isinstance(info.value.__cause__, RuntimeError)
    assert MODELS.build(dict(type='FakeNet')).depth == 1  # others keep working


def test_unknown_name_lists_close_matches_and_pip_hint(use_index, fake_modules):
    fake_modules(posecore_fake_u=MODEL_SRC)
    use_index(_dist('fake-u', 'posecore_fake_u'))
    MODELS._module_dict.pop('HRNet', None)  # loaded by earlier tests; restored after
    KEYPOINT_CODECS._module_dict.pop('MSRAHeatmap', None)
    with pytest.raises(PluginNotFoundError, match=r"(?s)'FakeNt' is not a known model.*"
                                                  r"Did you mean: FakeNet"):
        MODELS.build(dict(type='FakeNt'))
    with pytest.raises(PluginNotFoundError, match=r'pip install pose-plugin-hrnet'):
        MODELS.get('HRNet')
    with pytest.raises(PluginNotFoundError, match=r'pip install pose-plugin-heatmap-codecs'):
        KEYPOINT_CODECS.get('MSRAHeatmap')
    assert 'FakeNt' not in MODELS and 'FakeNet' in MODELS


def test_name_in_another_registry_is_pointed_out(use_index, fake_modules):
    fake_modules(posecore_fake_g=MODEL_SRC)
    use_index(_dist('fake-g', 'posecore_fake_g', group='posecore.datasets', ep_name='FakeSet'))
    with pytest.raises(PluginNotFoundError, match=r"'FakeSet' is a datasets name \(from "
                                                  r"fake-g\), not a models name"):
        MODELS.get('FakeSet')


def test_version_mismatch_is_refused(use_index, fake_modules):
    fake_modules(posecore_fake_v=MODEL_SRC)
    use_index(_dist('fake-future', 'posecore_fake_v', requires=['posecore>=9', 'numpy']))
    with pytest.raises(PluginVersionError, match=r"fake-future 1.0 requires 'posecore>=9', "
                                                 r"but posecore 0.1.0 is installed"):
        MODELS.get('FakeNet')
    assert 'posecore_fake_v' not in sys.modules


def test_requirement_only_for_an_extra_is_ignored(use_index, fake_modules):
    fake_modules(posecore_fake_x=MODEL_SRC)
    use_index(_dist('fake-x', 'posecore_fake_x', requires=['posecore>=9; extra == "dev"']))
    assert MODELS.get('FakeNet').__name__ == 'Net'


@pytest.mark.parametrize('environ', [
    {'POSECORE_DISABLE_PLUGINS': 'other, FAKE_D'},
    {'POSECORE_DISABLE_PLUGIN_AUTOLOAD': '1'},
    {'POSECORE_DISABLE_PLUGIN_AUTOLOAD': '1', 'POSECORE_PLUGINS': 'other'},
])
def test_switched_off_by_environment(use_index, fake_modules, environ):
    fake_modules(posecore_fake_d=MODEL_SRC)
    use_index(_dist('fake-d', 'posecore_fake_d'), environ=environ)
    with pytest.raises(PluginDisabledError, match=r"'FakeNet'.*only by switched-off.*fake-d"):
        MODELS.get('FakeNet')


def test_autoload_off_keeps_listed_plugins(use_index, fake_modules):
    fake_modules(posecore_fake_e=MODEL_SRC)
    use_index(_dist('fake-e', 'posecore_fake_e'),
              environ={'POSECORE_DISABLE_PLUGIN_AUTOLOAD': '1', 'POSECORE_PLUGINS': 'fake-e'})
    assert MODELS.get('FakeNet').__name__ == 'Net'


def test_block_and_unblock(use_index, fake_modules):
    fake_modules(posecore_fake_b=MODEL_SRC)
    index = use_index(_dist('fake-b', 'posecore_fake_b'))
    index.block('fake-b', '-p no:fake-b')
    with pytest.raises(PluginDisabledError, match=r'-p no:fake-b'):
        MODELS.get('FakeNet')
    with pytest.raises(PluginDisabledError, match=r'switched off'):
        MODELS.get('fake-b::FakeNet')
    index.unblock('fake-b')
    assert MODELS.get('FakeNet').__name__ == 'Net'


def test_decorator_registration_still_works(use_index):
    use_index()

    @MODELS.register_module()
    class DecoratedNet:
        pass

    assert MODELS.build(dict(type='DecoratedNet')).__class__ is DecoratedNet
    assert MODELS.get('mmpose.DecoratedNet') is DecoratedNet  # MMPose scope spelling


def test_entry_point_naming_a_non_callable(use_index, fake_modules):
    fake_modules(posecore_fake_nc='VALUE = 3\n')
    use_index(_dist('fake-nc', 'posecore_fake_nc', cls='VALUE'))
    with pytest.raises(PluginImportError, match=r'names a int, not a class or function'):
        MODELS.get('FakeNet')


def test_plugin_installed_after_start_resolves_without_restart(use_index, tmp_path,
                                                               monkeypatch):
    from posecore.discovery import get_index, reset_index

    from ..conftest import TEST_PLUGINS, pip_install_target

    use_index()
    reset_index(None)
    assert get_index().distribution('posecore-test-tiny') is None  # built before the install
    site = tmp_path / 'site'
    pip_install_target(site, TEST_PLUGINS / 'tiny')
    monkeypatch.syspath_prepend(str(site))
    try:
        assert MODELS.get('TinyRegressor').__name__ == 'TinyRegressor'
        assert get_index().distribution('posecore-test-tiny').version == '0.1.0'
    finally:
        for name in [m for m in sys.modules if m.startswith('posecore_test_tiny')]:
            del sys.modules[name]
