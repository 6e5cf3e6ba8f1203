"""Entry point of the ``posecore`` command.

Boot order, as pytest's: ``-p`` switches first, then the entry-point index,
then pluggy hook modules (which may add subcommands), then the command.
``--help``, ``--version`` and ``plugins list`` import neither torch, nor
mmengine, nor any registry plugin module.
"""
from __future__ import annotations

import argparse
import sys
import traceback
import warnings
from typing import Sequence

from posecore import __version__
from posecore.cli import plugins as plugins_cmd
from posecore.cli import run as run_cmd
from posecore.cli import scaffold as scaffold_cmd
from posecore.discovery import get_index
from posecore.errors import ConfigError, PosecoreError, UsageError


def _apply_p_switches(values: Sequence[str]) -> None:
    index = get_index()
    for value in values:
        if value.startswith('no:'):
            index.block(value[3:], f'-p {value}')
        else:
            index.unblock(value)


def _version_text() -> str:
    index = get_index()
    lines = [f'posecore {__version__} (Python {sys.version.split()[0]} on {sys.platform})']
    dists = index.distributions()
    if dists:
        lines.append('plugins:')
        for dist in dists:
            off = index.is_blocked(dist.name)
            lines.append(f'  {dist.name} {dist.version}' + (f'  [off: {off}]' if off else ''))
    else:
        lines.append('plugins: none installed')
    return '\n'.join(lines)


class _VersionAction(argparse.Action):
    def __init__(self, option_strings, dest, **kwargs):
        super().__init__(option_strings, dest, nargs=0, help=kwargs.get('help'))

    def __call__(self, parser, namespace, values, option_string=None):
        print(_version_text())
        parser.exit()


BUILTIN_COMMANDS = ('plugins', 'plugin', 'metainfo', 'train', 'test', 'print-config')


def build_parser(with_plugin_commands: bool = True) -> argparse.ArgumentParser:
    """The parser; with the subcommands hook plugins add unless told otherwise."""
    parser = argparse.ArgumentParser(
        prog='posecore', description='posecore: pose estimation with plugin distributions.')
    parser.add_argument('--version', action=_VersionAction,
                        help='print posecore and plugin versions, then exit')
    parser.add_argument('-p', dest='plugin_switches', action='append', default=[],
                        metavar='no:DIST',
                        help='switch a plugin distribution off (no:DIST) or back on (DIST); '
                             'repeatable')
    parser.add_argument('--traceback', action='store_true',
                        help='show the full traceback of an error')
    sub = parser.add_subparsers(dest='command', metavar='COMMAND')
    plugins_cmd.add_parser(sub)
    scaffold_cmd.add_parser(sub)
    run_cmd.add_parsers(sub)
    if with_plugin_commands:
        from posecore.plugin_manager import get_plugin_manager

        get_plugin_manager().hook.posecore_add_commands(subparsers=sub)
    return parser


def _first_command(argv: list[str]) -> str | None:
    """The subcommand (or ``--version``) named in ``argv``, skipping global options."""
    skip = False
    for arg in argv:
        if skip:
            skip = False
        elif arg == '-p':
            skip = True
        elif arg == '--version' or not arg.startswith('-'):
            return arg
    return None


def _check_command(parser: argparse.ArgumentParser, command: str | None) -> None:
    """Refuse an unknown subcommand with close matches, and say which hook plugins
    failed to load (the commands they add are then missing).

    :param command: what :func:`_first_command` found.
    :raises UsageError: ``command`` is no subcommand.
    """
    if command is None or command == '--version':
        return
    choices = next((a.choices for a in parser._actions
                    if isinstance(a, argparse._SubParsersAction)), {})
    if command in choices:
        return
    import difflib

    from posecore.plugin_manager import load_failures

    close = difflib.get_close_matches(command, list(choices), n=3)
    lines = [f'unknown command {command!r}; '
             + (f'did you mean {" or ".join(close)}?' if close else
                f'the commands are {", ".join(sorted(choices))} (posecore --help).')]
    lines += [f'the hook plugin {name} failed to load, so the commands it adds are missing: '
              f'{exc}' for name, exc in load_failures.items()]
    raise UsageError('\n'.join(lines))


def _pre_scan_switches(argv: list[str]) -> list[str]:
    values = []
    for i, arg in enumerate(argv):
        if arg == '--':
            break
        if arg == '-p' and i + 1 < len(argv):
            values.append(argv[i + 1])
        elif arg.startswith('-p') and len(arg) > 2:
            values.append(arg[2:])
    return values


def _show_warning(message, category, filename, lineno, file=None, line=None) -> None:
    if str(message).startswith('posecore:'):  # ours: one line, no source location
        print(f'{message}', file=sys.stderr)
    else:
        _default_showwarning(message, category, filename, lineno, file, line)


_default_showwarning = warnings.showwarning


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the exit code."""
    argv = list(sys.argv[1:] if argv is None else argv)
    warnings.showwarning = _show_warning
    show_traceback = '--traceback' in argv
    try:
        _apply_p_switches(_pre_scan_switches(argv))
        # built-in commands need no hook modules: start-up stays light
        command = _first_command(argv)
        parser = build_parser(command not in BUILTIN_COMMANDS + ('--version',))
        _check_command(parser, command)
        args = parser.parse_args(argv)
        if not getattr(args, 'func', None):
            parser.print_help()
            return 2
        code = args.func(args)
        return int(code or 0)
    except PosecoreError as exc:
        if show_traceback:
            traceback.print_exc()
        print(f'posecore: error: {exc}', file=sys.stderr)
        if exc.__cause__ is not None and not show_traceback:
            print('(run again with --traceback to see where it failed)', file=sys.stderr)
        return 2 if isinstance(exc, (UsageError, ConfigError)) else 1
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # the reader went away (`posecore ... | head`): nothing to report
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no error at exit
        return 1
    except Exception as exc:  # noqa: BLE001  (one line, not a traceback, for any input)
        if show_traceback:
            traceback.print_exc()
        print(f'posecore: error: {_describe_unexpected(exc)}', file=sys.stderr)
        if not show_traceback:
            print('(run again with --traceback to see where it failed)', file=sys.stderr)
        return 1


def _describe_unexpected(exc: BaseException) -> str:
    """One line for an exception posecore did not raise on purpose: its type and
    message, and for an OS error the file and what to check.

    :param exc: the exception that ended the command.
    """
    # torch and others read every entry_points.txt on sys.path: a broken one fails them
    note = get_index().problems_note()
    if isinstance(exc, OSError) and exc.filename is not None:
        import errno

        advice = {errno.ENOSPC: 'free some space or pass another --work-dir',
                  errno.EACCES: 'check its permissions or pass another --work-dir',
                  errno.EROFS: 'the file system is read-only: pass another --work-dir',
                  errno.EDQUOT: 'the disk quota is exceeded: free some space'}.get(
                      exc.errno, 'check the path')
        return f'{exc.strerror or exc}: {exc.filename!r}; {advice}.{note}'
    return f'{type(exc).__name__}: {exc}{note}'
