"""Speed of posecore's heatmap codecs against MMPose 1.3.2's, side by side.

Prints, per codec: encode instances/s (one 17-keypoint instance per call,
and a batch of instances encoded one per call in a loop, since the codecs
are single-instance as MMPose's) and decode heatmaps/s (one ``(K, H, W)``
per call, and ``batch_decode`` of ``(B, K, H, W)``), MMPose's per-call
figures measured in the same run (its venv runs ``MMPOSE_SCRIPT`` as a
subprocess; posecore never imports MMPose), the ratios, and the round-trip error of keypoints inside the input.

    python benchmarks/codecs.py [--quick] [--mmpose-python PATH]
"""
from __future__ import annotations

import argparse
import inspect
import json
import subprocess
import sys
import timeit
from pathlib import Path
from typing import Callable, Dict, Optional

import numpy as np

CASES: Dict[str, dict] = {
    'MSRA': dict(type='MSRAHeatmap', input_size=(192, 256),
                 heatmap_size=(48, 64), sigma=2),
    'MSRA unbiased': dict(type='MSRAHeatmap', input_size=(192, 256),
                          heatmap_size=(48, 64), sigma=2, unbiased=True),
    'UDP': dict(type='UDPHeatmap', input_size=(192, 256),
                heatmap_size=(48, 64), sigma=2),
    'UDP combined': dict(type='UDPHeatmap', input_size=(192, 256),
                         heatmap_size=(48, 64), heatmap_type='combined'),
    'Megvii': dict(type='MegviiHeatmap', input_size=(192, 256),
                   heatmap_size=(48, 64), kernel_size=11),
}
# MMPose 1.3.2 per call on this machine class (../shared/anchor/README.md)
ANCHOR = {'MSRA': (3539, 6801), 'MSRA unbiased': (None, 957),
          'UDP': (2858, 1251)}
TARGET = {'MSRA': (5, 5), 'MSRA unbiased': (None, 5), 'UDP': (5, 5)}
BATCH_TARGET = 20
DEFAULT_MMPOSE = Path('/tmp/anchor-venv/bin/python')

# run by MMPose's python (argv[1]: JSON spec); prints {case: {op: per_s}}
MMPOSE_SCRIPT = """
import json, sys, timeit
import numpy as np
from mmpose.codecs import MegviiHeatmap, MSRAHeatmap, UDPHeatmap
TYPES = dict(MSRAHeatmap=MSRAHeatmap, UDPHeatmap=UDPHeatmap,
             MegviiHeatmap=MegviiHeatmap)
RATE = sys.argv[2]
exec(RATE)
spec = json.loads(sys.argv[1])
rng = np.random.default_rng(0)
out = {}
for case, cfg in spec['cases'].items():
    cfg = dict(cfg)
    codec = TYPES[cfg.pop('type')](**cfg)
    w, h = cfg['input_size']
    kpts = (rng.random((1, 17, 2)) * [w - 1, h - 1]).astype(np.float32)
    vis = np.ones((1, 17), np.float32)
    heatmaps = codec.encode(kpts, vis)['heatmaps']
    out[case] = dict(
        encode=rate(lambda: codec.encode(kpts, vis), spec['seconds']),
        decode=rate(lambda: codec.decode(heatmaps), spec['seconds']))
print(json.dumps(out))
"""


def rate(func: Callable[[], object], seconds: float) -> float:
    """Calls per second: best of 3 repeats of about ``seconds / 3`` each."""
    once = min(timeit.repeat(func, number=1, repeat=3))
    number = max(1, int(seconds / 3 / max(once, 1e-7)))
    return number / min(timeit.repeat(func, number=number, repeat=3))


def build(cfg: dict):
    # the registry finds the class through the plugin's entry point
    from posecore.registry import KEYPOINT_CODECS
    return KEYPOINT_CODECS.build(dict(cfg))


