"""ResNet-50 top-down model on CPU: posecore (pose-plugin-resnet) vs MMPose 1.3.2, side by side.

Model: ResNet-50 backbone + ``nn.Conv2d(2048, 17, 1)`` final layer (a stand-in
for the head, the same on both sides) + MSE loss, 256x192, batch 8, torch
threads = CPU cores. Each variant runs in its own subprocess (so peak RSS is
that variant's) and measures inference img/s (eval, ``no_grad``), train-step
img/s (forward, backward, Adam step) and peak RSS. With ``--rounds N`` the
variants run N times in alternating order (both sides meet the same load of a
shared machine) and the best figures are kept. Beside wall-clock rates, images
per CPU-second of the process are printed: on a machine other work shares,
they move less than wall time. MMPose's side runs in the
environment ``../shared/anchor/make-mmpose-venv.sh`` builds
(``--anchor-python``, default ``/tmp/anchor-venv/bin/python``); without it the
MMPose rows are missing and no ratio is printed. Last, both models run in one
process of that environment (posecore's code put on ``PYTHONPATH``, MMPose's
weights loaded into both), calls alternating, so that load from other work
slows both alike; their outputs are compared too.

    python benchmarks/resnet.py                     # MMPose eager vs posecore
    python benchmarks/resnet.py --rounds 3 --json PATH
    python benchmarks/resnet.py --mmpose-all        # also MMPose with channels_last
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path
from typing import Any, Callable, Optional

from machine import ANCHOR_PYTHON, describe, has_mmpose, one_line
from result_rows import row, write
from worker_process import fmt, keep_best, peak_rss_mb, run_worker, serve

BASE = 'mmpose eager'
OURS = 'posecore default (channels_last)'


# --------------------------------------------------------------- worker side
def _build(impl: str, channels_last: bool) -> Any:
    """Backbone + 1x1 final layer as one ``nn.Module`` returning heatmaps."""
    import torch.nn as nn

    if impl == 'posecore':
        from posecore.registry import MODELS
        backbone = MODELS.build({'type': 'ResNet', 'depth': 50,
                                 'channels_last': channels_last})
    elif impl == 'posecore-direct':  # in the anchor environment, by PYTHONPATH
        from pose_plugin_resnet.resnet import ResNet
        backbone = ResNet(depth=50, channels_last=channels_last)
    else:  # runs in the anchor environment only
        from mmpose.models.backbones import ResNet as MMPoseResNet
        backbone = MMPoseResNet(depth=50)
    backbone.init_weights()

    class TopDown(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.backbone = backbone
            self.final_layer = nn.Conv2d(2048, 17, 1)

        def forward(self, x: Any) -> Any:
            return self.final_layer(self.backbone(x)[-1])

    model = TopDown()
    if impl == 'mmpose' and channels_last:
        import torch
        model = model.to(memory_format=torch.channels_last)
    return model


def _time(fn: Callable[[], Any], iters: int) -> tuple[float, float]:
    """Median wall and CPU (this process, all threads) seconds per call of ``fn``."""
    wall, cpu = [], []
    for _ in range(iters):
        start, start_cpu = time.perf_counter(), time.process_time()
        fn()
        wall.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    return sorted(wall)[iters // 2], sorted(cpu)[iters // 2]


def worker(args: argparse.Namespace) -> dict[str, Any]:
    """Measure one variant in this process; return its figures."""
    import torch

    torch.set_num_threads(os.cpu_count() or 1)
    torch.manual_seed(0)
    channels_last = args.layout == 'channels_last'
    model = _build(args.impl, channels_last)
    x = torch.randn(args.batch, 3, 256, 192)
    if args.impl == 'mmpose' and channels_last:
        x = x.contiguous(memory_format=torch.channels_last)
    target = torch.rand(args.batch, 17, 8, 6)
    result: dict[str, Any] = {}
    model.eval()
    with torch.no_grad():
        model(x)  # warm-up (oneDNN primitive creation, folded weights)
        wall, cpu = _time(lambda: model(x), args.iters)
    result['infer'], result['infer_cpu'] = args.batch / wall, args.batch / cpu
    result['rss_infer_mb'] = peak_rss_mb()
    if not args.skip_train:
        model.train()
        optim = torch.optim.Adam(model.parameters(), lr=1e-4)

        def step() -> None:
            optim.zero_grad(set_to_none=True)
            torch.nn.functional.mse_loss(model(x), target).backward()
            optim.step()

        step()
        wall, cpu = _time(step, max(2, args.iters - 1))
        result['train'], result['train_cpu'] = args.batch / wall, args.batch / cpu
        result['rss_train_mb'] = peak_rss_mb()
    return result


def interleaved(args: argparse.Namespace) -> dict[str, Any]:
    """Both models in one process (the anchor environment), with MMPose's weights in
    both, calls alternating: whatever else loads the machine slows both alike."""
    import torch

    torch.set_num_threads(os.cpu_count() or 1)
    torch.manual_seed(0)
    models = {'mmpose': _build('mmpose', False), 'posecore': _build('posecore-direct', True)}
    models['posecore'].load_state_dict(models['mmpose'].state_dict(), strict=True)
    x = torch.randn(args.batch, 3, 256, 192)
    target = torch.rand(args.batch, 17, 8, 6)
    times: dict[str, list[float]] = {}
    outs = {}
    for model in models.values():
        model.eval()
    with torch.no_grad():
        for name, model in models.items():
            outs[name] = model(x)  # warm-up
        for i in range(args.iters):
            for name in (list(models) if i % 2 == 0 else list(models)[::-1]):
                start = time.perf_counter()
                models[name](x)
                times.setdefault(f'infer_{name}', []).append(time.perf_counter() - start)
    result: dict[str, Any] = {'max_rel_diff': float(
        (outs['mmpose'] - outs['posecore']).abs().max() / outs['mmpose'].abs().max())}
    if not args.skip_train:
        optims = {n: torch.optim.Adam(m.parameters(), lr=1e-4) for n, m in models.items()}

        def step(name: str) -> None:
            optims[name].zero_grad(set_to_none=True)
            torch.nn.functional.mse_loss(models[name](x), target).backward()
            optims[name].step()

        for name, model in models.items():
            model.train()
            step(name)
        for i in range(max(2, args.iters - 1)):
            for name in (list(models) if i % 2 == 0 else list(models)[::-1]):
                start = time.perf_counter()
                step(name)
                times.setdefault(f'train_{name}', []).append(time.perf_counter() - start)
    for key, values in times.items():
        result[key] = args.batch / sorted(values)[len(values) // 2]
    return result


# --------------------------------------------------------------- driver side
def _run_variant(python: str, impl: str, layout: str,
                 args: argparse.Namespace, name: str) -> dict[str, Any]:
    cmd = [python, str(Path(__file__).resolve()), '--worker', '--impl', impl,
           '--layout', layout, '--batch', str(args.batch), '--iters', str(args.iters)]
    if args.skip_train:
        cmd.append('--skip-train')
    return run_worker(cmd, name)


def _ratio(ours: Optional[float], theirs: Optional[float]) -> Optional[float]:
    return ours / theirs if ours and theirs else None


def driver(args: argparse.Namespace) -> None:
    """Run every variant in subprocesses (alternating over rounds) and print the table."""
    import torch

    anchor = args.anchor_python
    have_anchor = has_mmpose(anchor)
    runs: list[tuple[str, str, str, str]] = []
    if have_anchor:
        runs.append((anchor, 'mmpose', 'contiguous', BASE))
        if args.mmpose_all:
            runs.append((anchor, 'mmpose', 'channels_last', 'mmpose channels_last'))
    runs += [(sys.executable, 'posecore', 'contiguous', 'posecore channels_last=False'),
             (sys.executable, 'posecore', 'channels_last', OURS)]
    best: dict[str, dict[str, Any]] = {}
    for r in range(args.rounds):
        for python, impl, layout, name in (runs if r % 2 == 0 else runs[::-1]):
            keep_best(best, name, _run_variant(python, impl, layout, args, name))

    print(one_line(describe(anchor)))
    print(f'ResNet-50 + Conv2d(2048, 17, 1) final layer + MSE loss, 256x192, batch '
          f'{args.batch}, torch {torch.__version__}, {os.cpu_count()} threads, median of '
          f'{args.iters} iterations, best of {args.rounds} round(s); peak RSS per process')
    if not have_anchor:
        print(f'(no MMPose environment at {anchor!r}: no MMPose rows, no ratios; build it '
              'with ../shared/anchor/make-mmpose-venv.sh)')
    header = (f'{"variant":34} {"infer img/s":>11} {"x mmpose":>8} {"img/CPU-s":>9} '
              f'{"x mmpose":>8} {"train img/s":>11} {"x mmpose":>8} {"img/CPU-s":>9} '
              f'{"x mmpose":>8} {"peak RSS MB":>11} {"x mmpose":>8}')
    print(header)
    print('-' * len(header))
    base = best.get(BASE, {})
    for name, res in best.items():
        if 'error' in res:
            print(f'{name:34} failed: {res["error"]}')
            continue
        rss, base_rss = (d.get('rss_train_mb', d.get('rss_infer_mb')) for d in (res, base))
        cells = []
        for key, width in (('infer', 11), ('infer_cpu', 9), ('train', 11), ('train_cpu', 9)):
            cells += [fmt(res.get(key), f'{width}.2f'),
                      fmt(_ratio(res.get(key), base.get(key)), '8.2f')]
        print(f'{name:34} {" ".join(cells)} {fmt(rss, "11.0f")} '
              f'{fmt(_ratio(rss, base_rss), "8.2f")}')
    print('img/CPU-s: images per CPU-second of the process (all threads), steadier than '
          'wall time when other work shares the cores')
    print('target: posecore default not slower than MMPose eager (ratios >= 1.00), '
          'peak RSS not above it')

    same: dict[str, Any] = {}
    if have_anchor and not args.no_interleaved:
        plugin = Path(__file__).resolve().parents[1]
        cmd = [anchor, str(Path(__file__).resolve()), '--worker', '--impl', 'interleaved',
               '--batch', str(args.batch), '--iters', str(args.iters)]
        if args.skip_train:
            cmd.append('--skip-train')
        same = run_worker(cmd, 'both in one process, alternating', env=dict(
            PYTHONPATH=os.pathsep.join([str(plugin / 'core'),
                                        str(plugin / 'examples' / 'pose-plugin-resnet')])))
        if 'error' in same:
            print('interleaved run failed: ' + same.pop('error'))
        else:
            rates = []
            for key, what in (('infer', 'inference'), ('train', 'train step')):
                theirs, mine = same.get(f'{key}_mmpose'), same.get(f'{key}_posecore')
                rates.append(f'{what} {fmt(theirs, ".2f")} vs {fmt(mine, ".2f")} img/s '
                             f'({fmt(_ratio(mine, theirs), ".2f")}x)')
            print(f"one process (the MMPose environment, posecore by PYTHONPATH), MMPose's "
                  f'weights in both, calls alternating, median of {args.iters}: '
                  f'{", ".join(rates)}; outputs differ by {same["max_rel_diff"]:.1e} (relative)')

    ours = best.get(OURS, {})
    ours = {} if 'error' in ours else ours
    rows = [row(f'ResNet-50 inference, batch {args.batch}', 'img/s', base.get('infer'),
                ours.get('infer'), target=1.0),
            row(f'ResNet-50 inference, batch {args.batch}, per CPU-second', 'img/CPU-s',
                base.get('infer_cpu'), ours.get('infer_cpu'))]
    if not args.skip_train:
        rows += [row(f'ResNet-50 train step, batch {args.batch}', 'img/s',
                     base.get('train'), ours.get('train'), target=1.0),
                 row(f'ResNet-50 train step, batch {args.batch}, per CPU-second',
                     'img/CPU-s', base.get('train_cpu'), ours.get('train_cpu'))]
    rows.append(row('ResNet-50 peak RSS (process)', 'MB',
                    base.get('rss_train_mb', base.get('rss_infer_mb')),
                    ours.get('rss_train_mb', ours.get('rss_infer_mb')), better='lower',
                    target=1.0))
    if same:
        rows += [row('ResNet-50 inference, one process, alternating calls', 'img/s',
                      same.get('infer_mmpose'), same.get('infer_posecore')),
                 row('ResNet-50 train step, one process, alternating calls', 'img/s',
                     same.get('train_mmpose'), same.get('train_posecore'))]
    write(args.json, 'resnet', f'ResNet-50 model, 256x192, batch {args.batch}, '
          f'{os.cpu_count()} threads', rows, mmpose_measured=bool(base))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--batch', type=int, default=8)
    parser.add_argument('--iters', type=int, default=5)
    parser.add_argument('--rounds', type=int, default=1,
                        help='runs of every variant, alternating; best kept')
    parser.add_argument('--mmpose-all', action='store_true',
                        help='also measure MMPose with channels_last')
    parser.add_argument('--skip-train', action='store_true')
    parser.add_argument('--no-interleaved', action='store_true',
                        help='skip the run of both models in one process')
    parser.add_argument('--anchor-python', default=ANCHOR_PYTHON)
    parser.add_argument('--json', type=Path, help='write the figures here')
    # worker mode (internal)
    parser.add_argument('--worker', action='store_true', help=argparse.SUPPRESS)
    parser.add_argument('--impl', choices=('posecore', 'mmpose', 'interleaved'),
                        help=argparse.SUPPRESS)
    parser.add_argument('--layout', choices=('contiguous', 'channels_last'),
                        help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    serve(args, interleaved if args.impl == 'interleaved' else worker, driver)


if __name__ == '__main__':
    main()
