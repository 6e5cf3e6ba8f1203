"""``posecore infer``: JSON and PNG per image, boxes from a detection file,
batching, a progress bar, and files that are not images."""
from __future__ import annotations

import json
import re
import subprocess
import sys
import shutil
from pathlib import Path

import cv2
import numpy as np
import pytest
from posecore.cli.main import main

from pose_plugin_topdown.detections import DetectionFileError, Detections

DET_FILE = 'coco/test_coco_det_AP_H_56.json'


@pytest.fixture
def images(testdata: Path, tmp_path: Path) -> Path:
    """A folder with three COCO images and a text file."""
    folder = tmp_path / 'images'
    folder.mkdir()
    for name in ('000000000785.jpg', '000000040083.jpg', '000000196141.jpg'):
        shutil.copy(testdata / 'coco' / name, folder / name)
    (folder / 'README.txt').write_text('not an image')
    return folder


def infer(config: Path, checkpoint: Path, *args: str) -> int:
    return main(['infer', str(config), str(checkpoint), *args])


def test_a_folder_gives_one_json_and_one_png_per_image(small_config, small_checkpoint, images,
                                                       tmp_path, capsys):
    out = tmp_path / 'out'
    assert infer(small_config, small_checkpoint, str(images), '--out-dir', str(out),
                 '--batch-size', '2') == 0
    stems = ['000000000785', '000000040083', '000000196141']
    assert sorted(p.stem for p in (out / 'predictions').iterdir()) == stems
    assert sorted(p.name for p in (out / 'visualizations').iterdir()) == [
        f'{s}.png' for s in stems]
    people = json.loads((out / 'predictions' / '000000040083.json').read_text())
    assert len(people) == 1  # no --bboxes: the whole image
    person = people[0]
    assert set(person) == {'keypoints', 'keypoint_scores', 'bbox', 'bbox_score'}
    assert np.asarray(person['keypoints']).shape == (17, 2)
    assert len(person['keypoint_scores']) == 17
    assert person['bbox'] == [[0.0, 0.0, 500.0, 333.0]] and person['bbox_score'] == 1.0
    drawn = cv2.imread(str(out / 'visualizations' / '000000040083.png'))
    assert drawn.shape == (333, 500, 3)
    captured = capsys.readouterr()
    assert '3/3' in captured.err  # the progress bar
    assert '3 image(s), 3 person(s)' in captured.out


def test_boxes_come_from_a_detection_file(small_config, small_checkpoint, images, testdata,
                                          tmp_path):
    det_file = testdata / DET_FILE
    detections = json.loads(det_file.read_text())
    expected = {img_id: sum(1 for d in detections if d['image_id'] == img_id and d['score'] >= 0.9)
                for img_id in (785, 40083)}  # 1 and 3 people
    one, many = tmp_path / 'batch1', tmp_path / 'batch16'
    for out, batch in ((one, '1'), (many, '16')):
        assert infer(small_config, small_checkpoint, str(images / '000000000785.jpg'),
                     str(images / '000000040083.jpg'),
                     '--bboxes', str(det_file), '--bbox-thr', '0.9', '--out-dir', str(out),
                     '--batch-size', batch, '--no-draw',
                     '--cfg-options', 'model.test_cfg.flip_test=False') == 0
    for img_id, count in expected.items():
        people = json.loads((one / 'predictions' / f'{img_id:012d}.json').read_text())
        assert len(people) == count
        same = json.loads((many / 'predictions' / f'{img_id:012d}.json').read_text())
        np.testing.assert_allclose([p['keypoints'] for p in people],
                                   [p['keypoints'] for p in same], atol=1e-3)
        scores = [p['bbox_score'] for p in people]
        assert all(s >= 0.9 for s in scores)
    first = next(d for d in detections if d['image_id'] == 785)
    x, y, w, h = first['bbox']
    box = json.loads((one / 'predictions' / '000000000785.json').read_text())[0]['bbox'][0]
    np.testing.assert_allclose(box, [x, y, x + w, y + h], rtol=1e-5)
    assert not (one / 'visualizations').exists()


