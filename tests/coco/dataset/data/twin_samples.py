"""The COCO sample's people in other datasets' layouts, as those datasets' files are:
AI Challenger's 14 keypoints (``AicDataset``, ``CombinedDataset``: MMPose's coco-aic
configs) and CrowdPose's 14 (``CrowdPoseDataset``). Limbs come from COCO; the neck is
the mean of two labelled shoulders; COCO has no head top, so it is unlabelled."""
from __future__ import annotations

#: AI Challenger's 12 limb keypoints as COCO indices (its head top and neck follow)
COCO_OF_AIC = [6, 8, 10, 5, 7, 9, 12, 14, 16, 11, 13, 15]
#: MMPose's coco-aic-combine config: each layout into COCO + AIC's 19 keypoints
COCO_TO_COCO_AIC = [(i, i) for i in range(17)]
AIC_TO_COCO_AIC = [(0, 6), (1, 8), (2, 10), (3, 5), (4, 7), (5, 9), (6, 12), (7, 14),
                   (8, 16), (9, 11), (10, 13), (11, 15), (12, 17), (13, 18)]


#: CrowdPose's 12 limb keypoints as COCO indices (its top head and neck follow)
COCO_OF_CROWDPOSE = list(range(5, 17))


def _twin(coco: dict, limbs: list[int]) -> dict:
    """``coco``'s people as COCO indices ``limbs``, then head top and neck."""
    annotations = []
    for ann in coco['annotations']:
        points = [ann['keypoints'][3 * i:3 * i + 3] for i in range(17)]
        twin = [points[i] for i in limbs] + [[0, 0, 0]]
        left, right = points[5], points[6]
        twin.append([(left[0] + right[0]) / 2, (left[1] + right[1]) / 2, 2]
                    if left[2] and right[2] else [0, 0, 0])
        annotations.append(dict(ann, keypoints=[v for p in twin for v in p],
                                num_keypoints=sum(p[2] > 0 for p in twin)))
    return dict(images=coco['images'], annotations=annotations,
                categories=[dict(coco['categories'][0], skeleton=[])])


def aic_annotations(coco: dict) -> dict:
    """An AIC-layout annotation file (as a dict) of the COCO file ``coco``."""
    return _twin(coco, COCO_OF_AIC)


def crowdpose_annotations(coco: dict) -> dict:
    """A CrowdPose-layout annotation file of ``coco``, each image with a
    ``crowdIndex`` (CrowdPose's crowding measure, which its evaluation reads)."""
    twin = _twin(coco, COCO_OF_CROWDPOSE)
    twin['images'] = [dict(img, crowdIndex=round(0.1 * i, 2))
                      for i, img in enumerate(twin['images'])]
    return twin


def combined_datasets(data_root: str, aic_file: str) -> list[dict]:
    """The coco-aic-combine config's two training datasets on the COCO sample
    (``test_coco.json``) and its AIC twin ``aic_file``, both in COCO + AIC's 19."""
    common = dict(data_root=data_root, data_prefix=dict(img=''))
    return [dict(type='CocoDataset', ann_file='test_coco.json', **common,
                 pipeline=[dict(type='KeypointConverter', num_keypoints=19,
                                mapping=COCO_TO_COCO_AIC)]),
            dict(type='AicDataset', ann_file=aic_file, **common,
                 pipeline=[dict(type='KeypointConverter', num_keypoints=19,
                                mapping=AIC_TO_COCO_AIC)])]
