"""Loading configs: mmengine's ``Config`` plus posecore's checks and switches.

A config is loaded with ``_base_`` inheritance and ``--cfg-options``; an
MMPose 1.x ``default_scope='mmpose'`` is taken as ``posecore`` with a notice;
every dict the runner builds must carry a ``type``; the ``plugins`` key
switches distributions off and states the ones the config requires.
"""
from __future__ import annotations

import fnmatch
import sys
from pathlib import Path
from typing import Any, Iterator

from mmengine.config import Config

from posecore.config_files import check_config_files
from posecore.discovery import PluginIndex, get_index
from posecore.errors import ConfigError, RequiredPluginError

SCOPE = 'posecore'
MMPOSE_SCOPE = 'mmpose'

#: config paths (``*`` matches one key or list index) whose dicts are built
#: from a registry and therefore need a ``type``
BUILT_PATHS = (
    'model', 'model.backbone', 'model.neck', 'model.head', 'model.head.loss',
    'model.head.decoder', 'model.data_preprocessor',
    '*_dataloader.dataset', '*_dataloader.sampler', '*_dataloader.dataset.pipeline.*',
    'val_evaluator', 'val_evaluator.*', 'test_evaluator', 'test_evaluator.*',
    'default_hooks.*', 'custom_hooks.*', 'visualizer', 'visualizer.vis_backends.*',
    'param_scheduler', 'param_scheduler.*', 'optim_wrapper.optimizer',
)


def load_config(path: str | Path, cfg_options: dict[str, Any] | None = None) -> Config:
    """Read a config file and check it.

    :param path: a Python config file (``_base_`` paths are relative to it).
    :param cfg_options: ``--cfg-options`` overrides, ``{'a.b': 1}``.
    :raises ConfigError: missing file, syntax error, a built dict without ``type``.
    """
    path = Path(path)
    if not path.is_file():
        problem = 'is not a file' if path.exists() else 'does not exist'
        raise ConfigError(f'config file {str(path)!r} {problem}; pass the path of a '
                          f'Python config file (e.g. configs/.../td-hm_..._coco-256x192.py).')
    check_config_files(path)
    try:
        cfg = Config.fromfile(str(path))
    except SyntaxError as exc:
        raise ConfigError(f'config file {str(path)!r} has a syntax error: {exc}') from exc
    except FileNotFoundError as exc:
        raise ConfigError(f'config file {str(path)!r} refers to a file that does not '
                          f'exist: {exc}; check its _base_ list (paths are relative to '
                          f'the config file).') from exc
    except KeyError as exc:  # mmengine: a {{_base_.NAME}} or _base_.NAME no base defines
        raise ConfigError(f'config file {str(path)!r} could not be loaded: it uses the key '
                          f'{exc} that is not defined: a {{{{_base_.NAME}}}} or _base_.NAME '
                          f'that none of its _base_ files defines, or a missing dict key; '
                          f'check the name.') from exc
    except Exception as exc:
        raise ConfigError(f'config file {str(path)!r} could not be loaded: '
                          f'{type(exc).__name__}: {exc}') from exc
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    _normalize_scope(cfg, path)
    check_types(cfg, path)
    return cfg


def _normalize_scope(cfg: Config, path: Path) -> None:
    scope = cfg.get('default_scope')
    if scope is None:
        cfg.default_scope = SCOPE
    elif scope == MMPOSE_SCOPE:
        cfg.default_scope = SCOPE
        print(f"posecore: {path.name}: default_scope='mmpose' (an MMPose 1.x config) is "
              f"taken as 'posecore'.", file=sys.stderr)
    elif scope != SCOPE:
        # another library's scope would send every type to that library's registries
        raise ConfigError(f"{str(path)}: default_scope={scope!r} is not posecore's: posecore "
                          f"builds every type from its own registries; set default_scope = "
                          f"'posecore' (an MMPose config's 'mmpose' is accepted too), or "
                          f"remove the line.")


def _walk(node: Any, prefix: str = '') -> Iterator[tuple[str, Any]]:
    items = node.items() if isinstance(node, dict) else (
        enumerate(node) if isinstance(node, (list, tuple)) else ())
    for key, value in items:
        sub = f'{prefix}.{key}' if prefix else str(key)
        yield sub, value
        yield from _walk(value, sub)


