"""The plugin author's path, end to end: posecore and the first-party plugins as wheels
in a fresh virtual environment -> ``posecore plugin new`` (run from there) -> the new
plugin's wheel installed -> its generated tests pass -> one training iteration with its
sample config, which names the new types -> ``posecore plugins list`` shows them ->
``pip uninstall`` -> the same config fails, before any data is read, with the
unknown-type message.

The fresh environment, and why it is honest and fast:

- ``python -m venv --without-pip``: a new environment, nothing installed in it;
- posecore and the first-party plugins are wheels built here from a copy of this
  checkout (``pip wheel --no-deps --no-build-isolation``, as ``make wheels``), the
  new plugin a wheel built from the scaffold's output; pip installs each of them with
  ``--no-index --find-links`` and checks their dependencies (nothing is downloaded);
- the third-party dependencies (torch, mmengine, NumPy, OpenCV, xtcocotools, pytest...)
  are not reinstalled, which would take minutes and a network: a ``.pth`` file adds
  a folder of links to the test environment's site-packages entries, *without*
  posecore, the ``pose_plugin_*`` packages, their metadata and editable-install
  finders, and without any ``.pth`` file (those are not processed from a plain
  ``sys.path`` entry anyway). So posecore and the plugins come only from the wheels,
  which the test asserts (``posecore.__file__`` lies in the fresh environment).
"""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from ..conftest import REPO

DIST = 'pose-plugin-authored'
PACKAGE = 'pose_plugin_authored'
REGISTRIES = ('models', 'transforms', 'metrics', 'keypoint_codecs', 'datasets', 'hooks',
              'visualizers', 'visbackends')
#: the first-party plugins the generated config needs
FIRST_PARTY = ('pose-plugin-coco', 'pose-plugin-heatmap-codecs', 'pose-plugin-topdown')
#: site-packages entries that would bring posecore or a first-party plugin from this checkout
_OURS = re.compile(r'^(posecore|pose_plugin_\w*|__editable__.*)([-.].*)?$|\.pth$', re.I)
_IGNORE = shutil.ignore_patterns('__pycache__', '*.egg-info', 'build', 'dist')


def _run(*args: str | Path, cwd: Path | None = None, check: bool = True
         ) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(('POSECORE_', 'PYTHONPATH', 'VIRTUAL_ENV', 'PIP_'))}
    env['PYTHONNOUSERSITE'] = '1'
    result = subprocess.run([str(a) for a in args], cwd=cwd, env=env, capture_output=True,
                            text=True)
    if check and result.returncode != 0:
        raise AssertionError(f'{" ".join(map(str, args))} failed ({result.returncode}):\n'
                             f'{result.stdout[-3000:]}\n{result.stderr[-3000:]}')
    return result


def _deps_folder(target: Path) -> Path:
    """Links to this environment's third-party packages: everything but ours (see above)."""
    target.mkdir()
    seen = set()
    for key in ('purelib', 'platlib'):
        site = Path(sysconfig.get_paths()[key])
        if site in seen:
            continue
        seen.add(site)
        for entry in site.iterdir():
            if not _OURS.match(entry.name) and not (target / entry.name).exists():
                (target / entry.name).symlink_to(entry)
    return target


def _copy_sources(dest: Path) -> list[Path]:
    """posecore's and the sources of the first-party plugins the config needs, copied so
    that building their wheels writes nothing into the checkout."""
    core = dest / 'posecore'
    core.mkdir(parents=True)
    shutil.copy(REPO / 'pyproject.toml', core)
    shutil.copy(REPO / 'README.md', core)
    shutil.copytree(REPO / 'core', core / 'core', ignore=_IGNORE)
    plugins = [shutil.copytree(p, dest / p.name, ignore=_IGNORE)
               for p in sorted((REPO / 'plugins').iterdir())
               if _dist_name(p / 'pyproject.toml') in FIRST_PARTY]
    return [core, *plugins]


def _dist_name(pyproject: Path) -> str | None:
    if not pyproject.is_file():
        return None
    match = re.search(r'^name\s*=\s*"([^"]+)"', pyproject.read_text(), re.M)
    return match and match.group(1)


