"""The metainfo of a model's output keypoints when ``test_cfg.output_keypoint_indices``
keeps only some of the keypoints it was trained on (MMPose's coco-aic-combine config:
19 trained, COCO's 17 predicted), for drawing its predictions."""
from __future__ import annotations

import copy
from typing import Optional, Sequence

import numpy as np


def output_dataset_meta(meta: Optional[dict], indices: Optional[Sequence[int]]
                        ) -> Optional[dict]:
    """``meta`` (parsed, :func:`posecore.metainfo.parse_pose_metainfo`) reduced to
    keypoints ``indices``, renumbered in that order: names, colours, weights, sigmas,
    body halves, mirrors (a keypoint whose mirror is not kept mirrors itself) and
    the skeleton links between kept keypoints. ``meta`` itself when ``indices`` is
    None or ``meta`` does not have more keypoints."""
    if meta is None or indices is None or meta.get('num_keypoints', 0) <= len(indices):
        return meta
    old = [int(i) for i in indices]
    new = {o: n for n, o in enumerate(old)}
    out = copy.deepcopy(meta)
    out['num_keypoints'] = len(old)
    names = meta.get('keypoint_id2name') or {}
    out['keypoint_id2name'] = {n: names[o] for n, o in enumerate(old) if o in names}
    out['keypoint_name2id'] = {name: n for n, name in out['keypoint_id2name'].items()}
    for key in ('upper_body_ids', 'lower_body_ids'):
        if key in meta:
            out[key] = [new[i] for i in meta[key] if i in new]
    if 'flip_indices' in meta:
        out['flip_indices'] = [new.get(meta['flip_indices'][o], n) for n, o in enumerate(old)]
        out['flip_pairs'] = [(n, m) for n, m in enumerate(out['flip_indices']) if n != m]
    for key in ('keypoint_colors', 'dataset_keypoint_weights', 'sigmas'):
        if key in meta:
            out[key] = np.asarray(meta[key])[old]
    if 'skeleton_links' in meta:
        kept = [i for i, (a, b) in enumerate(meta['skeleton_links']) if a in new and b in new]
        out['skeleton_links'] = [(new[meta['skeleton_links'][i][0]],
                                  new[meta['skeleton_links'][i][1]]) for i in kept]
        out['num_skeleton_links'] = len(kept)
        if 'skeleton_link_colors' in meta:
            out['skeleton_link_colors'] = np.asarray(meta['skeleton_link_colors'])[kept]
    return out