def _matches(path: str, pattern: str) -> bool:
    parts, pats = path.split('.'), pattern.split('.')
    return len(parts) == len(pats) and all(map(fnmatch.fnmatchcase, parts, pats))


def _built_dicts(cfg: Config) -> Iterator[tuple[str, dict]]:
    """``(config path, dict)`` of every dict at a :data:`BUILT_PATHS` location."""
    for sub, value in _walk(cfg._cfg_dict.to_dict()):
        if isinstance(value, dict) and any(_matches(sub, pat) for pat in BUILT_PATHS):
            yield sub, value


def check_types(cfg: Config, path: str | Path = '<config>') -> None:
    """Require a ``type`` in every dict at a :data:`BUILT_PATHS` location.

    :raises ConfigError: naming the file and the config path, e.g. ``model.backbone``.
    """
    model = cfg.get('model')
    if model is not None and not isinstance(model, dict):
        raise ConfigError(f"{str(path)}: 'model' must be a dict(type='...', ...) naming the "
                          f"model class, got {type(model).__name__} {model!r:.60}.")
    for sub, value in _built_dicts(cfg):
        if 'type' in value and not isinstance(value['type'], str) and not callable(
                value['type']):
            raise ConfigError(
                f"{str(path)}: {sub}.type must be a string naming a class (e.g. "
                f"type='HRNet'), got {type(value['type']).__name__} {value['type']!r:.60}.")
        if 'type' not in value:
            raise ConfigError(
                f"{str(path)}: the dict at {sub!r} has no 'type' key; every component "
                f"the runner builds names its class, e.g. {sub} = dict(type='...', ...). "
                f"Keys found there: {', '.join(map(str, value)) or 'none'}.")


#: what mmengine's Runner needs for each command, as MMPose's tools/train.py and test.py run it
RUN_PARTS = {
    'train': ('model', 'train_dataloader', 'train_cfg', 'optim_wrapper'),
    'test': ('model', 'test_dataloader', 'test_cfg', 'test_evaluator'),
}


def check_run_parts(cfg: Config, path: str | Path, command: str) -> None:
    """Require the top-level keys ``posecore COMMAND`` builds from.

    :param command: ``'train'`` or ``'test'``.
    :raises ConfigError: naming each missing key (mmengine would end in a raw
        ``KeyError: 'model'`` or build nothing to run).
    """
    missing = [key for key in RUN_PARTS[command] if cfg.get(key) is None]
    if missing:
        raise ConfigError(
            f"{str(path)}: `posecore {command}` needs {', '.join(map(repr, missing))} in the "
            f"config, which has {'none of them' if len(missing) > 1 else 'none'} (or sets "
            f"{'them' if len(missing) > 1 else 'it'} to None); add "
            f"{' and '.join(k + ' = dict(...)' for k in missing)}, or inherit a config that "
            f"has {'them' if len(missing) > 1 else 'it'} (_base_ = [...]).")


def _known_type_names() -> set[str]:
    """Every type name a build could resolve now, without importing plugins."""
    import mmengine.registry as mmengine_registry
    import mmengine.runner  # noqa: F401  (registers mmengine's own types)

    from posecore.discovery import HOOK_GROUP
    from posecore.registry import KEYPOINT_CODECS

    names = set(KEYPOINT_CODECS._module_dict)
    names.update(e.name for e in get_index().entries() if e.group != HOOK_GROUP)
    pending = [r for r in vars(mmengine_registry).values()
               if isinstance(r, mmengine_registry.Registry)]
    while pending:
        registry = pending.pop()
        names.update(registry._module_dict)
        pending.extend(registry._children.values())
    return names


