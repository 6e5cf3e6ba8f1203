"""Start-up time of the posecore CLI with 5 and 50 installed plugin distributions.

Builds N small plugin wheels (each declaring models, transforms, a metric and,
for every fifth one, a pluggy hook module), pip-installs them into a
temporary directory, and prints the median wall time of:
``posecore --help``, ``posecore --version``, ``posecore plugins list`` and
``python -c "import posecore.registry"``. Beside them, MMPose 1.3.2's import
times, measured in the same run when its environment exists
(``../shared/anchor/make-mmpose-venv.sh``), else the published figures.

Usage: python benchmarks/startup.py [--repeat 15] [--plugins 5 50]
           [--anchor /tmp/anchor-venv] [--json PATH]
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

from machine import ANCHOR_VENV
from result_rows import row, write

TARGETS = {'plugins list': 0.3, '--help': 0.2}
MMPOSE_PUBLISHED = {'import mmpose': 2.37,
                    'import mmpose.{models,datasets,codecs,evaluation}': 5.38}


def make_wheel(out: Path, i: int) -> Path:
    """A real wheel of distribution ``bench-plugin-<i>`` with entry points."""
    name, pkg, version = f'bench-plugin-{i:02d}', f'bench_plugin_{i:02d}', '1.0.0'
    groups = {
        'posecore.models': {f'BenchBackbone{i:02d}': f'{pkg}.models:Backbone',
                            f'BenchHead{i:02d}': f'{pkg}.models:Head'},
        'posecore.transforms': {f'BenchAffine{i:02d}': f'{pkg}.transforms:Affine',
                                f'BenchFlip{i:02d}': f'{pkg}.transforms:Flip'},
        'posecore.metrics': {f'BenchMetric{i:02d}': f'{pkg}.metrics:Metric'},
    }
    files = {f'{pkg}/__init__.py': '', f'{pkg}/models.py': 'class Backbone: pass\nclass Head: pass\n',
             f'{pkg}/transforms.py': 'class Affine: pass\nclass Flip: pass\n',
             f'{pkg}/metrics.py': 'class Metric: pass\n'}
    if i % 5 == 0:
        groups['posecore.plugins'] = {name: f'{pkg}.hooks'}
        files[f'{pkg}/hooks.py'] = (
            'from posecore.hookspecs import hookimpl\n\n@hookimpl\n'
            'def posecore_add_commands(subparsers):\n'
            f'    subparsers.add_parser("bench-{i:02d}", help="benchmark command")\n')
    info = f'{pkg}-{version}.dist-info'
    files[f'{info}/METADATA'] = (f'Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n'
                                 'Requires-Dist: posecore<0.2,>=0.1\n')
    files[f'{info}/WHEEL'] = 'Wheel-Version: 1.0\nGenerator: bench\nRoot-Is-Purelib: true\nTag: py3-none-any\n'
    files[f'{info}/entry_points.txt'] = ''.join(
        f'[{g}]\n' + ''.join(f'{k} = {v}\n' for k, v in eps.items()) + '\n'
        for g, eps in groups.items())
    files[f'{info}/RECORD'] = ''.join(f'{f},,\n' for f in files) + f'{info}/RECORD,,\n'
    path = out / f'{pkg}-{version}-py3-none-any.whl'
    with zipfile.ZipFile(path, 'w') as zf:
        for fname, text in files.items():
            zf.writestr(fname, text)
    return path


def install(n: int, root: Path) -> Path:
    wheels, site = root / f'wheels-{n}', root / f'site-{n}'
    wheels.mkdir()
    paths = [make_wheel(wheels, i) for i in range(n)]
    subprocess.run([sys.executable, '-m', 'pip', 'install', '--quiet', '--no-deps',
                    '--disable-pip-version-check', '--target', str(site), *map(str, paths)],
                   check=True)
    return site


def median_time(cmd: list[str], env: dict[str, str], repeat: int) -> float:
    times = []
    for _ in range(repeat + 1):
        start = time.perf_counter()
        subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, check=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times[1:])  # the first run warms the file cache


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--repeat', type=int, default=15)
    parser.add_argument('--anchor', default=ANCHOR_VENV,
                        help='virtual environment with MMPose 1.3.2')
    parser.add_argument('--plugins', type=int, nargs=2, default=[5, 50],
                        metavar=('FEW', 'MANY'), help='plugin distributions installed')
    parser.add_argument('--json', type=Path, help='write the figures here')
    args = parser.parse_args()
    few, many = args.plugins
    posecore = [sys.executable, '-m', 'posecore']
    commands = {'--help': posecore + ['--help'], '--version': posecore + ['--version'],
                'plugins list': posecore + ['plugins', 'list'],
                'import posecore.registry': [sys.executable, '-c', 'import posecore.registry']}
    results: dict[str, dict[int, float]] = {name: {} for name in commands}
    with tempfile.TemporaryDirectory() as tmp:
        for n in (few, many):
            site = install(n, Path(tmp))
            env = dict(os.environ, PYTHONPATH=str(site))
            for name, cmd in commands.items():
                results[name][n] = median_time(cmd, env, args.repeat)

    anchor_python = Path(args.anchor) / 'bin' / 'python'
    mmpose = {}
    for label, stmt in (('import mmpose', 'import mmpose'),
                        ('import mmpose.{models,datasets,codecs,evaluation}',
                         'import mmpose.models, mmpose.datasets, mmpose.codecs, mmpose.evaluation')):
        if anchor_python.exists():
            mmpose[label] = (median_time([str(anchor_python), '-W', 'ignore', '-c', stmt],
                                         dict(os.environ), max(3, args.repeat // 5)), 'measured')
        else:
            mmpose[label] = (MMPOSE_PUBLISHED[label], 'published, anchor venv not found')

    print(f'posecore start-up, median of {args.repeat} runs (s), Python {sys.version.split()[0]}, '
          f'{os.cpu_count()} CPUs')
    print(f'{"command":<28}{f"{few} plugins":>11}{f"{many} plugins":>12}{"target":>9}  verdict')
    for name, by_n in results.items():
        target = TARGETS.get(name)
        verdict = '' if target is None else ('meets' if by_n[many] < target else 'MISSES')
        print(f'{name:<28}{by_n[few]:>11.3f}{by_n[many]:>12.3f}'
              f'{(f"<{target}" if target else ""):>9}  {verdict}')
    print('\nMMPose 1.3.2 for comparison')
    for label, (value, how) in mmpose.items():
        ratio = value / results['import posecore.registry'][many]
        print(f'{label:<52}{value:>7.3f}  ({how}); import posecore.registry is {ratio:.1f}x faster')
    ratio = mmpose['import mmpose'][0] / results['plugins list'][many]
    print(f'posecore plugins list ({many} plugins) vs import mmpose: {ratio:.1f}x faster')

    measured = anchor_python.exists()
    rows = [row(f'{"" if name.startswith("import") else "posecore "}{name}, {many} plugins installed',
                's', None, by_n[many],
                better='lower', limit=TARGETS.get(name))
            for name, by_n in results.items()]
    for label, ours in (('import mmpose', 'import posecore.registry'),
                        ('import mmpose.{models,datasets,codecs,evaluation}',
                         'import posecore.registry')):
        rows.append(row(f'MMPose: {label}; posecore: {ours} ({many} plugins)', 's',
                        mmpose[label][0] if measured else None,
                        results[ours][many], better='lower'))
    rows.append(row(f'MMPose: import mmpose; posecore: plugins list ({many} plugins)', 's',
                    mmpose['import mmpose'][0] if measured else None,
                    results['plugins list'][many], better='lower'))
    write(args.json, 'startup', f'CLI start-up, median of {args.repeat} runs', rows,
          mmpose_measured=measured)


if __name__ == '__main__':
    main()
