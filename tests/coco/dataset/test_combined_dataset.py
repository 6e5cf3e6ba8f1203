"""``AicDataset``, ``CombinedDataset`` (MMPose's coco-aic configs) and the other
COCO-format datasets (CrowdPose, ExLPose, Human-Art): the same data infos as MMPose
1.3.2 on the COCO sample and its twins in other layouts, resampling, the combined
pipeline, and bad arguments."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from .conftest import assert_same, decode
from .data.twin_samples import aic_annotations, combined_datasets, crowdpose_annotations

REFERENCE = Path(__file__).parent / 'data' / 'mmpose_combined_dataset.json'


@pytest.fixture(scope='module')
def reference() -> dict:
    """MMPose's infos (``data/make_mmpose_combined_reference.py``)."""
    return decode(json.loads(REFERENCE.read_text()))


@pytest.fixture
def aic_file(coco_dir, tmp_path) -> Path:
    path = tmp_path / 'aic.json'
    path.write_text(json.dumps(aic_annotations(json.loads(
        (coco_dir / 'test_coco.json').read_text()))))
    return path


def _combined(coco_dir, aic_file, **kwargs):
    from posecore.registry import DATASETS

    return DATASETS.build(dict(
        type='CombinedDataset', metainfo=dict(from_file='configs/_base_/datasets/coco_aic.py'),
        datasets=combined_datasets(str(coco_dir), str(aic_file)), **kwargs))


def _infos(ds, coco_dir) -> list[dict]:
    """``ds``'s data infos, image paths as the reference writes them."""
    infos = [ds.get_data_info(i) for i in range(len(ds))]
    for info in infos:
        info['img_path'] = info['img_path'].replace(str(coco_dir), '{COCO}')
    return infos


def test_combined_infos_match_mmpose(coco_dir, aic_file, reference):
    # run where configs/_base_/datasets/coco_aic.py is absent: the plugin's copy serves
    ds = _combined(coco_dir, aic_file)
    assert ds.lens == reference['lens'] and len(ds) == sum(reference['lens'])
    assert_same(reference['metainfo'], {k: ds.metainfo[k] for k in reference['metainfo']})
    assert_same(reference['infos'], _infos(ds, coco_dir))


def test_aic_infos_match_mmpose(coco_dir, aic_file, reference):
    from posecore.registry import DATASETS

    ds = DATASETS.build(dict(type='AicDataset', ann_file=str(aic_file),
                             data_root=str(coco_dir), data_prefix=dict(img='')))
    assert_same(reference['aic_metainfo'],
                {k: ds.metainfo[k] for k in reference['aic_metainfo']})
    assert_same(reference['aic_infos'], _infos(ds, coco_dir))


@pytest.mark.parametrize('dataset, name, twin', [
    ('CrowdPoseDataset', 'crowdpose', crowdpose_annotations),
    ('ExlposeDataset', 'exlpose', crowdpose_annotations),  # CrowdPose's layout
    ('HumanArtDataset', 'humanart', None)])  # COCO's layout: the sample itself
def test_coco_format_datasets_match_mmpose(coco_dir, tmp_path, reference, dataset, name, twin):
    from posecore.registry import DATASETS

    path = coco_dir / 'test_coco.json'
    if twin is not None:
        path = tmp_path / f'{name}.json'
        path.write_text(json.dumps(twin(json.loads((coco_dir / 'test_coco.json').read_text()))))
    ds = DATASETS.build(dict(type=dataset, ann_file=str(path), data_root=str(coco_dir),
                             data_prefix=dict(img='')))
    assert_same(reference[f'{name}_metainfo'],
                {k: ds.metainfo[k] for k in reference[f'{name}_metainfo']})
    infos = _infos(ds, coco_dir)
    assert_same(reference[f'{name}_infos'], infos)
    if name == 'crowdpose':
        assert {info['crowd_index'] for info in infos} > {0.0}  # the images' crowdIndex


def test_combined_pipeline_runs_on_each_sample(coco_dir, aic_file):
    ds = _combined(coco_dir, aic_file, pipeline=[
        dict(type='LoadImage'), dict(type='GetBBoxCenterScale'),
        dict(type='RandomFlip', direction='horizontal', prob=1.0),
        dict(type='TopdownAffine', input_size=(48, 64)),
        dict(type='GenerateTarget', encoder=dict(type='MSRAHeatmap', input_size=(48, 64),
                                                 heatmap_size=(12, 16), sigma=2)),
        dict(type='PackPoseInputs')])
    first_aic = ds.lens[0]
    for idx in (0, first_aic):
        sample = ds[idx]['data_samples']
        assert sample.gt_fields.heatmaps.shape == (19, 16, 12)
        weights = sample.gt_instance_labels.keypoint_weights
        assert weights.shape == (1, 19)
        # COCO has no head top or neck; AIC has no face: those weigh 0 in the targets
        unmapped = [17, 18] if idx == 0 else [0, 1, 2, 3, 4]
        assert (np.asarray(weights)[0, unmapped] == 0).all()
        assert np.asarray(weights)[0].sum() > 0


def test_sample_ratio_factor_resamples_each_dataset(coco_dir, aic_file):
    ds = _combined(coco_dir, aic_file, sample_ratio_factor=[2.0, 0.5])
    coco_n, aic_n = _combined(coco_dir, aic_file).lens
    assert ds.lens == [round(coco_n * 2.0), round(aic_n * 0.5)]
    picks = [ds._get_subset_index(i) for i in range(len(ds))]
    assert {s for s, _ in picks} == {0, 1}
    assert all(0 <= local < (coco_n, aic_n)[s] for s, local in picks)
    with pytest.raises(IndexError, match=r'index 99 is out of range'):
        ds.get_data_info(99)


@pytest.mark.parametrize('kwargs, match', [
    (dict(datasets=[]), r'datasets must be a non-empty list'),
    (dict(sample_ratio_factor=[1.0]), r'sample_ratio_factor must be 2 numbers >= 0'),
    (dict(sample_ratio_factor=[1.0, -1]), r'sample_ratio_factor must be 2 numbers >= 0'),
])
def test_bad_arguments(coco_dir, aic_file, kwargs, match):
    from posecore.registry import DATASETS

    cfg = _combined(coco_dir, aic_file)
    with pytest.raises(ValueError, match=match):
        DATASETS.build(dict(type='CombinedDataset', metainfo=dict(from_file='coco_aic.py'),
                            datasets=kwargs.pop('datasets', [d for d in cfg.datasets]),
                            **kwargs))


def test_an_unreadable_training_image_is_replaced_and_noted(coco_dir, aic_file, tmp_path):
    import shutil

    from posecore.data_faults import SKIPPED_KEY

    root = tmp_path / 'coco'
    shutil.copytree(coco_dir, root)
    (root / '000000000785.jpg').write_bytes(b'not an image')
    ds = _combined(root, aic_file, pipeline=[dict(type='LoadImage'), dict(
        type='GetBBoxCenterScale'), dict(type='TopdownAffine', input_size=(48, 64)),
        dict(type='PackPoseInputs')])
    bad = next(i for i in range(len(ds))
               if ds.get_data_info(i)['img_path'].endswith('000000000785.jpg'))
    sample = ds[bad]['data_samples']
    skipped = sample.metainfo[SKIPPED_KEY]
    assert skipped and skipped[0][0].endswith('000000000785.jpg')
    assert not sample.metainfo['img_path'].endswith('000000000785.jpg')