def check_type_names(cfg: Config, path: str | Path = '<config>') -> None:
    """Check, before anything is built, that each ``type`` the runner builds
    (the :data:`BUILT_PATHS`) names something installed and switched on.

    Reads metadata only; listing every problem at once tells a user switching
    from MMPose which plugins to install.

    :raises PluginNotFoundError: naming each config path, with close matches
        and the ``pip install`` of first-party plugins.
    """
    import difflib

    from posecore.errors import PluginNotFoundError
    from posecore.first_party import FIRST_PARTY

    known = _known_type_names()
    index = get_index()
    problems, to_install = [], set()
    for sub, value in _built_dicts(cfg):
        name = value.get('type')
        if not isinstance(name, str):
            continue
        if name.startswith(MMPOSE_SCOPE + '.'):
            name = name[len(MMPOSE_SCOPE) + 1:]
        if '.' in name or '::' in name or name in known:
            continue  # import paths, other scopes and qualified names resolve at build
        line = f'{sub}.type={name!r}'
        off = [e for e in index.entries(include_blocked=True) if e.name == name]
        close = difflib.get_close_matches(name, sorted(known), n=3, cutoff=0.75)
        if off:
            line += ': provided by ' + ', '.join(
                f'{e.dist} (switched off: {index.is_blocked(e.dist)})' for e in off)
        elif name in FIRST_PARTY:
            line += f': pip install {FIRST_PARTY[name]}'
            to_install.add(FIRST_PARTY[name])
        elif close:
            line += f': did you mean {", ".join(close)}?'
        else:
            line += ': no installed plugin provides it'
        problems.append(line)
    if problems:
        advice = (f'pip install {" ".join(sorted(to_install))}' if to_install else
                  'install the plugins that provide them')
        raise PluginNotFoundError(
            f'{str(path)}: these types are not provided by any installed, switched-on '
            f'plugin or by mmengine:\n  - ' + '\n  - '.join(problems)
            + f'\nTo fix: {advice}, or correct the names (`posecore plugins list` shows '
            'what is installed).' + index.problems_note())


def apply_plugin_settings(cfg: Config, index: PluginIndex | None = None) -> None:
    """Apply the config's ``plugins = dict(disable=[...], required=[...])``.

    :raises ConfigError: a malformed ``plugins`` key.
    :raises RequiredPluginError: required distributions missing, too old or off.
    """
    settings = cfg.get('plugins') or {}
    if not isinstance(settings, dict) or set(settings) - {'disable', 'required'}:
        raise ConfigError(f"config key 'plugins' must be dict(disable=[DIST, ...], "
                          f"required=['DIST>=VERSION', ...]); got {settings!r}.")
    index = index or get_index()
    for dist in settings.get('disable', []):
        index.block(dist, "listed in the config's plugins.disable")
    check_required(settings.get('required', []), index)


def _installed_version(name: str, index: PluginIndex) -> str | None:
    dist = index.distribution(name)
    if dist is not None:
        return dist.version
    if sys.version_info >= (3, 10):
        from importlib.metadata import PackageNotFoundError, version
    else:  # the backport, as declared in pyproject.toml
        from importlib_metadata import PackageNotFoundError, version

    try:  # a required distribution need not declare posecore entry points
        return version(name)
    except PackageNotFoundError:
        return None


def check_required(required: list[str], index: PluginIndex) -> None:
    """Check requirement strings (``'pose-plugin-hrnet>=0.1'``) against the index."""
    from packaging.requirements import InvalidRequirement, Requirement

    problems = []
    for spec in required:
        try:
            req = Requirement(spec)
        except InvalidRequirement as exc:
            raise ConfigError(f'plugins.required entry {spec!r} is not a requirement '
                              f"string like 'pose-plugin-hrnet>=0.1': {exc}") from exc
        version = _installed_version(req.name, index)
        if version is None:
            problems.append(f"{spec}: not installed (pip install '{spec}')")
        elif not req.specifier.contains(version, prereleases=True):
            problems.append(f"{spec}: version {version} is installed "
                            f"(pip install -U '{spec}')")
        elif index.is_blocked(req.name):
            problems.append(f'{spec}: installed but switched off '
                            f'({index.is_blocked(req.name)})')
    if problems:
        raise RequiredPluginError(
            'the config requires plugins that are not available:\n  - '
            + '\n  - '.join(problems)
            + '\nInstall them, switch them on, or edit plugins.required in the config.')

