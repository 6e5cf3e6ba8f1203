"""HRNet-w32 top-down model on CPU: posecore vs MMPose 1.3.2, side by side.

Model: HRNet-w32 backbone + ``nn.Conv2d(32, 17, 1)`` final layer (what
MMPose's ``HeatmapHead`` is for this config) + MSE loss, 256x192, batch 8,
torch threads = CPU cores. Work measured per variant, each in its own
subprocess (so peak RSS is that variant's): inference img/s (eval,
``no_grad``, no flip), train-step img/s (forward, backward, Adam step), peak
RSS. MMPose's side runs in the environment ``../shared/anchor/make-mmpose-venv.sh``
builds (``--anchor-python``, default ``/tmp/anchor-venv/bin/python``); without
it the anchor's published figures are printed instead.

    python benchmarks/hrnet.py                  # eager, channels_last, compiled inference
    python benchmarks/hrnet.py --no-compile     # skip torch.compile (minutes less)
    python benchmarks/hrnet.py --compile-train  # also compile the train step (>10 min here)
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Callable

DEFAULT_ANCHOR = '/tmp/anchor-venv/bin/python'
# MMPose 1.3.2 on this machine class (../shared/anchor/README.md), used when
# the anchor environment is missing.
ANCHOR_FIGURES: dict[str, dict[str, Any]] = {
    'mmpose eager': {'infer': 8.97, 'train': 2.51, 'rss_train_mb': 2269},
    'mmpose channels_last': {'infer': 11.4},
    'mmpose channels_last+compile': {'infer': 15.3, 'compile_s': 80.0},
}
W32_EXTRA: dict[str, Any] = {
    'stage1': {'num_modules': 1, 'num_branches': 1, 'block': 'BOTTLENECK',
               'num_blocks': [4], 'num_channels': [64]},
    'stage2': {'num_modules': 1, 'num_branches': 2, 'block': 'BASIC',
               'num_blocks': [4, 4], 'num_channels': [32, 64]},
    'stage3': {'num_modules': 4, 'num_branches': 3, 'block': 'BASIC',
               'num_blocks': [4, 4, 4], 'num_channels': [32, 64, 128]},
    'stage4': {'num_modules': 3, 'num_branches': 4, 'block': 'BASIC',
               'num_blocks': [4, 4, 4, 4], 'num_channels': [32, 64, 128, 256]},
}


# --------------------------------------------------------------- worker side
def _build(impl: str, channels_last: bool) -> Any:
    """Backbone + 1x1 final layer as one ``nn.Module`` returning heatmaps."""
    import torch
    import torch.nn as nn

    if impl == 'posecore':
        from posecore.registry import MODELS
        backbone = MODELS.build({'type': 'HRNet', 'in_channels': 3,
                                 'extra': W32_EXTRA,
                                 'channels_last': channels_last})
    else:  # runs in the anchor environment only
        from mmpose.models.backbones import HRNet as MMPoseHRNet
        backbone = MMPoseHRNet(extra=W32_EXTRA, in_channels=3)

    class TopDown(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.backbone = backbone
            self.final_layer = nn.Conv2d(32, 17, 1)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return self.final_layer(self.backbone(x)[-1])

    model = TopDown()
    if impl == 'mmpose' and channels_last:
        model = model.to(memory_format=torch.channels_last)
    return model


def _time(fn: Callable[[], Any], iters: int) -> float:
    """Median seconds per call of ``fn`` over ``iters`` calls."""
    times = []
    for _ in range(iters):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    times.sort()
    return times[len(times) // 2]


def _peak_rss_mb() -> float:
    import resource
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


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
    target = torch.rand(args.batch, 17, 64, 48)
    result: dict[str, Any] = {}
    infer_model: Any = model
    train_model: Any = model
    if args.compile:
        infer_model = torch.compile(model)
        if args.compile_train:
            train_model = infer_model

    model.eval()
    start = time.perf_counter()
    with torch.no_grad():
        infer_model(x)  # warm-up (and compilation)
    if args.compile:
        result['compile_infer_s'] = time.perf_counter() - start
    with torch.no_grad():
        result['infer'] = args.batch / _time(lambda: infer_model(x), args.iters)
    result['rss_infer_mb'] = _peak_rss_mb()

    if not args.skip_train:
        model.train()
        optim = torch.optim.Adam(model.parameters(), lr=1e-4)

        def step() -> None:
            optim.zero_grad(set_to_none=True)
            loss = torch.nn.functional.mse_loss(train_model(x), target)
            loss.backward()
            optim.step()

        start = time.perf_counter()
        step()
        if args.compile and args.compile_train:
            result['compile_train_s'] = time.perf_counter() - start
        result['train'] = args.batch / _time(step, max(2, args.iters - 1))
        result['rss_train_mb'] = _peak_rss_mb()
    return result


# --------------------------------------------------------------- driver side
def _run_variant(python: str, impl: str, layout: str, compile_: bool,
                 args: argparse.Namespace, name: str) -> dict[str, Any]:
    print(f'  running {name} ...', file=sys.stderr, flush=True)
    cmd = [python, str(Path(__file__).resolve()), '--worker', '--impl', impl,
           '--layout', layout, '--batch', str(args.batch), '--iters', str(args.iters)]
    if compile_:
        cmd.append('--compile')
        # without --compile-train the compiled row measures inference only
        cmd.append('--compile-train' if args.compile_train else '--skip-train')
    if args.skip_train and '--skip-train' not in cmd:
        cmd.append('--skip-train')
    env = dict(os.environ, PYTHONWARNINGS='ignore')
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env)
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith('{')]
    if proc.returncode or not lines:
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-3:]
        return {'error': ' | '.join(tail)}
    return json.loads(lines[-1])


def _fmt(value: Any, spec: str) -> str:
    if isinstance(value, (int, float)):
        return format(value, spec)
    return '-'.rjust(int(spec.split('.')[0]))


def driver(args: argparse.Namespace) -> None:
    """Run every variant in a subprocess and print the table."""
    import torch

    anchor = args.anchor_python
    have_anchor = os.path.exists(anchor) and subprocess.run(
        [anchor, '-c', 'import mmpose'], capture_output=True).returncode == 0
    variants = [('posecore', 'contiguous', False, 'posecore channels_last=False'),
                ('posecore', 'channels_last', False, 'posecore default (channels_last)')]
    if not args.no_compile:
        variants.append(('posecore', 'channels_last', True,
                         'posecore channels_last+compile'))
    mm_variants = [('mmpose', 'contiguous', False, 'mmpose eager')]
    if args.mmpose_all:
        mm_variants.append(('mmpose', 'channels_last', False, 'mmpose channels_last'))
        if not args.no_compile:
            mm_variants.append(('mmpose', 'channels_last', True,
                                'mmpose channels_last+compile'))

    print(f'HRNet-w32 + Conv2d(32, 17, 1) final layer (stand-in for HeatmapHead) '
          f'+ MSE loss, 256x192, batch {args.batch}, torch {torch.__version__}, '
          f'{os.cpu_count()} threads, median of {args.iters} iterations; peak RSS '
          'is per process (training included where measured)')
    header = (f'{"variant":34} {"infer img/s":>11} {"x mmpose":>8} '
              f'{"train img/s":>11} {"x mmpose":>8} {"peak RSS MB":>11} '
              f'{"compile s":>9}  source')
    print(header)
    print('-' * len(header), flush=True)
    base: dict[str, Any] = {}

    def show(name: str, res: dict[str, Any], source: str) -> None:
        if 'error' in res:
            print(f'{name:34} failed: {res["error"]}', flush=True)
            return
        if not base:
            base.update(res)
        infer, train = res.get('infer'), res.get('train')
        r_inf = infer / base['infer'] if infer and base.get('infer') else None
        r_tr = train / base['train'] if train and base.get('train') else None
        rss = res.get('rss_train_mb', res.get('rss_infer_mb'))
        comp = sum(res.get(k, 0.0) for k in ('compile_infer_s', 'compile_train_s'))
        print(f'{name:34} {_fmt(infer, "11.2f")} {_fmt(r_inf, "8.2f")} '
              f'{_fmt(train, "11.2f")} {_fmt(r_tr, "8.2f")} {_fmt(rss, "11.0f")} '
              f'{_fmt(comp or res.get("compile_s"), "9.0f")}  {source}', flush=True)

    # MMPose eager first: it is the base of the ratios.
    if have_anchor:
        for impl, layout, comp, name in mm_variants:
            show(name, _run_variant(anchor, impl, layout, comp, args, name), 'measured')
    else:
        print(f'(no MMPose environment at {anchor!r}: MMPose rows are the anchor '
              'README figures; build it with ../shared/anchor/make-mmpose-venv.sh)')
        for name, figures in ANCHOR_FIGURES.items():
            show(name, dict(figures), 'anchor README')
    for impl, layout, comp, name in variants:
        show(name, _run_variant(sys.executable, impl, layout, comp, args, name),
             'measured')
    print('targets: inference >= 2.00x and train step >= 1.50x MMPose eager, '
          'peak RSS <= MMPose eager')


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--batch', type=int, default=8)
    parser.add_argument('--iters', type=int, default=5)
    parser.add_argument('--no-compile', action='store_true',
                        help='skip the torch.compile variants')
    parser.add_argument('--compile-train', action='store_true',
                        help='compiled rows also compile the train step (slow to compile)')
    parser.add_argument('--mmpose-all', action='store_true',
                        help='also measure MMPose with channels_last (and compile)')
    parser.add_argument('--skip-train', action='store_true')
    parser.add_argument('--anchor-python', default=DEFAULT_ANCHOR)
    # worker mode (internal)
    parser.add_argument('--worker', action='store_true', help=argparse.SUPPRESS)
    parser.add_argument('--impl', choices=('posecore', 'mmpose'), help=argparse.SUPPRESS)
    parser.add_argument('--layout', choices=('contiguous', 'channels_last'),
                        help=argparse.SUPPRESS)
    parser.add_argument('--compile', action='store_true', help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        print(json.dumps(worker(args)))
    else:
        driver(args)


if __name__ == '__main__':
    main()
