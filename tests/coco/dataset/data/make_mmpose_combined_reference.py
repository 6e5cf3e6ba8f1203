"""Make ``mmpose_combined_dataset.json``: MMPose 1.3.2's ``CombinedDataset`` data infos
(its coco-aic-combine config's training set) on the COCO sample and the same people in
AI Challenger's layout (``twin_samples.py``), each converted to COCO + AIC's 19 keypoints
by ``KeypointConverter``; and MMPose's ``AicDataset``, ``CrowdPoseDataset``,
``ExlposeDataset`` and ``HumanArtDataset`` data infos of those people in AIC's, CrowdPose's
(ExLPose's too) and COCO's layouts. Image paths start with
``{COCO}``, the sample's folder.

Run with the python of a venv that has MMPose 1.3.2, from the repository root:

    /tmp/anchor-venv/bin/python tests/coco/dataset/data/make_mmpose_combined_reference.py
"""
import contextlib
import io
import json
import sys
import tempfile
from pathlib import Path

from mmengine.registry import init_default_scope
from mmpose.datasets import (AicDataset, CombinedDataset, CrowdPoseDataset, ExlposeDataset,
                             HumanArtDataset)

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from twin_samples import aic_annotations, combined_datasets, crowdpose_annotations  # noqa: E402,E501
from make_mmpose_reference import COCO, encode  # noqa: E402


#: parsed metainfo entries compared (the id <-> name maps have int keys: not JSON)
METAINFO = ('dataset_name', 'num_keypoints', 'upper_body_ids', 'lower_body_ids',
            'flip_indices', 'flip_pairs', 'keypoint_colors', 'num_skeleton_links',
            'skeleton_links', 'skeleton_link_colors', 'dataset_keypoint_weights', 'sigmas')


def main() -> None:
    init_default_scope('mmpose')  # the sub-datasets' pipelines name MMPose's transforms
    with tempfile.TemporaryDirectory() as tmp:
        aic = Path(tmp) / 'aic.json'
        aic.write_text(json.dumps(aic_annotations(json.loads(
            (COCO / 'test_coco.json').read_text()))))
        with contextlib.redirect_stdout(io.StringIO()):
            combined = CombinedDataset(
                metainfo=dict(from_file='configs/_base_/datasets/coco_aic.py'),
                datasets=combined_datasets(str(COCO), str(aic)))
            aic_dataset = AicDataset(ann_file=str(aic), data_root=str(COCO),
                                     data_prefix=dict(img=''))
            crowd = Path(tmp) / 'crowdpose.json'
            crowd.write_text(json.dumps(crowdpose_annotations(json.loads(
                (COCO / 'test_coco.json').read_text()))))
            crowd_dataset = CrowdPoseDataset(ann_file=str(crowd), data_root=str(COCO),
                                             data_prefix=dict(img=''))
            crowd_infos = [crowd_dataset.get_data_info(i) for i in range(len(crowd_dataset))]
            # ExLPose has CrowdPose's layout; Human-Art has COCO's
            others = {name: cls(ann_file=str(ann), data_root=str(COCO), data_prefix=dict(img=''))
                      for name, cls, ann in (('exlpose', ExlposeDataset, crowd),
                                             ('humanart', HumanArtDataset,
                                              COCO / 'test_coco.json'))}
        infos = [combined.get_data_info(i) for i in range(len(combined))]
        aic_infos = [aic_dataset.get_data_info(i) for i in range(len(aic_dataset))]
    other_infos = {name: [ds.get_data_info(i) for i in range(len(ds))]
                   for name, ds in others.items()}
    for info in infos + aic_infos + crowd_infos + sum(other_infos.values(), []):
        info['img_path'] = info['img_path'].replace(str(COCO), '{COCO}')  # no machine path
    out = dict(about='MMPose 1.3.2 CombinedDataset (coco-aic-combine) and AicDataset data '
                     'infos; made by make_mmpose_combined_reference.py',
               lens=combined.lens, infos=encode(infos), aic_infos=encode(aic_infos),
               metainfo=encode({k: combined.metainfo[k] for k in METAINFO}),
               aic_metainfo=encode({k: aic_dataset.metainfo[k] for k in METAINFO}),
               crowdpose_infos=encode(crowd_infos),
               crowdpose_metainfo=encode({k: crowd_dataset.metainfo[k] for k in METAINFO}),
               **{f'{name}_infos': encode(other_infos[name]) for name in others},
               **{f'{name}_metainfo': encode({k: ds.metainfo[k] for k in METAINFO})
                  for name, ds in others.items()})
    (HERE / 'mmpose_combined_dataset.json').write_text(json.dumps(out, separators=(',', ':')))


if __name__ == '__main__':
    main()
