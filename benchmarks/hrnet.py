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
    python benchmarks/hrnet.py --rounds 2 --json PATH   # variants alternate, best kept

Beside the img/s, each row prints its achieved GFLOP/s (HRNet-w32 256x192
forward: 7.1 GMAC per image; a train step counted as 3 forwards) and its
share of the rate of a large channels-last 3x3 convolution measured by the
same torch, on the same cores, in the same run: how far from the
machine's limit each side is.
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path
from typing import Any

from machine import ANCHOR_PYTHON, has_mmpose
from result_rows import row, write
from worker_process import fmt, keep_best, median_seconds, peak_rss_mb, run_worker, serve

# MMPose 1.3.2 on this machine class (../shared/anchor/README.md), used when
# the anchor environment is missing.
ANCHOR_FIGURES: dict[str, dict[str, Any]] = {
    'mmpose eager': {'infer': 8.97, 'train': 2.51, 'rss_train_mb': 2269},
    'mmpose channels_last': {'infer': 11.4},
    'mmpose channels_last+compile': {'infer': 15.3, 'compile_s': 80.0},
}
#: multiply-accumulates of one HRNet-w32 + final layer forward at 256x192
GMAC_PER_IMAGE = 7.1
#: the peak reference: batch, channels in = out, side of a 3x3 convolution
CONV_SHAPE = (8, 256, 56)
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


def conv_rate(shape: tuple[int, int, int], iters: int) -> dict[str, Any]:
    """GFLOP/s of a channels-last 3x3 convolution (no bias, stride 1, same
    padding) of ``shape`` = (batch, channels, side): what oneDNN reaches on
    these cores with the most favourable large layer, the page's limit."""
    import torch

    batch, channels, side = shape
    conv = torch.nn.Conv2d(channels, channels, 3, padding=1, bias=False).eval()
    conv = conv.to(memory_format=torch.channels_last)
    x = torch.randn(batch, channels, side, side).contiguous(
        memory_format=torch.channels_last)
    with torch.no_grad():
        conv(x)
        seconds = median_seconds(lambda: conv(x), iters)
    flop = 2 * batch * channels * channels * 9 * side * side
    return {'conv_gflops': flop / seconds / 1e9}


def _int8_label() -> str:
    return f'onnxruntime int8 ({"VNNI" if has_vnni() else "AVX2, no VNNI"})'


def has_vnni() -> bool:
    """Whether the CPU has int8 dot-product instructions (VNNI or AMX-INT8);
    without them onnxruntime's int8 kernels use AVX2 (measured 1.8x float32 on
    HRNet-w32, 2026-12-02)."""
    try:
        text = Path('/proc/cpuinfo').read_text()
    except OSError:
        return False
    return any(flag in text.split() for flag in ('avx512_vnni', 'avx_vnni', 'amx_int8'))


def onnxruntime_rate(precision: str, batch: int, iters: int) -> dict[str, Any]:
    """Inference img/s of posecore's model exported by pose-plugin-onnx's
    exporter settings (torch.export-based, opset 18) and run by onnxruntime
    with one thread per CPU; ``precision`` 'int8': its static quantization,
    calibrated on 4 random batches (speed does not depend on the ranges)."""
    import tempfile

    import numpy as np
    import torch
    from pose_plugin_onnx.precision import quantize_int8
    from pose_plugin_onnx.session import make_session
    from pose_plugin_onnx.tracing_export import DEFAULT_OPSET, quiet_exporter

    model = _build('posecore', True).eval()
    x = torch.randn(batch, 3, 256, 192)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / 'hrnet.onnx'
        start = time.perf_counter()
        with quiet_exporter(), torch.no_grad():
            torch.onnx.export(model, (x, ), str(path), dynamo=True, input_names=['images'],
                              opset_version=DEFAULT_OPSET, external_data=False)
        if precision == 'int8':
            rng = np.random.default_rng(0)
            calib = [rng.standard_normal(tuple(x.shape), dtype=np.float32) for _ in range(4)]
            quantize_int8(path, Path(tmp) / 'int8.onnx', calib)
            path = Path(tmp) / 'int8.onnx'
        export_s = time.perf_counter() - start
        session: Any = make_session(path)
        feed = {'images': x.numpy()}
        session.run(None, feed)  # warm-up
        rate = batch / median_seconds(lambda: session.run(None, feed), iters)
    return {'infer': rate, 'rss_infer_mb': peak_rss_mb(), 'export_s': export_s}


