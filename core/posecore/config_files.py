"""The files of a config, read before mmengine executes them.

mmengine's ``Config.fromfile`` follows ``_base_`` by recursion (a config that
includes itself ends in ``RecursionError``), reads files as UTF-8 without
naming the one that is not, and reports a missing base without saying which
config asked for it. :func:`check_config_files` walks the same ``_base_``
graph statically (``ast``, nothing is executed) and raises one
:class:`~posecore.errors.ConfigError` naming the file and what to change.
"""
from __future__ import annotations

import ast
from pathlib import Path

from posecore.errors import ConfigError

BASE_KEY = '_base_'


def _read_source(path: Path, included_by: Path | None) -> str:
    where = f' (a _base_ of {str(included_by)!r})' if included_by else ''
    data = path.read_bytes()
    try:
        return data.decode('utf-8')
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b'\n') + 1
        raise ConfigError(
            f'config file {str(path)!r}{where} is not UTF-8 text: byte '
            f'{data[exc.start:exc.start + 1]!r} at line {line} cannot be decoded; save the '
            f'file as UTF-8 (config files are Python source).') from None


def _base_entries(path: Path, source: str, included_by: Path | None) -> list[str]:
    """The ``_base_`` file names of a Python config, as written."""
    try:
        tree = ast.parse(source, filename=str(path))
    except SyntaxError as exc:
        where = f' (a _base_ of {str(included_by)!r})' if included_by else ''
        raise ConfigError(f'config file {str(path)!r}{where} has a syntax error at line '
                          f'{exc.lineno}: {exc.msg}; fix that line.') from None
    for node in tree.body:
        if (isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name)
                and node.targets[0].id == BASE_KEY):
            try:
                value = ast.literal_eval(node.value)
            except ValueError:
                return []  # computed: mmengine will say what it makes of it
            if isinstance(value, str):
                return [value]
            if isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value):
                return list(value)
            raise ConfigError(
                f'config file {str(path)!r}, line {node.lineno}: _base_ must be a file name '
                f"or a list of file names (e.g. _base_ = ['../_base_/default_runtime.py']), "
                f'got {value!r}.')
    return []


def check_config_files(path: str | Path) -> None:
    """Check a config file and every file its ``_base_`` chain names.

    Package bases (``'mmpose::...'``) and templated names (``{{fileDirname}}``)
    are left to mmengine.

    :param path: the config file given on the command line.
    :raises ConfigError: a file that is not UTF-8, has a syntax error, names a
        missing base, or takes part in a ``_base_`` cycle.
    """
    path = Path(path)
    stack: list[Path] = []

    def visit(file: Path, included_by: Path | None) -> None:
        resolved = file.resolve()
        if resolved in stack:
            cycle = stack[stack.index(resolved):] + [resolved]
            shown = ' -> '.join(repr(p.name) for p in cycle)
            raise ConfigError(
                f'config file {str(path)!r}: circular _base_ inheritance {shown} '
                f'({str(file)!r} includes itself through its _base_ list); remove one of '
                f'these _base_ entries.')
        if file.suffix != '.py':
            return
        stack.append(resolved)
        for base in _base_entries(file, _read_source(file, included_by), included_by):
            if '::' in base or '{{' in base:
                continue
            target = file.parent / base
            if not target.is_file():
                raise ConfigError(
                    f'config file {str(file)!r} refers to a file that does not exist: its '
                    f'_base_ names {base!r} (looked for {str(target)!r}); _base_ paths are '
                    f'relative to the config file that names them: correct the path.')
            visit(target, file)
        stack.pop()

    visit(path, None)
