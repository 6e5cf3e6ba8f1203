"""``posecore plugin new``: write a new plugin distribution (see :mod:`posecore.scaffold`)."""
from __future__ import annotations

import argparse

#: the registries, for --registry (the scaffold's sample modules are imported only when run)
REGISTRY_CHOICES = ('models', 'datasets', 'transforms', 'keypoint_codecs', 'metrics', 'hooks',
                    'visualizers', 'visbackends')


def add_new_arguments(parser: argparse.ArgumentParser) -> None:
    """The arguments of ``plugin new`` (shared with its alias ``plugins new``)."""
    parser.add_argument('name', help="the distribution name, e.g. 'pose-plugin-foo' (import "
                                     "name 'pose_plugin_foo')")
    parser.add_argument('--registry', nargs='+', choices=REGISTRY_CHOICES, default=None,
                        metavar='REGISTRY',
                        help=f'one sample component per registry: {", ".join(REGISTRY_CHOICES)} '
                             '(default: models)')
    parser.add_argument('--hooks', action='store_true',
                        help='also write a pluggy hook module (a subcommand and a check)')
    parser.add_argument('--out', default='.', metavar='DIR',
                        help='write into DIR/NAME (default: the current folder); DIR/NAME '
                             'must not exist or be empty')
    parser.set_defaults(func=cmd_new)


def add_parser(sub: argparse._SubParsersAction) -> None:
    """``posecore plugin new ...``."""
    parser = sub.add_parser('plugin', help='write a new plugin distribution')
    psub = parser.add_subparsers(dest='plugin_command', metavar='ACTION', required=True)
    add_new_arguments(psub.add_parser(
        'new', help='write a complete, tested plugin distribution with sample components'))


def cmd_new(args: argparse.Namespace) -> int:
    from posecore.scaffold.names import plugin_names
    from posecore.scaffold.project import config_name, write_plugin

    names = plugin_names(args.name)
    registries = args.registry or ['models']
    target = write_plugin(names, registries, args.hooks, args.out)
    print(f'wrote {names.dist} (import name {names.package}) to {target}')
    print(f'  sample components: {", ".join(registries)}' + (' + pluggy hooks' if args.hooks
                                                             else ''))
    print(f'  config: configs/{config_name(names, registries)}')
    print(f'next: cd {target} && pip install -e ".[test]" && pytest')
    return 0