def worker(args: argparse.Namespace) -> dict[str, Any]:
    """Measure one variant in this process; return its figures."""
    import torch

    torch.set_num_threads(os.cpu_count() or 1)
    torch.manual_seed(0)
    if args.impl == 'conv':
        return conv_rate(tuple(args.conv_shape), max(3, args.iters))
    if args.impl == 'onnxruntime':
        return onnxruntime_rate(args.layout, args.batch, args.iters)
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
        result['infer'] = args.batch / median_seconds(lambda: infer_model(x), args.iters)
    result['rss_infer_mb'] = peak_rss_mb()

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
        result['train'] = args.batch / median_seconds(step, max(2, args.iters - 1))
        result['rss_train_mb'] = peak_rss_mb()
    return result


# --------------------------------------------------------------- driver side
def _run_variant(python: str, impl: str, layout: str, compile_: bool,
                 args: argparse.Namespace, name: str) -> dict[str, Any]:
    cmd = [python, str(Path(__file__).resolve()), '--worker', '--impl', impl,
           '--layout', layout, '--batch', str(args.batch), '--iters', str(args.iters),
           '--conv-shape', *map(str, args.conv_shape)]
    if compile_:
        cmd.append('--compile')
        # without --compile-train the compiled row measures inference only
        cmd.append('--compile-train' if args.compile_train else '--skip-train')
    if args.skip_train and '--skip-train' not in cmd:
        cmd.append('--skip-train')
    return run_worker(cmd, name)


