"""The machine-readable output every benchmark script writes with
``--json PATH``: rows of (work, MMPose, posecore, unit, target) that
``run_all.py`` gathers into ``RESULTS.md`` and ``results.json``.

A row's ``mmpose`` is a figure measured in the same run or None: reference
figures of other runs never go into the JSON, so a ratio in ``RESULTS.md``
always compares two measurements of one run on one machine.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Dict, List, Optional, TypedDict

from machine import describe  # a sibling: the scripts run from benchmarks/


class Row(TypedDict, total=False):
    """One measured figure of both sides.

    ``better``: ``'higher'`` (rates) or ``'lower'`` (seconds, memory).
    ``target``: the ratio posecore must reach (``ratio`` below), or None;
    ``limit``: an absolute bound on posecore's figure (e.g. seconds), or None.
    """

    work: str
    unit: str
    mmpose: Optional[float]
    posecore: Optional[float]
    better: str
    target: Optional[float]
    limit: Optional[float]
    note: str


def row(work: str, unit: str, mmpose: Optional[float], posecore: Optional[float],
        better: str = 'higher', target: Optional[float] = None,
        limit: Optional[float] = None, note: str = '') -> Row:
    """A :class:`Row`; figures become plain floats (NumPy's do not serialise).

    :param work: what was measured, e.g. ``'MSRA decode, one call'``.
    :param unit: the figures' unit, e.g. ``'heatmaps/s'``.
    :param mmpose: MMPose's figure measured in this run, or None.
    :param posecore: posecore's figure, or None when it failed.
    :param better: ``'higher'`` or ``'lower'``.
    :param target: the ratio (posecore better by this factor) to reach.
    :param limit: an absolute bound on posecore's figure.
    :param note: one line on how the figure was taken.
    """
    if better not in ('higher', 'lower'):
        raise ValueError(f'better must be "higher" or "lower", got {better!r}')
    as_float = (lambda v: None if v is None else float(v))
    return Row(work=work, unit=unit, mmpose=as_float(mmpose),
               posecore=as_float(posecore), better=better,
               target=as_float(target), limit=as_float(limit), note=note)


def ratio(r: Row) -> Optional[float]:
    """How many times better posecore's figure is than MMPose's (> 1: better)."""
    mine, theirs = r.get('posecore'), r.get('mmpose')
    if not mine or not theirs:
        return None
    return mine / theirs if r['better'] == 'higher' else theirs / mine


def verdict(r: Row) -> str:
    """``meets``, ``MISSES (0.8x of 3x)``, ``no target`` or ``not compared``."""
    if r.get('posecore') is None:
        return 'FAILED'
    parts = []
    limit = r.get('limit')
    if limit is not None:
        inside = (r['posecore'] <= limit if r['better'] == 'lower'
                  else r['posecore'] >= limit)
        bound = '<=' if r['better'] == 'lower' else '>='
        parts.append('meets' if inside else f'MISSES ({bound} {limit:g} {r["unit"]})')
    target = r.get('target')
    if target is not None:
        got = ratio(r)
        if got is None:
            parts.append('not compared')
        else:
            parts.append('meets' if got >= target else f'MISSES ({got:.2f}x of {target:.3g}x)')
    if not parts:
        return 'no target'
    return 'meets' if all(p == 'meets' for p in parts) else '; '.join(
        p for p in parts if p != 'meets')


def write(path: Optional[Path], script: str, title: str, rows: List[Row],
          mmpose_measured: bool, notes: Optional[List[str]] = None,
          extra: Optional[Dict[str, Any]] = None) -> None:
    """Write a script's figures to ``path`` (nothing when ``path`` is None).

    :param script: the script's name, e.g. ``'codecs'``.
    :param title: what the table measures, one line.
    :param mmpose_measured: whether MMPose ran in this run.
    :param notes: lines worth keeping beside the table (outputs compared...).
    :param extra: more JSON-ready data (e.g. a profile summary).
    """
    if path is None:
        return
    data = dict(script=script, title=title, mmpose_measured=mmpose_measured,
                rows=rows, notes=notes or [], machine=describe(), **(extra or {}))
    Path(path).write_text(json.dumps(data, indent=1))
