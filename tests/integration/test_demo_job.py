"""The main job at test scale: synthetic data, the demo config trained with validation,
tested, used for inference and plotted, through the CLI; and on two CPU processes."""
from __future__ import annotations

import json
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from mmengine.config import Config

from ..conftest import REPO, posecore_env, run_posecore

DEMO_DIR = REPO / 'configs' / 'body_2d_keypoint' / 'topdown_heatmap' / 'synth_coco'
DEMO = DEMO_DIR / 'td-hm_hrnet-w32-small_dark-1xb16-20e_synth-coco-128x96.py'
DEMO_BF16 = DEMO_DIR / 'td-hm_hrnet-w32-small_dark-bf16-1xb16-50e_synth-coco-128x96.py'
OFF = dict(POSECORE_DISABLE_PLUGINS='posecore-test-clash,posecore-test-broken,'
           'posecore-test-future')


def _ok(result):
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return result


@pytest.fixture(scope='module')
def synth(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp('synth_coco')
    _ok(run_posecore(out, 'coco', 'synth', str(out), '--train', '12', '--val', '4',
                     '--seed', '0', '--size', '160', '--quiet'))
    return out


def _small_demo(folder: Path, data: Path, extra: str = '', base: Path = DEMO) -> Path:
    """The demo config on ``data``, one short epoch: only paths and sizes change."""
    cfg = folder / 'demo_small.py'
    det = data / 'person_detection_results' / 'COCO_val2017_detections_AP_H_56_person.json'
    ann = data / 'annotations' / 'person_keypoints_val2017.json'
    cfg.write_text(f"""_base_ = [{str(base)!r}]
train_cfg = dict(max_epochs=1, val_interval=1)
default_hooks = dict(logger=dict(interval=1))
train_dataloader = dict(batch_size=4, num_workers=0, persistent_workers=False,
                        dataset=dict(data_root={str(data) + '/'!r}))
val_dataloader = dict(batch_size=8, num_workers=0, persistent_workers=False,
                      dataset=dict(data_root={str(data) + '/'!r}, bbox_file={str(det)!r}))
test_dataloader = val_dataloader
val_evaluator = dict(ann_file={str(ann)!r})
test_evaluator = val_evaluator
{extra}""")
    return cfg


def test_train_test_infer_and_curves(synth, tmp_path):
    cfg = _small_demo(tmp_path, synth)
    work = tmp_path / 'work'
    _ok(run_posecore(tmp_path, 'train', str(cfg), '--work-dir', str(work), cwd=tmp_path))
    best = list(work.glob('best_coco_AP_epoch_1.pth'))
    assert best, sorted(p.name for p in work.iterdir())
    metrics_file = work / 'test_metrics.json'
    result = _ok(run_posecore(tmp_path, 'test', str(cfg), str(best[0]), '--work-dir', str(work),
                              '--out', str(metrics_file), cwd=tmp_path))
    metrics = json.loads(metrics_file.read_text())
    assert set(metrics) >= {'coco/AP', 'coco/AR'} and 'coco/AP' in result.stdout + result.stderr

    out = tmp_path / 'infer'
    images = sorted((synth / 'val2017').glob('*.jpg'))
    det = synth / 'person_detection_results' / 'COCO_val2017_detections_AP_H_56_person.json'
    _ok(run_posecore(tmp_path, 'infer', str(cfg), str(best[0]), *map(str, images), '--bboxes',
                     str(det), '--out-dir', str(out), cwd=tmp_path))
    for image in images:
        pred = json.loads((out / 'predictions' / f'{image.stem}.json').read_text())
        assert pred and len(pred[0]['keypoints']) == 17
        assert (out / 'visualizations' / f'{image.stem}.png').stat().st_size > 0

    _ok(run_posecore(tmp_path, 'curves', str(work), '--out', str(tmp_path / 'curves.png')))
    assert (tmp_path / 'curves.png').stat().st_size > 0


def test_the_makefile_picks_between_the_two_demo_configs():
    makefile = (REPO / 'Makefile').read_text()
    assert f'DEMO_CFG_BF16 := $(DEMO_DIR)/{DEMO_BF16.name}' in makefile
    assert f'DEMO_CFG_FP32 := $(DEMO_DIR)/{DEMO.name}' in makefile
    assert f'DEMO_DIR := {DEMO_DIR.relative_to(REPO).as_posix()}' in makefile


def test_the_bfloat16_demo_is_the_demo_with_mixed_precision_and_a_longer_schedule():
    fp32, bf16 = Config.fromfile(str(DEMO)), Config.fromfile(str(DEMO_BF16))
    assert bf16.optim_wrapper.type == 'CPUAmpOptimWrapper'
    assert bf16.optim_wrapper.optimizer == dict(type='Adam', lr=3e-3, fused=True)
    assert bf16.train_cfg.max_epochs == 50 and bf16.param_scheduler[1].T_max == 50
    changed = {k for k in fp32 if fp32[k] != bf16[k]}
    assert changed == {'max_epochs', 'train_cfg', 'optim_wrapper', 'param_scheduler'}
    # both demos align the flip test's heatmaps exactly (1 - 24/96 pixels)
    assert fp32.model.test_cfg.shift_heatmap == bf16.model.test_cfg.shift_heatmap == 0.75


def test_the_bfloat16_demo_trains_and_says_in_which_precision(synth, tmp_path):
    """On any CPU: bfloat16 where it is native, else float32; the log says which."""
    from posecore.cpu_amp import native_bfloat16

    cfg = _small_demo(tmp_path, synth, base=DEMO_BF16)
    work = tmp_path / 'work'
    result = _ok(run_posecore(tmp_path, 'train', str(cfg), '--work-dir', str(work),
                              cwd=tmp_path))
    said = ('training forward in bfloat16' if native_bfloat16() else
            'no native bfloat16')
    assert f'CPUAmpOptimWrapper: {said}' in result.stdout + result.stderr
    assert list(work.glob('best_coco_AP_epoch_1.pth'))


def test_a_two_stage_schedule_switches_once_and_again_after_resume(synth, tmp_path):
    # the demo trained on sigma 2 heatmaps first, then its own sigma 1 ones from the 2nd epoch
    train_pipeline = Config.fromfile(str(DEMO)).to_dict()['train_pipeline']
    stage1 = [dict(step, encoder=dict(step['encoder'], sigma=2))
              if step['type'] == 'GenerateTarget' else step for step in train_pipeline]
    cfg = _small_demo(tmp_path, synth, f"""
train_dataloader['dataset']['pipeline'] = {stage1!r}
custom_hooks = [dict(type='PipelineSwitchHook', switch_epoch=1,
                     switch_pipeline={train_pipeline!r})]
train_cfg = dict(max_epochs=2, val_interval=2)
default_hooks['checkpoint'] = dict(interval=1)
""")
    work = tmp_path / 'work'
    switched = 'PipelineSwitchHook: epoch 2 on trains through the switch_pipeline'
    result = _ok(run_posecore(tmp_path, 'train', str(cfg), '--work-dir', str(work), cwd=tmp_path))
    log = result.stdout + result.stderr
    assert log.count(switched) == 1
    assert log.index(switched) > log.index('Epoch(train)')  # after the first epoch's lines
    assert (work / 'epoch_2.pth').is_file()

    # a run resumed after the first epoch switches before its first
    (work / 'epoch_2.pth').unlink()
    (work / 'last_checkpoint').write_text(str(work / 'epoch_1.pth'))
    result = _ok(run_posecore(tmp_path, 'train', str(cfg), '--work-dir', str(work), '--resume',
                              cwd=tmp_path))
    log = result.stdout + result.stderr
    assert 'resumed epoch: 1' in log and log.count(switched) == 1
    assert (work / 'epoch_2.pth').is_file()


@pytest.mark.usefixtures('plugin_site')
def test_demo_on_two_cpu_processes(plugin_site, synth, tmp_path):
    # the tiny test plugin's hook records which ranks finished the epoch and which saved
    cfg = _small_demo(tmp_path, synth, "custom_hooks = [dict(type='SyncBuffersHook'), "
                                       "dict(type='EpochRecorderHook')]\n")
    env = posecore_env(plugin_site, **OFF)

    def on_two_processes(*args: str) -> str:
        with socket.socket() as s:  # a free port for the rendezvous
            s.bind(('127.0.0.1', 0))
            port = s.getsockname()[1]
        result = _ok(subprocess.run(
            [sys.executable, '-m', 'torch.distributed.run', '--nproc_per_node=2',
             f'--master_port={port}', '-m', 'posecore', *args, '--launcher', 'pytorch'],
            cwd=tmp_path, env=env, capture_output=True, text=True, timeout=900))
        return result.stdout + result.stderr

    work = tmp_path / 'work'
    log = on_two_processes('train', str(cfg), '--work-dir', str(work))
    assert sorted((work / 'tiny_ranks.txt').read_text().split()) == ['0', '1']
    assert set((work / 'tiny_saves.txt').read_text().split()) == {'0'}  # rank 0 alone saved
    assert (work / 'epoch_1.pth').is_file()
    assert log.count('coco/AP: ') == 1  # one validation, its metrics computed once

    # both ranks evaluate their share; the metrics file is written once, whole
    metrics = tmp_path / 'metrics.json'
    log = on_two_processes('test', str(cfg), str(work / 'epoch_1.pth'), '--work-dir', str(work),
                           '--out', str(metrics))
    assert log.count('coco/AP: ') == 1
    assert set(json.loads(metrics.read_text())) >= {'coco/AP', 'coco/AR'}


def test_train_and_evaluate_reading_images_from_lmdb(synth, tmp_path):
    lmdb = pytest.importorskip('lmdb', reason='the lmdb extra is not installed '
                                              '(pip install pose-plugin-coco[lmdb])')
    db_path = tmp_path / 'images.lmdb'
    env = lmdb.open(str(db_path), map_size=64 * 2**20)
    with env.begin(write=True) as txn:  # keyed by the datasets' img_path
        for image in sorted(synth.glob('*2017/*.jpg')):
            txn.put(f'{image.parent.name}/{image.name}'.encode(), image.read_bytes())
    env.close()
    ann = synth / 'annotations'
    det = synth / 'person_detection_results' / 'COCO_val2017_detections_AP_H_56_person.json'
    demo = Config.fromfile(str(DEMO)).to_dict()
    lmdb_args = dict(backend='lmdb', db_path=str(db_path))

    def from_lmdb(pipeline: list[dict]) -> list[dict]:  # the demo's own, LoadImage from LMDB
        return [dict(step, backend_args=lmdb_args) if step['type'] == 'LoadImage' else step
                for step in pipeline]

    train_pipeline = from_lmdb(demo['train_pipeline'])
    val_pipeline = from_lmdb(demo['val_pipeline'])
    cfg = _small_demo(tmp_path, synth, f"""
train_dataloader = dict(dataset=dict(
    data_root='', ann_file={str(ann / 'person_keypoints_train2017.json')!r},
    pipeline={train_pipeline!r}))
val_dataloader = dict(dataset=dict(
    data_root='', ann_file={str(ann / 'person_keypoints_val2017.json')!r},
    bbox_file={str(det)!r}, pipeline={val_pipeline!r}))
test_dataloader = val_dataloader
""")
    work = tmp_path / 'work'
    # img_path is relative ('val2017/x.jpg') and names no file in the run's folder:
    # only the LMDB database has the pictures
    result = _ok(run_posecore(tmp_path, 'train', str(cfg), '--work-dir', str(work),
                              cwd=tmp_path))
    assert 'coco/AP: ' in result.stdout + result.stderr
    assert (work / 'best_coco_AP_epoch_1.pth').is_file()


def test_demo_head_reads_as_many_channels_as_it_makes_heatmaps():
    # 17 heatmaps made by a 1x1 convolution from fewer channels cannot be independent;
    # the w16 demo (16 channels) merged its left and right legs (issue #9)
    model = Config.fromfile(str(DEMO)).model
    branch = model.backbone.extra.stage4.num_channels[0]
    assert model.head.in_channels == branch
    assert branch >= model.head.out_channels == 17
