"""Unreadable samples during training: skipped with one warning each, counted, and
a stop when too many of a batch fail.

The contract with dataset plugins: a training dataset that replaces a sample it
could not load (as mmengine's ``max_refetch`` loop replaces a dropped one) lists
what it skipped in the returned sample's metainfo under :data:`SKIPPED_KEY`,
as ``(path, reason)`` pairs (:func:`note_skipped`). The list travels with the
data sample out of the data-loader workers, so :class:`SkippedSamplesHook`,
in the main process, sees every skip: it warns once per file, stops the run
when more than ``max_bad_share`` of the samples read for one batch failed, and
reports the total when training ends.
"""
from __future__ import annotations

import warnings
from typing import Any, Sequence

from mmengine.hooks import Hook

from posecore.errors import DataLoadingError

#: metainfo key of a data sample: the ``(path, reason)`` pairs skipped to produce it
SKIPPED_KEY = 'skipped_samples'
#: the share of one batch's reads that may fail before the run stops
DEFAULT_MAX_BAD_SHARE = 0.5


def note_skipped(data: Any, skipped: Sequence[tuple[str, str]]) -> None:
    """Record on a pipeline result what was skipped to produce it.

    :param data: the packed result (``dict(inputs=..., data_samples=...)``).
    :param skipped: ``(path, reason)`` of each sample given up on.
    """
    sample = data.get('data_samples') if isinstance(data, dict) else None
    if sample is not None and hasattr(sample, 'set_metainfo'):
        previous = list(sample.metainfo.get(SKIPPED_KEY, []))
        sample.set_metainfo({SKIPPED_KEY: previous + [tuple(s) for s in skipped]})


def fetch_skipping_unreadable(dataset: Any, idx: int) -> Any:
    """A training sample of an mmengine ``BaseDataset`` ``dataset``: ``prepare_data(idx)``,
    where a sample whose file cannot be read (an error with ``unreadable_path``) is
    replaced by a random other one (as mmengine replaces a dropped sample, up to
    ``max_refetch`` times), and what was skipped is noted on the result
    (:func:`note_skipped`).

    :raises DataLoadingError: no readable sample within ``max_refetch`` tries.
    """
    skipped: list[tuple[str, str]] = []
    for _ in range(dataset.max_refetch + 1):
        try:
            data = dataset.prepare_data(idx)
        except Exception as error:
            path = getattr(error, 'unreadable_path', None)
            if path is None:
                raise
            skipped.append((str(path), str(error).rsplit(': ', 1)[-1][:120]))
            data = None
        if data is not None:
            if skipped:
                note_skipped(data, skipped)
            return data
        idx = dataset._rand_another()
    files = sorted({p for p, _ in skipped})
    raise DataLoadingError(
        f'{type(dataset).__name__}: no readable sample in {dataset.max_refetch + 1} tries; '
        f'{len(files)} image files could not be read: {", ".join(files[:5])}'
        + (f' and {len(files) - 5} more' if len(files) > 5 else '')
        + f' ({skipped[-1][1] if skipped else "the pipeline dropped every sample"}). '
        f'Check data_root and data_prefix, and fix or replace the files.')


class SkipsUnreadableSamples:
    """Mixin, before mmengine's ``BaseDataset``: in training, ``dataset[idx]`` replaces a
    sample whose image cannot be read by a random other one and notes what it skipped
    (:func:`fetch_skipping_unreadable`), for :class:`SkippedSamplesHook` (one warning
    per file, a stop when too much of a batch fails). Evaluation never skips.

    :raises DataLoadingError: no readable sample within ``max_refetch`` tries.
    """

    def __getitem__(self, idx: int) -> Any:
        if self.test_mode:
            return super().__getitem__(idx)  # type: ignore[misc]
        if not self._fully_initialized:
            self.full_init()
        return fetch_skipping_unreadable(self, idx)


def _skipped_in(data_batch: Any) -> list[tuple[str, str]]:
    samples = data_batch.get('data_samples') if isinstance(data_batch, dict) else None
    found: list[tuple[str, str]] = []
    for sample in samples or []:
        metainfo = getattr(sample, 'metainfo', None) or {}
        found.extend(tuple(s) for s in metainfo.get(SKIPPED_KEY, []))
    return found


class SkippedSamplesHook(Hook):
    """Warns about each skipped file once, stops on a bad batch, reports the count.

    :param max_bad_share: the run stops when more than this share of the samples
        read for one batch could not be loaded (0.5: half).
    """

    priority = 'VERY_HIGH'

    def __init__(self, max_bad_share: float = DEFAULT_MAX_BAD_SHARE) -> None:
        if not 0 <= max_bad_share < 1:
            raise ValueError(f'max_bad_share must be in [0, 1), got {max_bad_share!r}')
        self.max_bad_share = max_bad_share
        self.warned: set[str] = set()
        self.skips = 0

    def before_train_iter(self, runner, batch_idx: int, data_batch: Any = None) -> None:
        skipped = _skipped_in(data_batch)
        if not skipped:
            return
        self.skips += len(skipped)
        for path, reason in skipped:
            if path not in self.warned:
                self.warned.add(path)
                warnings.warn(f'posecore: warning: skipped an unreadable sample: {path} '
                              f'({reason}); another sample was taken in its place.',
                              stacklevel=2)
        kept = len(data_batch.get('data_samples') or [])
        share = len(skipped) / (len(skipped) + kept)
        if share > self.max_bad_share:
            files = sorted({p for p, _ in skipped})
            raise DataLoadingError(
                f'{len(skipped)} of the {len(skipped) + kept} samples read for training batch '
                f'{batch_idx + 1} (epoch {runner.epoch + 1}) could not be loaded, more than '
                f'the {self.max_bad_share:.0%} allowed: {", ".join(files[:5])}'
                + (f' and {len(files) - 5} more' if len(files) > 5 else '')
                + f' ({skipped[0][1]}). Fix or replace these files, or remove them from the '
                f'annotation file.')

    def after_train(self, runner) -> None:
        if self.skips:
            warnings.warn(f'posecore: warning: training skipped {self.skips} unreadable '
                          f'sample reads ({len(self.warned)} different files, each named in '
                          f'a warning above).', stacklevel=2)