@pytest.fixture(scope='module')
def authored(tmp_path_factory):
    """Everything up to an installed plugin; returns the paths the tests use."""
    root = tmp_path_factory.mktemp('authoring')
    # 1. wheels of posecore and the first-party plugins, as `make wheels` builds them
    wheels = root / 'wheels'
    pip_wheel = (sys.executable, '-m', 'pip', 'wheel', '--quiet', '--disable-pip-version-check',
                 '--no-deps', '--no-build-isolation', '-w', wheels)
    _run(*pip_wheel, *_copy_sources(root / 'src'))
    # 2. a fresh environment that gets them from the wheels only
    venv = root / 'venv'
    _run(sys.executable, '-m', 'venv', '--without-pip', venv)
    python = venv / 'bin' / 'python'
    site = Path(_run(python, '-c', 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
                .stdout.strip())
    (site / '_third_party_deps.pth').write_text(f'{_deps_folder(root / "deps")}\n')
    pip = (sys.executable, '-m', 'pip', '--python', python, '--disable-pip-version-check')
    install = (*pip, 'install', '--quiet', '--no-index', '--find-links', wheels)
    _run(*install, 'posecore', *FIRST_PARTY)
    # 3. the scaffold, run by the installed posecore as an author runs it; its wheel
    _run(venv / 'bin' / 'posecore', 'plugin', 'new', DIST, '--registry', *REGISTRIES, '--hooks',
         '--out', root)
    plugin = root / DIST
    _run(*pip_wheel, plugin)
    built = sorted(p.name.split('-')[0] for p in wheels.glob('*.whl'))
    assert built == sorted(['posecore', PACKAGE, *(d.replace('-', '_') for d in FIRST_PARTY)])
    _run(*install, DIST)
    # the synthetic COCO data (pose-plugin-coco's generator, from its wheel)
    run_dir = root / 'run'
    _run(venv / 'bin' / 'posecore', 'coco', 'synth', run_dir / 'data' / 'synth_coco', '--train',
         '2', '--val', '2', '--size', '128', '--workers', '1', '--quiet')
    return dict(root=root, plugin=plugin, venv=venv, python=python, pip=pip, run=run_dir,
                config=next((plugin / 'configs').glob('*.py')))


def test_posecore_and_the_plugins_come_from_the_wheels(authored):
    out = _run(authored['python'], '-c', 'import posecore, pose_plugin_topdown, '
               'pose_plugin_authored as p; print(posecore.__file__); '
               'print(pose_plugin_topdown.__file__); print(p.__file__)').stdout.split()
    assert all(path.startswith(str(authored['venv'])) for path in out), out


def test_dataset_metainfo_comes_with_the_coco_wheel(authored):
    # the JSON files are package data: served by the hook, from the installed wheel
    out = _run(authored['python'], '-c', 'from pose_plugin_coco.metainfo import NAMES; '
               'from posecore.metainfo import get_dataset_metainfo as get; '
               'print(*(len(get(n)["keypoint_info"]) for n in NAMES))').stdout.split()
    assert out == ['17', '14', '19', '14', '14', '17', '16', '21', '98']
    shown = json.loads(_run(authored['venv'] / 'bin' / 'posecore', 'metainfo', 'wflw').stdout)
    assert shown['dataset_name'] == 'wflw'


def test_the_generated_tests_pass_as_generated(authored):
    result = _run(authored['python'], '-m', 'pytest', '-q', '-p', 'no:cacheprovider',
                  authored['plugin'] / 'tests', cwd=authored['plugin'])
    assert re.search(r'\b2\d passed\b', result.stdout), result.stdout[-2000:]


def test_plugins_list_shows_the_new_names(authored):
    out = _run(authored['venv'] / 'bin' / 'posecore', 'plugins', 'list', '*Authored*').stdout
    for name, registry in [('AuthoredBackbone', 'models'), ('AuthoredPCK', 'metrics'),
                           ('AuthoredCsvVisBackend', 'visbackends')]:
        assert re.search(rf'^{name}\s+{registry}\s+{DIST}\s+0\.1\.0\s', out, re.M), out
    check = _run(authored['venv'] / 'bin' / 'posecore', 'plugins', 'check', '--import').stdout
    assert f'ok   {DIST}: torch, mmengine, numpy, cv2 are installed' in check  # its pluggy hook
    assert 'no problems found' in check


def test_one_training_iteration_with_the_new_types_then_uninstall(authored):
    posecore = authored['venv'] / 'bin' / 'posecore'
    work = authored['root'] / 'work'
    result = _run(posecore, 'train', authored['config'], '--work-dir', work, cwd=authored['run'])
    log = result.stdout + result.stderr
    assert 'Epoch(train) [1][1/1]' in log, log[-3000:]  # one iteration
    assert (work / 'epoch_1.pth').is_file()
    losses = [json.loads(line) for line in (work / 'losses.jsonl').read_text().splitlines()]
    assert len(losses) == 1 and losses[0]['iter'] == 1 and losses[0]['loss'] > 0  # its hook
    csv_rows = next(work.glob('*/vis_data/scalars.csv')).read_text()  # its vis backend
    assert ',loss,' in csv_rows and ',coco/AP,' in csv_rows and ',pose_plugin_authored/PCK,' \
        in csv_rows  # CocoMetric and its metric, at validation

    _run(*authored['pip'], 'uninstall', '--yes', DIST)
    empty = authored['root'] / 'no-data'  # no data here: reading any would fail differently
    empty.mkdir()
    gone = _run(posecore, 'train', authored['config'], '--work-dir', empty / 'work', cwd=empty,
                check=False)
    assert gone.returncode == 1, gone.stdout[-2000:] + gone.stderr[-2000:]
    err = gone.stderr
    assert 'these types are not provided by any installed, switched-on plugin' in err, err
    for path, name in [('model.backbone', 'AuthoredBackbone'),
                       ('custom_hooks.0', 'AuthoredLossLogHook'),
                       ('visualizer', 'AuthoredVisualizer')]:
        assert f"{path}.type='{name}'" in err, err
    assert 'synth_coco' not in err and not (empty / 'work').exists()
    listed = _run(posecore, 'plugins', 'list', '*Authored*').stdout
    assert "no installed plugin names match '*Authored*'" in listed