def driver(args: argparse.Namespace) -> None:
    """Run every variant in a subprocess and print the table."""
    import torch

    anchor = args.anchor_python
    have_anchor = has_mmpose(anchor)
    variants = [('posecore', 'contiguous', False, 'posecore channels_last=False'),
                ('posecore', 'channels_last', False, 'posecore default (channels_last)')]
    if args.default_only:
        variants = variants[1:]
    if not args.no_compile:
        variants.append(('posecore', 'channels_last', True,
                         'posecore channels_last+compile'))
    if not args.no_onnx:  # pose-plugin-onnx's export, run by onnxruntime
        variants.append(('onnxruntime', 'fp32', False, 'onnxruntime fp32'))
        variants.append(('onnxruntime', 'int8', False, _int8_label()))
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
              f'{"compile s":>9} {"GFLOP/s inf":>11} {"train":>6}  source')
    runs = [(sys.executable, 'conv', 'channels_last', False, 'conv 3x3 peak')]
    if have_anchor:
        runs += [(anchor, *v) for v in mm_variants]
    runs += [(sys.executable, *v) for v in variants]
    best: dict[str, dict[str, Any]] = {}
    for r in range(args.rounds):
        # alternate the order, so both sides meet the same load of a shared machine
        for python, impl, layout, comp, name in (runs if r % 2 == 0 else runs[::-1]):
            keep_best(best, name, _run_variant(python, impl, layout, comp, args, name),
                      lower=('rss', 'compile'))
    peak = best.pop('conv 3x3 peak', {}).get('conv_gflops')
    n, c, side = args.conv_shape
    print(f'achieved GFLOP/s: {GMAC_PER_IMAGE} GMAC per image forward, a train step '
          f'as 3 forwards; peak: a {n}x{c}x{side}x{side} channels-last 3x3 conv, '
          f'same torch, same cores: {fmt(peak, ".1f")} GFLOP/s')
    print(header)
    print('-' * len(header), flush=True)
    base: dict[str, Any] = {}

    def gflops(rate: Any, forwards: int) -> Any:
        return rate * 2 * GMAC_PER_IMAGE * forwards if rate else None

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
        print(f'{name:34} {fmt(infer, "11.2f")} {fmt(r_inf, "8.2f")} '
              f'{fmt(train, "11.2f")} {fmt(r_tr, "8.2f")} {fmt(rss, "11.0f")} '
              f'{fmt(comp or res.get("compile_s"), "9.0f")} '
              f'{fmt(gflops(infer, 1), "11.1f")} {fmt(gflops(train, 3), "6.1f")}  '
              f'{source}', flush=True)

    # MMPose eager first: it is the base of the ratios.
    if not have_anchor:
        print(f'(no MMPose environment at {anchor!r}: MMPose rows are the anchor '
              'README figures; build it with ../shared/anchor/make-mmpose-venv.sh)')
        for name, figures in ANCHOR_FIGURES.items():
            show(name, dict(figures), 'anchor README')
    for name, res in best.items():
        show(name, res, f'measured, best of {args.rounds}')
    print('targets: inference >= 2.00x and train step >= 1.50x MMPose eager, '
          'peak RSS <= MMPose eager')

    theirs = best.get('mmpose eager', {}) if have_anchor else {}
    ours = best.get('posecore default (channels_last)', {})
    share = (lambda rate, forwards: f'{gflops(rate, forwards) / peak:.0%} of the conv peak'
             if rate and peak else '')
    rows = [row(f'HRNet-w32 inference, batch {args.batch} (MMPose eager vs posecore '
                'default)', 'img/s', theirs.get('infer'), ours.get('infer'), target=2.0,
                note=f'MMPose {share(theirs.get("infer"), 1)}; posecore '
                     f'{share(ours.get("infer"), 1)}')]
    if not args.skip_train:
        rows.append(row(f'HRNet-w32 train step, batch {args.batch}', 'img/s',
                        theirs.get('train'), ours.get('train'), target=1.5,
                        note=f'MMPose {share(theirs.get("train"), 3)}; posecore '
                             f'{share(ours.get("train"), 3)}'))
    rows.append(row('HRNet-w32 peak RSS (process)', 'MB', theirs.get('rss_train_mb',
                    theirs.get('rss_infer_mb')), ours.get('rss_train_mb',
                    ours.get('rss_infer_mb')), better='lower', target=1.0))
    for key, forwards, label in (('infer', 1, 'inference'), ('train', 3, 'train step')):
        if theirs.get(key) or ours.get(key):
            rows.append(row(f'HRNet-w32 {label}, achieved', 'GFLOP/s',
                            gflops(theirs.get(key), forwards),
                            gflops(ours.get(key), forwards),
                            note=f'limit: 3x3 conv {fmt(peak, ".0f")} GFLOP/s'))
    if 'posecore channels_last+compile' in best:
        rows.append(row('HRNet-w32 inference, torch.compile (posecore) vs eager '
                        '(MMPose)', 'img/s', theirs.get('infer'),
                        best['posecore channels_last+compile'].get('infer')))
    for name in ('onnxruntime fp32', _int8_label()):
        if name in best:
            rows.append(row(f'HRNet-w32 inference, {name} (pose-plugin-onnx) vs eager '
                            '(MMPose)', 'img/s', theirs.get('infer'), best[name].get('infer'),
                            target=2.0 if name == 'onnxruntime fp32' else None))
    write(args.json, 'hrnet', f'HRNet-w32 model, 256x192, batch {args.batch}, '
          f'{os.cpu_count()} threads', rows, mmpose_measured=bool(theirs),
          extra=dict(conv_peak_gflops=peak))


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
    parser.add_argument('--default-only', action='store_true',
                        help="posecore's default variant only (and compiled unless --no-compile)")
    parser.add_argument('--anchor-python', default=ANCHOR_PYTHON)
    parser.add_argument('--rounds', type=int, default=1,
                        help='runs of every variant, alternating; best kept')
    parser.add_argument('--conv-shape', type=int, nargs=3, default=list(CONV_SHAPE),
                        metavar=('N', 'C', 'SIDE'), help='the peak 3x3 convolution')
    parser.add_argument('--json', type=Path, help='write the figures here')
    parser.add_argument('--no-onnx', action='store_true',
                        help='skip the onnxruntime rows (pose-plugin-onnx)')
    # worker mode (internal)
    parser.add_argument('--worker', action='store_true', help=argparse.SUPPRESS)
    parser.add_argument('--impl', choices=('posecore', 'mmpose', 'conv', 'onnxruntime'),
                        help=argparse.SUPPRESS)
    parser.add_argument('--layout', choices=('contiguous', 'channels_last', 'fp32', 'int8'),
                        help=argparse.SUPPRESS)
    parser.add_argument('--compile', action='store_true', help=argparse.SUPPRESS)
    serve(parser.parse_args(argv), worker, driver)


if __name__ == '__main__':
    main()
