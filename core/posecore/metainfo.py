"""Dataset metainfo: provided by plugins through a pluggy hook, parsed as MMPose 1.x does.

Two forms of metainfo exist, as in MMPose:

- the *raw* form (a config file's ``dataset_info``): ``dataset_name``,
  ``keypoint_info`` (``{id: dict(name, type, swap, color)}``),
  ``skeleton_info`` (``{id: dict(link=(name_a, name_b), color)}``),
  ``joint_weights``, ``sigmas`` and optionally ``paper_info``, ``stats_info``;
- the *parsed* form :func:`parse_pose_metainfo` derives from it (ids,
  ``flip_indices``, ``skeleton_links``, NumPy colour/weight arrays), which
  datasets, transforms and metrics use.

Dataset plugins answer :func:`posecore.hookspecs.posecore_dataset_metainfo`
with the raw form; :func:`get_dataset_metainfo` asks them by name.
"""
from __future__ import annotations

import os
import os.path as osp
from typing import Any, Mapping

import numpy as np

from posecore.errors import PluginError
from posecore.plugin_manager import get_plugin_manager

#: keys a raw ``dataset_info`` must have (MMPose asserts the same five)
REQUIRED_KEYS = ('dataset_name', 'keypoint_info', 'skeleton_info', 'joint_weights', 'sigmas')
#: MMPose's colours for keypoints and links that name none
DEFAULT_KEYPOINT_COLOR = [255, 128, 0]
DEFAULT_LINK_COLOR = [96, 96, 255]


