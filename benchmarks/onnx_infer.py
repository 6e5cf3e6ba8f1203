"""End-to-end top-down inference on a folder of images: ``posecore infer
--onnx`` (pose-plugin-onnx, onnxruntime) vs MMPose 1.3.2's ``inference_topdown``
loop, in the same run.

Work: HRNet-w32 COCO 256x192 with flip test (each side's own config file
for ``td-hm_hrnet-w32_8xb64-210e_coco-256x192``), the same random weights on
both sides (posecore saves them; MMPose loads them: the keys are equal), and
the four real COCO images of ``tests/data`` copied ``--copies`` times, with
the people of ``test_coco_det_AP_H_56.json`` scored >= 0.3 as boxes.

- MMPose: ``init_model``, then ``inference_topdown(model, image, boxes)`` per
  image, as its demos do; the loop is timed, model building is not. Runs in
  the environment ``../shared/anchor/make-mmpose-venv.sh`` builds
  (``--anchor-python``; posecore never imports MMPose).
- posecore: ``posecore infer CFG DIR --bboxes DET --onnx model.onnx --no-draw``
  run in-process and timed whole (session creation, reading, pipeline,
  onnxruntime, decoding, JSON files), the export (``posecore export
  --flip-test``) not; the same with the ``--int8`` export (calibrated on the
  folder's images; ``--no-int8`` skips it), and the PyTorch backend of the same
  command for context.

Both use every CPU (torch threads, onnxruntime intra-op threads).

    python benchmarks/onnx_infer.py [--copies 4] [--rounds 1] [--no-int8] [--anchor-python PATH]
        [--json PATH]
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from machine import ANCHOR_PYTHON, describe, has_mmpose, one_line  # noqa: E402
from result_rows import row, write  # noqa: E402
from worker_process import run_worker  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
CONFIG = 'configs/body_2d_keypoint/topdown_heatmap/coco/td-hm_hrnet-w32_8xb64-210e_coco-256x192.py'
COCO = REPO / 'tests' / 'data' / 'mmpose-testdata' / 'coco'
IMAGES = ('000000000785.jpg', '000000040083.jpg', '000000196141.jpg', '000000197388.jpg')
DETECTIONS = COCO / 'test_coco_det_AP_H_56.json'
BOX_THR = 0.3

# runs in the anchor environment: prints {"seconds": ..., "people": ...}
MMPOSE_LOOP = r'''
import json, os, sys, time
import numpy as np, torch
torch.set_num_threads(os.cpu_count() or 1)
from mmpose.apis import init_model, inference_topdown
import mmpose
cfg = os.path.join(os.path.dirname(mmpose.__file__), '.mim', 'configs', 'body_2d_keypoint',
                   'topdown_heatmap', 'coco', 'td-hm_hrnet-w32_8xb64-210e_coco-256x192.py')
ckpt, folder, det_file, thr = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])
model = init_model(cfg, ckpt, device='cpu')
dets = json.load(open(det_file))
images = sorted(os.listdir(folder))
def boxes(name):  # the detection file's image_id is the image's stem, '<copy>_<id>'
    stem = os.path.splitext(name)[0]
    b = np.array([d['bbox'] for d in dets if str(d['image_id']) == stem and d['score'] >= thr],
                 np.float32).reshape(-1, 4)
    b[:, 2:] += b[:, :2]
    return b
inference_topdown(model, os.path.join(folder, images[0]), boxes(images[0]))  # warm-up
start = time.perf_counter()
people = 0
for name in images:
    people += len(inference_topdown(model, os.path.join(folder, name), boxes(name)))
print(json.dumps({'seconds': time.perf_counter() - start, 'people': people}))
'''


def _folder(tmp: Path, copies: int) -> Path:
    """``copies`` x the four COCO images, named ``<copy>_<image id>.jpg``."""
    folder = tmp / 'images'
    folder.mkdir()
    for c in range(copies):
        for name in IMAGES:
            shutil.copy(COCO / name, folder / f'{c}_{name}')
    return folder


def _detections(tmp: Path, copies: int) -> Path:
    """The detection file with an entry per copy (matched by file name)."""
    dets = json.loads(DETECTIONS.read_text())
    out = []
    for c in range(copies):
        for name in IMAGES:
            image_id = int(Path(name).stem)
            out += [dict(d, image_id=f'{c}_{Path(name).stem}') for d in dets
                    if d['image_id'] == image_id and d['score'] >= BOX_THR]
    path = tmp / 'detections.json'
    path.write_text(json.dumps(out))
    return path


def _posecore_infer(args: list[str]) -> float:
    from posecore.cli.main import main

    start = time.perf_counter()
    code = main(['infer', *args, '--no-draw'])
    if code:
        raise SystemExit(f'posecore infer failed with exit code {code}')
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--copies', type=int, default=4,
                        help='copies of the 4 COCO images in the folder (default 4: 16 images)')
    parser.add_argument('--rounds', type=int, default=1, help='best of R interleaved runs')
    parser.add_argument('--no-int8', action='store_true', help='skip the int8 export and run')
    parser.add_argument('--anchor-python', default=ANCHOR_PYTHON)
    parser.add_argument('--json', type=Path, help='write the figures here')
    args = parser.parse_args(argv)

    import torch
    from pose_plugin_topdown.inference import init_model

    torch.set_num_threads(os.cpu_count() or 1)
    print(one_line(describe(args.anchor_python)))
    anchor = args.anchor_python
    have_anchor = has_mmpose(anchor)
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        folder, dets = _folder(tmp, args.copies), _detections(tmp, args.copies)
        config = str(REPO / CONFIG)
        torch.manual_seed(0)
        model = init_model(config)
        ckpt = tmp / 'w32.pth'
        torch.save({'state_dict': model.state_dict()}, ckpt)
        onnx_path = tmp / 'w32.onnx'
        from posecore.cli.main import main as posecore_main

        start = time.perf_counter()
        assert posecore_main(['export', config, str(ckpt), '--out', str(onnx_path),
                              '--flip-test', '--image', str(COCO / IMAGES[2])]) == 0
        export_s = time.perf_counter() - start
        int8_path = tmp / 'w32-int8.onnx'
        if not args.no_int8:
            assert posecore_main(['export', config, str(ckpt), '--out', str(int8_path),
                                  '--flip-test', '--int8', '--calib-images', str(folder),
                                  '--image', str(COCO / IMAGES[2])]) == 0
        n_images = len(IMAGES) * args.copies
        best: dict[str, float] = {}
        people: dict[str, int] = {}
        for r in range(args.rounds):
            runs = ['mmpose', 'onnxruntime', 'pytorch'] + ([] if args.no_int8 else ['int8'])
            for side in (runs if r % 2 == 0 else runs[::-1]):
                print(f'  running {side} ...', file=sys.stderr, flush=True)
                if side == 'mmpose':
                    if not have_anchor:
                        continue
                    res = run_worker([anchor, '-c', MMPOSE_LOOP, str(ckpt), str(folder),
                                      str(dets), str(BOX_THR)])
                    if 'error' in res:
                        print(f'MMPose failed: {res["error"]}')
                        continue
                    seconds, people[side] = res['seconds'], res['people']
                else:
                    out = tmp / f'out-{side}'
                    common = ['--bboxes', str(dets), '--out-dir', str(out)]
                    if side in ('onnxruntime', 'int8'):
                        model_file = onnx_path if side == 'onnxruntime' else int8_path
                        seconds = _posecore_infer([config, str(folder), '--onnx',
                                                   str(model_file), *common])
                    else:
                        seconds = _posecore_infer([config, str(ckpt), str(folder), *common])
                    people[side] = sum(len(json.loads(p.read_text()))
                                       for p in (out / 'predictions').iterdir())
                best[side] = min(seconds, best.get(side, float('inf')))
    if len(set(people.values())) > 1:  # the sides must do the same work to be compared
        raise SystemExit(f'the sides found different numbers of people: {people}')
    rate = {k: n_images / v for k, v in best.items()}
    print(f'HRNet-w32 256x192 flip test, {n_images} images, {people.get("onnxruntime")} '
          f'people, {os.cpu_count()} threads, best of {args.rounds}; export took '
          f'{export_s:.0f} s (not timed below)')
    print(f'{"variant":44} {"img/s":>7} {"s":>7} {"x mmpose":>8}')
    mm = rate.get('mmpose')
    for side, label in (('mmpose', 'MMPose inference_topdown loop (eager)'),
                        ('pytorch', 'posecore infer, PyTorch backend'),
                        ('onnxruntime', 'posecore infer --onnx (onnxruntime fp32)'),
                        ('int8', 'posecore infer --onnx (onnxruntime int8)')):
        if side in rate:
            ratio = f'{rate[side] / mm:8.2f}' if mm else '       -'
            print(f'{label:44} {rate[side]:7.2f} {best[side]:7.2f} {ratio}  '
                  f'({people.get(side)} people)')
    print('target: posecore infer --onnx >= 2.00x MMPose (issue #11); fp32 is bounded by the '
          "machine's convolution peak (benchmarks/hrnet.py prints both sides' share of it)")
    rows = [row('infer on a folder, onnxruntime vs MMPose inference_topdown', 'img/s', mm,
                rate.get('onnxruntime'), target=2.0),
            row('infer on a folder, posecore PyTorch backend vs MMPose', 'img/s', mm,
                rate.get('pytorch'))]
    if not args.no_int8:
        rows.insert(1, row('infer on a folder, onnxruntime int8 vs MMPose inference_topdown',
                           'img/s', mm, rate.get('int8'), target=2.0))
    write(args.json, 'onnx_infer', f'HRNet-w32 256x192 flip test, {n_images} images', rows,
          mmpose_measured=mm is not None)


if __name__ == '__main__':
    main()
