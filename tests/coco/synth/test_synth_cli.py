"""``posecore coco synth`` through the CLI: determinism, progress, bad arguments."""
from __future__ import annotations

import json

import pytest

from .conftest import SEED, TRAIN, VAL, posecore, tree_hashes


def test_same_seed_same_bytes_whatever_the_workers(synth_root, tmp_path):
    again = tmp_path / 'again'
    result = posecore('coco', 'synth', str(again), '--train', str(TRAIN), '--val', str(VAL),
                      '--seed', str(SEED), '--workers', '1', '--quiet')
    assert result.returncode == 0, result.stderr
    first, second = tree_hashes(synth_root), tree_hashes(again)
    assert len(first) == TRAIN + VAL + 5
    assert first == second


def test_other_seed_other_bytes(synth_root, tmp_path):
    other = tmp_path / 'other'
    result = posecore('coco', 'synth', str(other), '--train', '2', '--val', '1',
                      '--seed', str(SEED + 1), '--quiet')
    assert result.returncode == 0, result.stderr
    first, second = tree_hashes(synth_root), tree_hashes(other)
    for name in ('train2017/000000000001.jpg', 'train2017/000000000002.jpg',
                 'val2017/000000000001.jpg', 'annotations/person_keypoints_val2017.json'):
        assert first[name] != second[name], name


def test_progress_bar_and_summary(synth_run):
    _, result = synth_run
    assert f'{TRAIN + VAL}/{TRAIN + VAL}' in result.stderr  # the bar reached the end
    assert f'train {TRAIN} images' in result.stdout and f'val {VAL} images' in result.stdout


def test_help_names_the_command():
    top = posecore('--help')
    assert top.returncode == 0 and 'coco' in top.stdout
    sub = posecore('coco', 'synth', '--help')
    assert sub.returncode == 0
    for option in ('OUT_DIR', '--train', '--val', '--seed', '--size', '--workers', '--overwrite'):
        assert option in sub.stdout


def test_zero_val_writes_only_train(tmp_path):
    out = tmp_path / 'only-train'
    result = posecore('coco', 'synth', str(out), '--train', '1', '--val', '0', '--quiet')
    assert result.returncode == 0, result.stderr
    assert (out / 'annotations' / 'person_keypoints_train2017.json').is_file()
    assert not (out / 'annotations' / 'person_keypoints_val2017.json').exists()
    assert not (out / 'val2017').exists()


@pytest.mark.parametrize('args, message', [
    (['--train', '-1'], 'argument --train: expected a whole number >= 0, got -1'),
    (['--val', 'many'], "argument --val: expected a whole number >= 0, got 'many'"),
    (['--seed', '-5'], 'argument --seed: expected a whole number >= 0, got -5'),
    (['--size', '32'], 'argument --size: expected a whole number >= 64, got 32'),
    (['--workers', '0'], 'argument --workers: expected a whole number >= 1, got 0'),
    (['--train', '0', '--val', '0'], 'nothing to generate'),
    (['--size', '5000'], 'size (the longer image side in pixels) must be a whole number >= 64 '
                         'and <= 4096, got 5000'),
])
def test_bad_numbers_are_named(tmp_path, args, message):
    result = posecore('coco', 'synth', str(tmp_path / 'out'), *args)
    assert result.returncode == 2
    assert message in result.stderr
    assert not (tmp_path / 'out').exists()


def test_out_dir_that_is_a_file(tmp_path):
    target = tmp_path / 'data.json'
    target.write_text('{}')
    result = posecore('coco', 'synth', str(target), '--train', '1', '--val', '1')
    assert result.returncode == 2
    assert f"OUT_DIR '{target}' is a file, not a folder" in result.stderr
    assert target.read_text() == '{}'


def test_non_empty_out_dir_needs_overwrite(tmp_path):
    out = tmp_path / 'out'
    (out / 'train2017').mkdir(parents=True)
    (out / 'train2017' / 'stale.jpg').write_bytes(b'old')
    (out / 'notes.txt').write_text('keep me')
    result = posecore('coco', 'synth', str(out), '--train', '1', '--val', '1')
    assert result.returncode == 2
    assert f"OUT_DIR '{out}' is not empty (it holds notes.txt, train2017)" in result.stderr
    assert '--overwrite' in result.stderr

    result = posecore('coco', 'synth', str(out), '--train', '1', '--val', '1', '--overwrite',
                      '--quiet')
    assert result.returncode == 0, result.stderr
    assert (out / 'notes.txt').read_text() == 'keep me'  # not the generator's: kept
    assert sorted(p.name for p in (out / 'train2017').iterdir()) == ['000000000001.jpg']
    assert json.loads((out / 'synth.json').read_text())['train'] == 1


def test_python_api_errors_name_the_argument(tmp_path):
    from pose_plugin_coco.synth.generate import generate_dataset

    with pytest.raises(ValueError, match=r'train \(the number of training images\) must be a '
                                         r'whole number >= 0, got -3'):
        generate_dataset(tmp_path / 'x', train=-3)
    with pytest.raises(ValueError, match=r'workers must be a whole number >= 1, got 2.5'):
        generate_dataset(tmp_path / 'x', train=1, val=1, workers=2.5)
    with pytest.raises(ValueError, match=r'seed must be a whole number >= 0 and '
                                         r'<= 9223372036854775807, got True'):
        generate_dataset(tmp_path / 'x', seed=True)
    assert not (tmp_path / 'x').exists()
