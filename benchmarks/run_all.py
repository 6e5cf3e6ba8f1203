"""Every benchmark, both sides, one page: what ``make bench`` runs.

Runs each script of ``SCRIPTS`` (MMPose 1.3.2 in the anchor environment, as
a subprocess of each script; posecore never imports it), ``--repeats``
times, the list reversed on every other repeat so that the load of a shared
machine meets every script at different moments; each script alternates
the two sides itself (A B A B). Each side's best figure over the repeats is
kept. Writes ``benchmarks/RESULTS.md`` (a table per area: work, MMPose,
posecore, ratio, target, verdict, then the script's own printout) and
``benchmarks/results.json``, both headed by the machine (CPU, cores,
instruction-set flags, memory, load), the versions and the date;
``RESULTS_NOTES.md`` (people's dated reading of the misses: where the time
goes, the bounds) is appended to the page.

Without the anchor environment it says so and runs posecore's side alone
(MMPose columns empty: reference figures of other runs are never mixed in).

    python benchmarks/run_all.py [--quick] [--repeats N] [--only NAME ...]
        [--anchor /tmp/anchor-venv] [--out-dir benchmarks]
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from machine import ANCHOR_VENV, describe, one_line  # noqa: E402
from result_rows import ratio, verdict  # noqa: E402

#: the hand-written reading of the misses, appended to RESULTS.md
NOTES = HERE / 'RESULTS_NOTES.md'


@dataclass(frozen=True)
class Script:
    """A benchmark script and its arguments per mode.

    :param name: the area, as the page heads it.
    :param file: the script, relative to ``benchmarks/``.
    :param anchor_flag: its option naming MMPose's environment, and whether
        that option takes the venv folder (``venv``) or its python.
    :param full: arguments of ``make bench``; ``quick``: of ``QUICK=1``;
        ``tiny``: of the CI smoke test (seconds, no timing asserted).
    :param optional: absent on some branches: skipped with a line.
    """

    name: str
    file: str
    anchor_flag: str
    full: List[str] = field(default_factory=list)
    quick: List[str] = field(default_factory=list)
    tiny: List[str] = field(default_factory=list)
    anchor_is_venv: bool = False
    optional: bool = False


SCRIPTS: List[Script] = [
    Script('startup', 'startup.py', '--anchor', anchor_is_venv=True,
           full=['--repeat', '15'], quick=['--repeat', '2'],
           tiny=['--repeat', '1', '--plugins', '1', '2']),
    Script('codecs', 'codecs.py', '--mmpose-python',
           quick=['--quick'], tiny=['--seconds', '0.003', '--batch', '2']),
    Script('hrnet', 'hrnet.py', '--anchor-python',
           full=['--rounds', '2'],
           quick=['--no-compile', '--no-onnx', '--default-only', '--iters', '3'],
           tiny=['--no-compile', '--no-onnx', '--skip-train', '--default-only', '--batch', '1',
                 '--iters', '1',
                 '--conv-shape', '1', '16', '16']),
    Script('predict', 'predict.py', '--anchor-python',
           full=['--rounds', '2'], quick=['--default-only', '--iters', '3'],
           tiny=['--default-only', '--batch', '1', '--iters', '1']),
    Script('pipeline', 'pipeline.py', '--mmpose-python',
           quick=['--quick'], tiny=['--rounds', '1', '--passes', '1']),
    Script('dataloader', 'dataloader.py', '--mmpose-python',
           quick=['--quick'], tiny=['--tiny', '--workers', '2']),
    Script('coco_dataset', 'coco_dataset.py', '--mmpose-python',
           quick=['--instances', '20000', '--modes', 'topdown'],
           tiny=['--instances', '50', '--modes', 'topdown']),
    Script('coco_metric', 'coco_metric.py', '--mmpose-python',
           quick=['--sizes', '1000', '--rounds', '1'],
           tiny=['--sizes', '20', '--rounds', '1', '--repeat', '1']),
    Script('train_time', 'train_time.py', '--mmpose-python', full=['--profile'],
           quick=['--quick', '--profile', 'demo', '--configs', 'demo'], tiny=['--tiny']),
    Script('train_accuracy', 'train_accuracy.py', '--mmpose-python',
           quick=['--epochs', '2'], tiny=['--tiny']),
    Script('resnet', 'resnet.py', '--anchor-python', optional=True,
           full=['--rounds', '2'], quick=['--iters', '2'],
           tiny=['--batch', '1', '--iters', '1', '--skip-train']),
    Script('onnx_infer', 'onnx_infer.py', '--anchor-python', optional=True,
           full=['--rounds', '2'], quick=['--copies', '1'], tiny=['--copies', '1']),
]


def command(script: Script, mode: str, anchor: Optional[Path],
            json_path: Path) -> List[str]:
    """The command line of ``script`` in ``mode`` (``full``, ``quick``,
    ``tiny``); without ``anchor``, MMPose's environment is named as missing
    so the script runs posecore alone."""
    source = (HERE / script.file).read_text()
    args = [a for a in getattr(script, mode)
            # an optional script from elsewhere may lack these options
            if not script.optional or not a.startswith('--') or f"'{a}'" in source]
    missing = HERE / 'no-anchor-environment'
    venv = anchor if anchor else missing
    args += [script.anchor_flag, str(venv if script.anchor_is_venv else venv / 'bin' / 'python')]
    if "'--json'" in source:
        args += ['--json', str(json_path)]
    return [sys.executable, str(HERE / script.file), *args]


def run_script(script: Script, mode: str, anchor: Optional[Path],
               timeout: float) -> Dict[str, Any]:
    """Run one script; return its JSON (or none) and its printout."""
    with tempfile.TemporaryDirectory() as tmp:
        json_path = Path(tmp) / f'{script.name}.json'
        cmd = command(script, mode, anchor, json_path)
        start = time.perf_counter()
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout,
                                  cwd=HERE.parent,
                                  env=dict(os.environ, PYTHONWARNINGS='ignore'))
            rc, out, err = proc.returncode, proc.stdout, proc.stderr
        except subprocess.TimeoutExpired as exc:
            rc, out, err = 124, exc.stdout or '', f'timed out after {timeout:.0f} s'
            out = out.decode() if isinstance(out, bytes) else out
        seconds = time.perf_counter() - start
        data = json.loads(json_path.read_text()) if json_path.exists() else None
    # the page names no path of this machine: paths in the repository relative to it,
    # the temporary JSON file by its name
    repo = str(HERE.parent) + os.sep
    shown = [json_path.name if arg == str(json_path)
             else os.path.relpath(arg, HERE.parent) if arg.startswith(repo) else arg
             for arg in cmd[1:]]
    return dict(name=script.name, command=' '.join(shown), returncode=rc,
                seconds=round(seconds, 1), stdout=out, stderr=err[-3000:], data=data)


def merge(best: Optional[Dict[str, Any]], new: Dict[str, Any]) -> Dict[str, Any]:
    """Keep each side's better figure per row over repeats (rows matched by work)."""
    if best is None or best['data'] is None:
        return new
    if new['data'] is None:
        return best
    pick = {'higher': max, 'lower': min}
    old_rows = {r['work']: r for r in best['data']['rows']}
    for r in new['data']['rows']:
        old = old_rows.get(r['work'])
        if old is None:
            continue
        for side in ('mmpose', 'posecore'):
            values = [v for v in (old[side], r[side]) if v is not None]
            old[side] = pick[r['better']](values) if values else None
    best['stdout'] += '\n--- next repeat ---\n' + new['stdout']
    best['seconds'] += new['seconds']
    return best


