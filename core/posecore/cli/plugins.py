"""``posecore plugins list|show|check`` and ``posecore metainfo``."""
from __future__ import annotations

import argparse
import fnmatch
import json

from posecore.cli.scaffold import add_new_arguments
from posecore.discovery import REGISTRY_GROUPS, get_index


def add_parser(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser('plugins', help='list, show and check installed plugins')
    psub = parser.add_subparsers(dest='plugins_command', metavar='ACTION', required=True)

    p = psub.add_parser('list', help='list installed names (reads metadata only)')
    p.add_argument('pattern', nargs='?', default='*',
                   help="wildcard on the name, e.g. '*HRNet*' (case-insensitive)")
    p.add_argument('--registry', choices=sorted(REGISTRY_GROUPS) + ['plugins'],
                   help='only this registry (plugins = pluggy hook modules)')
    p.add_argument('--json', action='store_true', help='print JSON')
    p.set_defaults(func=cmd_list)

    p = psub.add_parser('show', help='show the provider, signature and docs of a name')
    p.add_argument('name', help="a type name, or 'DIST::NAME'")
    p.add_argument('--registry', choices=sorted(REGISTRY_GROUPS))
    p.set_defaults(func=cmd_show)

    p = psub.add_parser('check', help='report collisions, version mismatches and '
                                      'missing modules; exit 1 when anything is wrong')
    p.add_argument('--import', dest='do_import', action='store_true',
                   help='also import every entry point and report failures')
    p.set_defaults(func=cmd_check)

    # an alias of `posecore plugin new`, the documented spelling
    add_new_arguments(psub.add_parser('new', help='the same as `posecore plugin new`'))

    p = sub.add_parser('metainfo', help='print the dataset metainfo a plugin provides')
    p.add_argument('name', help="dataset name, e.g. 'coco'")
    p.set_defaults(func=cmd_metainfo)


def _warn_problems(index) -> None:
    import sys

    for problem in index.problems:  # listed, not fatal: the other plugins still work
        print(f'posecore: warning: {problem}', file=sys.stderr)


def cmd_list(args: argparse.Namespace) -> int:
    index = get_index()
    _warn_problems(index)
    rows = []
    for entry in index.entries(include_blocked=True):
        if args.registry and entry.registry != args.registry:
            continue
        if not fnmatch.fnmatch(entry.name.lower(), args.pattern.lower()):
            continue
        rows.append({'name': entry.name, 'registry': entry.registry,
                     'distribution': entry.dist, 'version': entry.version,
                     'entry_point': entry.value,
                     'enabled': not index.is_blocked(entry.dist)})
    rows.sort(key=lambda r: (r['registry'], r['name'].lower(), r['distribution']))
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    if not rows:
        print(f'no installed plugin names match {args.pattern!r}')
        return 0
    header = ('NAME', 'REGISTRY', 'DISTRIBUTION', 'VERSION', 'ENTRY POINT')
    table = [header] + [(r['name'], r['registry'], r['distribution'], r['version'],
                         r['entry_point'] + ('' if r['enabled'] else '  [off]'))
                        for r in rows]
    widths = [max(len(row[i]) for row in table) for i in range(4)]
    for row in table:
        print('  '.join(cell.ljust(w) for cell, w in zip(row, widths)) + '  ' + row[4])
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    import inspect

    from posecore.registry import REGISTRIES

    index = get_index()
    dist, _, name = args.name.rpartition('::')
    entries = [e for e in index.entries(include_blocked=True)
               if e.name == name and e.group != 'posecore.plugins'
               and (not dist or e.dist.lower() == dist.lower() or
                    e.dist.lower() == dist.lower().replace('_', '-'))
               and (not args.registry or e.registry == args.registry)]
    if not entries:
        print(f'{args.name!r}: no installed distribution declares this name; '
              f'see `posecore plugins list`.')
        return 1
    code = 0
    for entry in entries:
        print(f'{entry.name}  ({entry.registry})')
        print(f'  distribution: {entry.dist} {entry.version}')
        print(f'  entry point:  {entry.group}: {entry.name} = {entry.value}')
        off = index.is_blocked(entry.dist)
        if off:
            print(f'  switched off: {off}')
            continue
        try:
            obj = REGISTRIES[entry.registry].get(entry.qualified)
        except Exception as exc:  # show what a build would raise, keep listing
            print(f'  import failed: {exc}')
            code = 1
            continue
        try:
            signature = str(inspect.signature(obj))
        except (TypeError, ValueError):
            signature = '(...)'
        doc = (inspect.getdoc(obj) or '').strip().split('\n\n', 1)[0].replace('\n', ' ')
        print(f'  signature:    {entry.name}{signature}')
        print(f'  summary:      {doc or "(no docstring)"}')
    return code


def cmd_check(args: argparse.Namespace) -> int:
    from posecore import checks
    from posecore.plugin_manager import get_plugin_manager, load_failures

    index = get_index()
    contributed = get_plugin_manager().hook.posecore_check()  # fills load_failures too
    results = (checks.check_collisions(index) + checks.check_versions(index)
               + checks.check_modules(index))
    if args.do_import:
        results += checks.check_imports(index)
    results += [checks.CheckResult(False, name, str(exc)) for name, exc in load_failures.items()]
    results += [checks.CheckResult(False, 'metadata', problem) for problem in index.problems]
    for extra in contributed:  # plain (ok, subject, message) tuples are accepted too
        results += [checks.CheckResult(*result) for result in extra or []]
    dists = index.distributions()
    print(f'{len(dists)} plugin distributions, {len(index.entries())} entry points switched on')
    for result in results:
        print(f'{"ok  " if result.ok else "FAIL"} {result.subject}: {result.message}')
    failed = [r for r in results if not r.ok]
    print(f'{len(failed)} problem(s) found' if failed else 'no problems found')
    return 1 if failed else 0


def cmd_metainfo(args: argparse.Namespace) -> int:
    from posecore.metainfo import get_dataset_metainfo

    def plain(value):
        return value.tolist() if hasattr(value, 'tolist') else str(value)

    print(json.dumps(get_dataset_metainfo(args.name), indent=2, default=plain))
    return 0
