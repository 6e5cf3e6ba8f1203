"""bfloat16 autocast on the CPU (``CPUAmpOptimWrapper``) against float32: the
training step of the demo model (HRNet-w32-small, 128x96, batch 16), side by side
in one process, alternating (fp32, bf16, fp32, bf16...), best of each side.

The step is what ``train_step`` runs: forward (under autocast or not), the head's
MSE loss on float32 targets, backward, Adam. Prints the machine line (CPU flags:
``amx_bf16`` / ``avx512_bf16`` decide whether bfloat16 is native), the milliseconds
per step of each side and the ratio. Without native bfloat16 the wrapper trains in
float32, so the script then measures what autocast would cost and says so.

    python benchmarks/cpu_amp.py [--threads 2] [--steps 10] [--rounds 3] [--batch 16]
"""
from __future__ import annotations

import argparse
import sys
import time

import torch
from mmengine.config import Config

from machine import describe, one_line
from train_time import DEMO  # the demo config, as the other benchmarks name it


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--threads', type=int, default=2)
    parser.add_argument('--steps', type=int, default=10, help='timed steps per round')
    parser.add_argument('--rounds', type=int, default=3)
    parser.add_argument('--batch', type=int, default=16)
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)

    from posecore.cpu_amp import native_bfloat16
    from posecore.registry import MODELS

    print(one_line(describe(torch_capability=True)))
    native = native_bfloat16()
    print(f'native bfloat16 (oneDNN): {native}'
          + ('' if native else ' -- CPUAmpOptimWrapper trains in float32 here; the bf16 '
             'figure is what emulated autocast would cost'))
    cfg = Config.fromfile(str(DEMO))
    model = MODELS.build(cfg.model).train()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    h, w = cfg.codec['input_size'][1], cfg.codec['input_size'][0]
    hh, hw = cfg.codec['heatmap_size'][1], cfg.codec['heatmap_size'][0]
    generator = torch.Generator().manual_seed(0)
    images = torch.randn(args.batch, 3, h, w, generator=generator)
    targets = torch.rand(args.batch, 17, hh, hw, generator=generator)

    def step(bf16: bool) -> None:
        with torch.autocast('cpu', dtype=torch.bfloat16, enabled=bf16):
            out = model.head(model.extract_feat(images))
        loss = torch.nn.functional.mse_loss(out.float(), targets)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()

    best = {False: float('inf'), True: float('inf')}
    for _ in range(args.rounds):
        for bf16 in (False, True):
            for _ in range(3):  # warm-up: oneDNN picks and caches its kernels
                step(bf16)
            start = time.perf_counter()
            for _ in range(args.steps):
                step(bf16)
            best[bf16] = min(best[bf16], (time.perf_counter() - start) / args.steps)
    print(f'training step, batch {args.batch}, {args.threads} threads: '
          f'float32 {1000 * best[False]:.1f} ms, bfloat16 autocast {1000 * best[True]:.1f} ms; '
          f'bfloat16 runs {best[False] / best[True]:.2f}x as fast')
    return 0


if __name__ == '__main__':
    sys.exit(main())
