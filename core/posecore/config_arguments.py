"""Arguments of the components a config builds, checked against their signatures.

Before anything is built, each dict the runner will build (``model``,
``model.backbone``, each pipeline step...) is matched with the class its
``type`` names: an argument the class does not take, or a string where the
class's annotation says a number (and the reverse), is a
:class:`~posecore.errors.ConfigError` naming the config path. Built blindly,
the same mistakes end in ``TypeError: __init__() got an unexpected keyword
argument`` or in an error from deep inside torch.
"""
from __future__ import annotations

import difflib
import inspect
import types
import typing
from pathlib import Path
from typing import Any, Iterator

from mmengine.config import Config

from posecore.errors import ConfigError

#: config path pattern -> posecore registry key of the classes built there
PATH_REGISTRIES = (
    ('model', 'models'), ('model.backbone', 'models'), ('model.neck', 'models'),
    ('model.head', 'models'), ('model.head.loss', 'models'),
    ('model.data_preprocessor', 'models'), ('model.head.decoder', 'keypoint_codecs'),
    ('*_dataloader.dataset', 'datasets'), ('*_dataloader.dataset.pipeline.*', 'transforms'),
    ('default_hooks.*', 'hooks'), ('custom_hooks.*', 'hooks'),
    ('visualizer', 'visualizers'), ('visualizer.vis_backends.*', 'visbackends'),
)
_SIMPLE = (int, float, str, bool)


def _components(cfg: Config) -> Iterator[tuple[str, dict, str]]:
    from posecore.config import _matches, _walk

    for sub, value in _walk(cfg._cfg_dict.to_dict()):
        if isinstance(value, dict) and isinstance(value.get('type'), str):
            for pattern, key in PATH_REGISTRIES:
                if _matches(sub, pattern):
                    yield sub, value, key
                    break


def _signature(obj: Any) -> tuple[inspect.Signature, dict[str, Any]] | None:
    if inspect.isclass(obj) and obj.__init__ is object.__init__:
        return inspect.Signature(), {}  # a class without __init__ takes no arguments
    target = obj.__init__ if inspect.isclass(obj) else obj
    try:
        sig = inspect.signature(target)
    except (TypeError, ValueError):
        return None
    try:
        hints = typing.get_type_hints(target)
    except Exception:  # forward references a plugin cannot resolve: no type checks
        hints = {}
    return sig, hints


def _simple_types(hint: Any) -> tuple[type, ...] | None:
    """The plain types an annotation allows, or None when it is more than plain types."""
    if hint in _SIMPLE:
        return (float, int) if hint is float else (hint,)
    origin = typing.get_origin(hint)
    if origin is typing.Union or (hasattr(types, 'UnionType') and origin is types.UnionType):
        found: list[type] = []
        for arm in typing.get_args(hint):
            if arm is type(None):
                found.append(type(None))
                continue
            simple = _simple_types(arm)
            if simple is None:
                return None
            found.extend(simple)
        return tuple(found)
    return None


def _mismatch(value: Any, allowed: tuple[type, ...]) -> bool:
    """A string given for a number, or a number for a string (ints pass for floats)."""
    if isinstance(value, str):
        return str not in allowed
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str in allowed and not {int, float} & set(allowed)
    return False


def check_arguments(cfg: Config, path: str | Path = '<config>') -> None:
    """Match each built dict's keys and plain values with its class's signature.

    Classes whose type does not resolve are skipped (the build reports them),
    as are classes taking ``**kwargs`` (any name may be meant for a parent).

    :raises ConfigError: an argument the class does not take, or a value of the
        wrong plain type, naming the config path.
    """
    from posecore.registry import REGISTRIES

    for sub, value, key in _components(cfg):
        try:
            obj = REGISTRIES[key].get(value['type'])
        except Exception:  # unresolved or broken: the build raises the right error
            continue
        found = _signature(obj) if obj is not None else None
        if found is None:
            continue
        sig, hints = found
        params = {n: p for n, p in sig.parameters.items() if n != 'self'}
        takes_any = any(p.kind is p.VAR_KEYWORD for p in params.values())
        named = [n for n, p in params.items()
                 if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)]
        name = getattr(obj, '__name__', value['type'])
        for arg in value:
            if arg == 'type' or arg.startswith('_'):
                continue
            if arg not in params and not takes_any:
                close = difflib.get_close_matches(arg, named, n=1)
                raise ConfigError(
                    f"{str(path)}: {sub}: {name} has no argument {arg!r}"
                    + (f' (did you mean {close[0]}?)' if close else '')
                    + f"; it accepts: {', '.join(named) or 'no arguments'}. Correct or remove "
                    f'{sub}.{arg}.')
            allowed = _simple_types(hints.get(arg))
            if arg in params and allowed and _mismatch(value[arg], allowed):
                wanted = ' or '.join(t.__name__ for t in allowed if t is not type(None))
                raise ConfigError(
                    f'{str(path)}: {sub}.{arg}={value[arg]!r}: {name} takes {arg} as '
                    f'{wanted}, not {type(value[arg]).__name__}; correct the value.')