def _num(value: Optional[float]) -> str:
    if value is None:
        return '-'
    if abs(value) >= 1000:
        return f'{value:,.0f}'
    return f'{value:.3g}' if abs(value) < 10 else f'{value:.1f}'


def markdown(results: List[Dict[str, Any]], skipped: List[str], info: Dict[str, Any],
             args: argparse.Namespace, anchor: Optional[Path]) -> str:
    """``RESULTS.md``: the machine, a summary, then a table per area."""
    rows = [r for res in results if res['data'] for r in res['data']['rows']]
    verdicts = [verdict(r) for r in rows]
    meets = sum(v == 'meets' for v in verdicts)
    misses = sum(v.startswith('MISSES') for v in verdicts)
    lines = [
        '# Benchmarks: posecore beside MMPose 1.3.2',
        '',
        f'Written by `make bench{" QUICK=1" if args.quick else ""}` '
        f'(`python benchmarks/run_all.py{" --quick" if args.quick else ""}`) on '
        f'{info["date"]}, {args.repeats} repeat(s) of every script.',
        '',
        f'- **Machine**: {info["cpu"]}, {info["cores"]} cores, '
        f'{info["memory_gib"]} GiB; ISA flags: {" ".join(info["isa"]) or "?"}',
        f'- **Load average at the start**: {" ".join(map(str, info["load"]))} '
        f'(at the end: {" ".join(map(str, describe()["load"]))})',
        '- **posecore side**: ' + ', '.join(f'{k} {v}' for k, v in info['versions'].items()),
        '- **MMPose side**: ' + (f'{info["anchor"]}, in `{anchor}`, run as a subprocess '
                                  'in the same run' if info['anchor'] else
                                  f'no anchor environment at `{args.anchor}`: posecore '
                                  'measured alone, MMPose columns empty'),
        '- **ratio**: how many times better posecore is (its rate / MMPose\'s, or '
        'MMPose\'s time or memory / posecore\'s); above 1 is better. **target**: the '
        'ratio to reach (or a bound on posecore\'s figure). Each side\'s best over the '
        'repeats and over each script\'s alternating (A B A B) rounds.',
        f'- **Summary**: {len(rows)} rows; {meets} meet their target, {misses} miss it, '
        f'{len(rows) - meets - misses} have none or were not compared.',
    ]
    if max(info['load']) > 0.5 * (info['cores'] or 1):
        lines.append(f'- **Caveat**: the machine was shared (load {info["load"][0]} on '
                     f'{info["cores"]} cores): wall-clock figures are noisy; CPU-time rows '
                     'and ratios of alternating rounds are the steadier ones.')
    for name in skipped:
        lines.append(f'- skipped: {name}')
    for res in results:
        lines += ['', f'## {res["name"]}', '']
        data = res['data']
        if res['returncode']:
            lines.append(f'**The script failed** (exit {res["returncode"]}): '
                         f'`{res["stderr"].strip().splitlines()[-1] if res["stderr"].strip() else "?"}`')
            lines.append('')
        if data is None:
            lines.append('(no machine-readable output: the printout follows)')
        elif anchor and not data.get('mmpose_measured'):
            lines += ['**MMPose\'s side did not run in this script** although its environment '
                      'exists: see the printout\'s error output below.', '']
        if data is not None:
            lines += [data['title'], '',
                      '| work | MMPose | posecore | unit | ratio | target | verdict |',
                      '|---|---:|---:|---|---:|---:|---|']
            for r in data['rows']:
                got = ratio(r)
                target = (f'{r["target"]:.3g}x' if r.get('target') is not None else
                          f'{"<=" if r["better"] == "lower" else ">="} {r["limit"]:g}'
                          if r.get('limit') is not None else '-')
                work = r['work'] + (f' ({r["note"]})' if r.get('note') else '')
                lines.append(f'| {work} | {_num(r["mmpose"])} | {_num(r["posecore"])} | '
                             f'{r["unit"]} | {f"{got:.2f}x" if got else "-"} | {target} | '
                             f'{verdict(r)} |')
            for note in data.get('notes', []):
                lines += ['', note]
        lines += ['', f'<details><summary>printout ({res["seconds"]:.0f} s): '
                  f'<code>{res["command"]}</code></summary>', '', '```',
                  res['stdout'].rstrip(), '```']
        if res['stderr'].strip() and (res['returncode'] or (
                anchor and data is not None and not data.get('mmpose_measured'))):
            lines += ['error output (last lines):', '```',
                      '\n'.join(res['stderr'].strip().splitlines()[-15:]), '```']
        lines.append('</details>')
    if NOTES.exists():
        # people's reading of the misses: dated, kept apart from the figures
        lines += ['', NOTES.read_text().rstrip()]
    return '\n'.join(lines) + '\n'


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--quick', action='store_true',
                        help='shorter runs (under 5 minutes on 2 cores)')
    parser.add_argument('--repeats', type=int, default=None,
                        help='runs of every script (default 1 quick, 2 full)')
    parser.add_argument('--only', nargs='+', metavar='NAME',
                        help='these scripts only: ' + ' '.join(s.name for s in SCRIPTS))
    parser.add_argument('--anchor', type=Path, default=ANCHOR_VENV,
                        help='virtual environment with MMPose 1.3.2')
    parser.add_argument('--out-dir', type=Path, default=HERE,
                        help='where RESULTS.md and results.json go')
    parser.add_argument('--timeout', type=float, default=1800,
                        help='seconds per script run')
    args = parser.parse_args(argv)
    if args.repeats is None:
        args.repeats = 1 if args.quick else 2
    mode = 'quick' if args.quick else 'full'
    anchor = args.anchor if (args.anchor / 'bin' / 'python').exists() else None
    info = describe(str(anchor / 'bin' / 'python') if anchor else None)
    if anchor is None or info['anchor'] is None:
        print(f'run_all: no MMPose environment at {args.anchor} (build it with '
              '../shared/anchor/make-mmpose-venv.sh): posecore side alone', flush=True)
        anchor = None
    print(f'run_all: {one_line(info)}', flush=True)

    scripts, skipped = [], []
    for script in SCRIPTS:
        if args.only and script.name not in args.only:
            continue
        if not (HERE / script.file).exists():
            skipped.append(f'{script.name} (benchmarks/{script.file} is absent)')
            print(f'run_all: skipped {script.name}: benchmarks/{script.file} is absent',
                  flush=True)
            continue
        scripts.append(script)
    best: Dict[str, Dict[str, Any]] = {}
    for repeat in range(args.repeats):
        for script in (scripts if repeat % 2 == 0 else scripts[::-1]):
            print(f'run_all: {script.name} (repeat {repeat + 1}/{args.repeats}) ...',
                  flush=True)
            res = run_script(script, mode, anchor, args.timeout)
            status = 'ok' if res['returncode'] == 0 else f'FAILED ({res["returncode"]})'
            print(f'run_all: {script.name} {status} in {res["seconds"]:.0f} s', flush=True)
            best[script.name] = merge(best.get(script.name), res)
    results = [best[s.name] for s in scripts]
    args.out_dir.mkdir(parents=True, exist_ok=True)
    (args.out_dir / 'RESULTS.md').write_text(markdown(results, skipped, info, args, anchor))
    (args.out_dir / 'results.json').write_text(json.dumps(dict(
        machine=info, mode=mode, repeats=args.repeats, skipped=skipped,
        scripts={r['name']: dict(command=r['command'], returncode=r['returncode'],
                                 seconds=r['seconds'], **(r['data'] or {}))
                 for r in results}), indent=1))
    print(f'run_all: wrote {args.out_dir / "RESULTS.md"} and {args.out_dir / "results.json"}')
    return 1 if any(r['returncode'] for r in results) else 0


if __name__ == '__main__':
    sys.exit(main())
