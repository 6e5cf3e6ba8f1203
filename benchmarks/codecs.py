"""Speed of posecore's heatmap codecs against MMPose 1.3.2's, side by side.

Prints, per codec: encode instances/s (one 17-keypoint instance per call,
and a batch of instances encoded one per call in a loop that keeps every
result, since the codecs are single-instance as MMPose's) and decode
heatmaps/s (one ``(K, H, W)`` per call, and ``batch_decode`` of
``(B, K, H, W)``), MMPose's figures for the same work measured in the same
run (its venv runs ``MMPOSE_SCRIPT`` as a subprocess; posecore never
imports MMPose), the ratios, the round-trip error of keypoints inside the
input, and for the blurring decoders the bound: the blur alone.

    python benchmarks/codecs.py [--quick] [--mmpose-python PATH] [--json PATH]
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
from machine import ANCHOR_PYTHON
from result_rows import row, write

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
# issue #12: every codec operation at least 3x MMPose, batched decodes 10x
FLOOR, BATCH_FLOOR = 3, 10

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
    batch = spec['batch']
    many = (rng.random((batch, 17, 2)) * [w - 1, h - 1]).astype(np.float32)
    many_vis = np.ones((batch, 1, 17), np.float32)
    stack = np.stack([codec.encode(k[None], v)['heatmaps']
                      for k, v in zip(many, many_vis)])
    out[case] = dict(
        encode=rate(lambda: codec.encode(kpts, vis), spec['seconds']),
        decode=rate(lambda: codec.decode(heatmaps), spec['seconds']),
        # B rows as posecore's: the loop keeps every result, as a batch does
        encode_batch=batch * rate(
            lambda: [codec.encode(k[None], v) for k, v in zip(many, many_vis)],
            spec['seconds']),
        # MMPose's heatmap codecs have no batch_decode: its head decodes
        # sample by sample
        decode_batch=batch * rate(lambda: [codec.decode(h) for h in stack],
                                  spec['seconds']))
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


def decode_bounds(seconds: float, batch: int, rng) -> Dict[str, tuple]:
    """Per codec, (op, decodes/s if a decode did nothing but the step no
    decode with the same outputs can skip, what that step is). UDP
    combined: OpenCV's 23x23 reflect-101 blur of the 17 maps, one call per
    map (MMPose's call); Megvii: the 11x11 zero-padded blur; MSRA batched:
    the argmax, one read of every heatmap value."""
    import cv2

    from pose_plugin_heatmap_codecs.blur import blur_maps
    maps = rng.random((17, 64, 48)).astype(np.float32)
    stack = rng.random((batch, 17, 64, 48)).astype(np.float32)
    out = np.empty_like(maps)

    def udp() -> None:
        for one, dst in zip(maps, out):
            cv2.GaussianBlur(one, (23, 23), 0, dst=dst)
    return {'UDP combined': ('decode', rate(udp, seconds), 'the 23x23 blur alone'),
            'Megvii': ('decode', rate(lambda: blur_maps(maps, 11), seconds),
                       'the 11x11 blur alone'),
            'MSRA': ('decode_batch',
                     batch * rate(lambda: stack.reshape(batch * 17, -1).argmax(1), seconds),
                     f'the argmax alone ({stack.nbytes / 2**20:.1f} MiB read per batch)')}


def mmpose_rates(python: Path, seconds: float, batch: int) -> Optional[dict]:
    """MMPose's per-call rates from its own venv, or None without it."""
    if not python.exists():
        return None
    spec = json.dumps(dict(seconds=seconds, batch=batch, cases={
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
    parser.add_argument('--mmpose-python', type=Path, default=ANCHOR_PYTHON,
                        help='python of a venv with MMPose 1.3.2')
    parser.add_argument('--seconds', type=float, help='timing per figure')
    parser.add_argument('--batch', type=int, help='batch of the B rows')
    parser.add_argument('--json', type=Path, help='write the figures here')
    args = parser.parse_args()
    seconds, batch = (0.15, 32) if args.quick else (0.6, 64)
    seconds, batch = args.seconds or seconds, args.batch or batch
    rng = np.random.default_rng(0)
    # the machine may be shared: MMPose runs before and after posecore and
    # keeps its better figure, so load that comes and goes favours it
    before = mmpose_rates(args.mmpose_python, seconds, batch)
    ours = {name: measure(cfg, seconds, batch, rng)
            for name, cfg in CASES.items()}
    bounds = decode_bounds(seconds, batch, rng)
    after = mmpose_rates(args.mmpose_python, seconds, batch)
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
    rows = []
    for name, res in ours.items():
        ref = (theirs or {}).get(name)
        fallback = ANCHOR.get(name, (None, None))
        for i, op in enumerate(('encode', 'decode')):
            goal = TARGET.get(name, (None, None))[i]
            for key, label in ((op, f'{op} 1'), (f'{op}_batch', f'{op} B')):
                if key not in res:
                    continue
                base = ref.get(key, ref[op]) if ref else fallback[i]
                ratio = res[key] / base if base else None
                want = goal if key == op else (
                    BATCH_TARGET if op == 'decode' and goal else None)
                floor = BATCH_FLOOR if key == 'decode_batch' else FLOOR
                want = max(want or 0, floor)
                rows.append(row(f'{name} {label}', 'per s',
                                base if ref else None, res[key],
                                target=want))
                print(f'{name:<14}{label:<14}{res[key]:>12,.0f}'
                      f'{base if base else float("nan"):>10,.0f}'
                      f'{(f"{ratio:.1f}x" if ratio else "-"):>8}'
                      f'{(f"{want}x" if want else "-"):>8}')
    trip = ('round trip (keypoints inside the input, input px): '
            + '; '.join(f'{n} mean {r["err_mean"]:.3f} max {r["err_max"]:.3f}'
                        for n, r in ours.items()))
    print('\n' + trip)
    notes = [trip]
    for name, (op, bound, what) in bounds.items():
        label = 'decode B' if op == 'decode_batch' else 'decode 1'
        line = (f'bound of {name} {label}: {what} runs {bound:,.0f}/s on this machine; '
                f'posecore decodes at {ours[name][op] / bound:.0%} of it')
        theirs_decode = (theirs or {}).get(name, {}).get(op)
        if theirs_decode:
            line += (f', MMPose at {theirs_decode / bound:.0%}: no decode with the same '
                     f'outputs beats MMPose by more than {bound / theirs_decode:.1f}x here')
        print(line)
        notes.append(line)
        rows.append(row(f'{name} {label} bound: {what}', 'per s', None, bound,
                        note='posecore at %.0f%% of it' % (100 * ours[name][op] / bound)))
    write(args.json, 'codecs',
          f'heatmap codecs, 17 keypoints, 48x64 heatmaps, batch {batch} '
          '(B rows: a loop of encodes on both sides; batch_decode against MMPose\'s '
          'per-sample decode loop, what its head runs)', rows,
          mmpose_measured=bool(theirs), notes=notes)


if __name__ == '__main__':
    main()