def measure(cfg: dict, seconds: float, batch: int, rng) -> dict:
    codec = build(cfg)
    w, h = cfg['input_size']
    kpts = (rng.random((1, 17, 2)) * [w - 1, h - 1]).astype(np.float32)
    vis = np.ones((1, 17), np.float32)
    many = (rng.random((batch, 17, 2)) * [w - 1, h - 1]).astype(np.float32)
    many_vis = np.ones((batch, 1, 17), np.float32)
    heatmaps = codec.encode(kpts, vis)['heatmaps']
    stack = np.stack([codec.encode(k[None])['heatmaps'] for k in many])
    out = dict(encode=rate(lambda: codec.encode(kpts, vis), seconds),
               decode=rate(lambda: codec.decode(heatmaps), seconds),
               decode_batch=batch * rate(lambda: codec.batch_decode(stack),
                                         seconds))
    out['encode_batch'] = batch * rate(
        lambda: [codec.encode(k[None], v) for k, v in zip(many, many_vis)],
        seconds)
    decoded, _ = codec.batch_decode(stack)
    error = np.linalg.norm(decoded[:, 0] - many, axis=-1)
    out.update(err_mean=float(error.mean()), err_max=float(error.max()))
    return out


def mmpose_rates(python: Path, seconds: float) -> Optional[dict]:
    """MMPose's per-call rates from its own venv, or None without it."""
    if not python.exists():
        return None
    spec = json.dumps(dict(seconds=seconds, cases={
        name: {k: list(v) if isinstance(v, tuple) else v
               for k, v in cfg.items()} for name, cfg in CASES.items()}))
    # the same timing function on both sides
    timing = ('from __future__ import annotations\nimport timeit\n'
              + inspect.getsource(rate))
    proc = subprocess.run([str(python), '-c', MMPOSE_SCRIPT, spec, timing],
                          capture_output=True, text=True, timeout=600)
    if proc.returncode != 0:
        print(f'MMPose run failed ({python}):\n{proc.stderr[-2000:]}',
              file=sys.stderr)
        return None
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--quick', action='store_true',
                        help='shorter timings (noisier)')
    parser.add_argument('--mmpose-python', type=Path, default=DEFAULT_MMPOSE,
                        help='python of a venv with MMPose 1.3.2')
    args = parser.parse_args()
    seconds, batch = (0.15, 32) if args.quick else (0.6, 64)
    rng = np.random.default_rng(0)
    # the machine may be shared: MMPose runs before and after posecore and
    # keeps its better figure, so load that comes and goes favours it
    before = mmpose_rates(args.mmpose_python, seconds)
    ours = {name: measure(cfg, seconds, batch, rng)
            for name, cfg in CASES.items()}
    after = mmpose_rates(args.mmpose_python, seconds)
    theirs = before and after and {
        case: {op: max(rate_, after[case][op]) for op, rate_ in ops.items()}
        for case, ops in before.items()}
    source = ('MMPose 1.3.2 measured in this run' if theirs else
              'MMPose 1.3.2 reference figures (its venv not found or failed)')
    print(f'heatmap codecs, 17 keypoints, 48x64 heatmaps, batch {batch}; '
          f'{source} (best of before and after posecore)')
    head = (f'{"codec":<14}{"op":<14}{"posecore/s":>12}{"MMPose/s":>10}'
            f'{"ratio":>8}{"target":>8}')
    print(head)
    print('-' * len(head))
    for name, res in ours.items():
        ref = (theirs or {}).get(name)
        fallback = ANCHOR.get(name, (None, None))
        for i, op in enumerate(('encode', 'decode')):
            base = ref[op] if ref else fallback[i]
            goal = TARGET.get(name, (None, None))[i]
            for key, label in ((op, f'{op} 1'), (f'{op}_batch', f'{op} B')):
                if key not in res:
                    continue
                ratio = res[key] / base if base else None
                want = goal if key == op else (
                    BATCH_TARGET if op == 'decode' and goal else None)
                print(f'{name:<14}{label:<14}{res[key]:>12,.0f}'
                      f'{base if base else float("nan"):>10,.0f}'
                      f'{(f"{ratio:.1f}x" if ratio else "-"):>8}'
                      f'{(f"{want}x" if want else "-"):>8}')
    print('\nround trip (keypoints inside the input, input px): '
          + '; '.join(f'{n} mean {r["err_mean"]:.3f} max {r["err_max"]:.3f}'
                      for n, r in ours.items()))


if __name__ == '__main__':
    main()