class MetainfoNotFoundError(PluginError, KeyError):
    """No installed plugin provides metainfo under the requested name."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ''


def get_dataset_metainfo(name: str) -> dict[str, Any]:
    """The raw metainfo dict (keypoint_info, skeleton_info, sigmas...) of dataset ``name``.

    :raises MetainfoNotFoundError: no plugin answered for ``name``.
    """
    result = get_plugin_manager().hook.posecore_dataset_metainfo(name=name)
    if result is None:
        raise MetainfoNotFoundError(
            f'no installed plugin provides dataset metainfo named {name!r}; install the '
            f"plugin for that dataset (e.g. pip install pose-plugin-coco for 'coco') or "
            f"give the metainfo as dict(from_file='path/to/metainfo.py').")
    return result


def load_metainfo_file(path: str) -> dict[str, Any]:
    """The raw ``dataset_info`` of a metainfo config file, as MMPose resolves ``from_file``.

    A path that is not a file falls back, as MMPose falls back to the configs
    inside its package, to the metainfo an installed plugin provides under the
    file's stem (``.../coco.py`` -> ``'coco'``). Silently, as MMPose does: a
    dataset's default ``from_file`` names a config path relative to the working
    directory, which a pip-installed user does not have.

    :param path: a Python config file that defines ``dataset_info = dict(...)``.
    :raises FileNotFoundError: no such file and no plugin provides its stem.
    :raises ValueError: the file defines no ``dataset_info`` dict.
    """
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"metainfo from_file must be a path to a config file, got {path!r}")
    path = str(path)
    if not osp.isfile(path):
        name = osp.splitext(osp.basename(path))[0]
        try:
            raw = get_dataset_metainfo(name)
        except MetainfoNotFoundError:
            raise FileNotFoundError(
                f'the metainfo config file {path!r} does not exist, and no installed plugin '
                f'provides dataset metainfo named {name!r} to use instead') from None
        return raw
    from mmengine.config import Config  # deferred: only config files need mmengine

    cfg = Config.fromfile(path)
    info = cfg.get('dataset_info')
    if not isinstance(info, Mapping):
        raise ValueError(f'the metainfo config file {path!r} must define '
                         f'dataset_info = dict(dataset_name=..., keypoint_info=..., ...), '
                         f'got dataset_info={info!r}')
    return info


def _entries(info: Any, key: str) -> list[tuple[Any, Mapping]]:
    """``(id, entry)`` pairs of ``keypoint_info`` / ``skeleton_info`` in their order.

    MMPose's form is a dict keyed by id; a list (JSON has no int keys) is
    taken too, keyed by each entry's ``id`` or its position.
    """
    if isinstance(info, Mapping):
        items = list(info.items())
    elif isinstance(info, (list, tuple)):
        items = [(e.get('id', i) if isinstance(e, Mapping) else i, e) for i, e in enumerate(info)]
    else:
        raise TypeError(f'metainfo {key} must be a dict {{id: dict(...)}}, got '
                        f'{type(info).__name__}: {info!r}')
    for ident, entry in items:
        if not isinstance(entry, Mapping):
            raise TypeError(f'metainfo {key}[{ident!r}] must be a dict, got {entry!r}')
    return items


def parse_pose_metainfo(metainfo: Mapping[str, Any]) -> dict[str, Any]:
    """Derive the parsed pose metainfo from its raw form, as MMPose 1.x's ``parse_pose_metainfo``.

    :param metainfo: the raw form (``dataset_name``, ``keypoint_info``,
        ``skeleton_info``, ``joint_weights``, ``sigmas``, optional
        ``stats_info``), or ``dict(from_file=PATH)`` naming a config file
        whose ``dataset_info`` is the raw form (see :func:`load_metainfo_file`).
    :returns: ``dataset_name``, ``num_keypoints``, ``keypoint_id2name``,
        ``keypoint_name2id``, ``upper_body_ids``, ``lower_body_ids``,
        ``flip_indices`` (list), ``flip_pairs`` (list of ``(a, b)`` tuples,
        both orders kept), ``keypoint_colors`` ``(K, 3)`` uint8,
        ``num_skeleton_links``, ``skeleton_links`` (id pairs),
        ``skeleton_link_colors`` uint8, ``dataset_keypoint_weights`` and
        ``sigmas`` float32 arrays, and ``stats_info`` (float32 arrays) when given.
    :raises ValueError: a required key is missing, or a ``swap`` or a
        skeleton link names a keypoint that does not exist.
    """
    if not isinstance(metainfo, Mapping):
        raise TypeError(f'metainfo must be a dict, got {type(metainfo).__name__}: {metainfo!r}')
    source = 'metainfo'
    if 'from_file' in metainfo:
        source = f"metainfo from {metainfo['from_file']!r}"
        metainfo = load_metainfo_file(metainfo['from_file'])
    missing = [key for key in REQUIRED_KEYS if key not in metainfo]
    if missing:
        raise ValueError(f'{source} lacks {", ".join(missing)}: a pose dataset metainfo needs '
                         f'{", ".join(REQUIRED_KEYS)} (or from_file=PATH of a config file)')

    keypoints = _entries(metainfo['keypoint_info'], 'keypoint_info')
    id2name = {ident: kpt['name'] for ident, kpt in keypoints}
    name2id = {kpt['name']: ident for ident, kpt in keypoints}

    def ids_of(names: Any, what: str) -> Any:
        # the container type is kept (tuples stay tuples), as MMPose's mapping does
        unknown = [n for n in names if n not in name2id]
        if unknown:
            raise ValueError(f'{source}: {what} names {", ".join(map(repr, unknown))}, which '
                             f'is not a keypoint name; keypoints are {list(name2id)}')
        return type(names)(name2id[n] for n in names)

    flip_names, flip_pairs, seen_pairs = [], [], set()
    for _, kpt in keypoints:
        name, swap = kpt['name'], kpt.get('swap', '')
        if swap in ('', name):
            flip_names.append(name)
            continue
        flip_names.append(swap)
        if (swap, name) not in seen_pairs:  # both (a, b) and (b, a) end up kept
            seen_pairs.add((swap, name))
            flip_pairs.append((swap, name))

    links = _entries(metainfo['skeleton_info'], 'skeleton_info')
    parsed = dict(
        dataset_name=metainfo['dataset_name'],
        num_keypoints=len(keypoints),
        keypoint_id2name=id2name,
        keypoint_name2id=name2id,
        upper_body_ids=[i for i, kpt in keypoints if kpt.get('type', '') == 'upper'],
        lower_body_ids=[i for i, kpt in keypoints if kpt.get('type', '') == 'lower'],
        flip_indices=ids_of(flip_names, 'keypoint_info swap'),
        flip_pairs=[ids_of(pair, 'keypoint_info swap') for pair in flip_pairs],
        keypoint_colors=np.array([kpt.get('color', DEFAULT_KEYPOINT_COLOR) for _, kpt in keypoints],
                                 dtype=np.uint8),
        num_skeleton_links=len(links),
        skeleton_links=[ids_of(sk['link'], f'skeleton_info[{i!r}] link') for i, sk in links],
        skeleton_link_colors=np.array([sk.get('color', DEFAULT_LINK_COLOR) for _, sk in links],
                                      dtype=np.uint8),
        dataset_keypoint_weights=np.array(metainfo['joint_weights'], dtype=np.float32),
        sigmas=np.array(metainfo['sigmas'], dtype=np.float32),
    )
    if 'stats_info' in metainfo:
        parsed['stats_info'] = {name: np.array(value, dtype=np.float32)
                                for name, value in metainfo['stats_info'].items()}
    return parsed