def test_a_file_that_is_not_an_image_is_named_and_the_rest_go_on(
        small_config, small_checkpoint, images, tmp_path, capsys):
    out = tmp_path / 'out'
    code = infer(small_config, small_checkpoint, str(images / 'README.txt'),
                 str(images / '000000040083.jpg'), str(tmp_path / 'missing.jpg'),
                 '--out-dir', str(out))
    assert code == 0
    assert [p.name for p in (out / 'predictions').iterdir()] == ['000000040083.json']
    captured = capsys.readouterr()
    assert '1 image(s), 1 person(s)' in captured.out
    assert re.search(r'posecore: warning: skipping \S*README\.txt: not an image', captured.err)
    assert re.search(r'posecore: warning: skipping \S*missing\.jpg: no such file', captured.err)


def test_nothing_processed_exits_non_zero(small_config, small_checkpoint, images, tmp_path,
                                          capsys):
    assert infer(small_config, small_checkpoint, str(images / 'README.txt'),
                 '--out-dir', str(tmp_path / 'out')) == 1
    assert 'README.txt: not an image' in capsys.readouterr().err
    assert infer(small_config, small_checkpoint, str(tmp_path / 'nope.jpg')) == 1
    assert 'nope.jpg: no such file or folder' in capsys.readouterr().err


def test_bad_options_are_usage_errors(small_config, small_checkpoint, images, tmp_path,
                                      capsys):
    assert infer(small_config, small_checkpoint, str(images), '--batch-size', '0') == 2
    assert '--batch-size must be at least 1' in capsys.readouterr().err
    bad = tmp_path / 'dets.json'
    bad.write_text('{"boxes": []}')
    assert infer(small_config, small_checkpoint, str(images), '--bboxes', str(bad)) == 2
    assert 'without an "annotations" list' in capsys.readouterr().err


def test_detection_files_match_by_file_name_or_id(tmp_path):
    coco = tmp_path / 'coco.json'
    coco.write_text(json.dumps({
        'images': [{'id': 7, 'file_name': 'street/crowd.png'}],
        'annotations': [{'image_id': 7, 'bbox': [1, 2, 3, 4]},
                        {'image_id': 8, 'bbox': [0, 0, 1, 1], 'score': 0.5},
                        {'file_name': 'other.jpg', 'image_id': 9, 'bbox': [5, 5, 5, 5]}]}))
    dets = Detections(str(coco))
    boxes, scores = dets.lookup('/data/crowd.png')
    np.testing.assert_allclose(boxes, [[1, 2, 4, 6]])
    np.testing.assert_allclose(scores, [1.0])
    assert dets.lookup('x/00000008.jpg')[1].tolist() == [0.5]  # id = the stem as a number
    assert dets.lookup('other.jpg')[0].tolist() == [[5, 5, 10, 10]]
    assert dets.lookup('unknown.jpg') is None
    bad = tmp_path / 'bad.json'
    bad.write_text(json.dumps([{'image_id': 1, 'bbox': [1, 2, 3]}]))
    with pytest.raises(DetectionFileError, match=r'entry 0 has bbox \[1, 2, 3\]'):
        Detections(str(bad))
    bad.write_text('[{')
    with pytest.raises(DetectionFileError, match='not readable JSON'):
        Detections(str(bad))


def test_the_hook_module_and_help_stay_light():
    """``posecore --help`` loads the hook module: no torch, no mmengine."""
    code = ('import sys\n'
            'import pose_plugin_topdown.plugin_hooks, pose_plugin_topdown.infer_command\n'
            'from posecore.cli.main import main\n'
            'try:\n'
            '    main(["infer", "--help"])\n'
            'except SystemExit:\n'
            '    pass\n'
            'heavy = [m for m in ("torch", "mmengine", "cv2") if m in sys.modules]\n'
            'assert not heavy, heavy\n')
    result = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    for option in ('--bboxes', '--out-dir', '--batch-size', '--kpt-thr', '--device'):
        assert option in result.stdout
