"""Values a config may hold only in a sane range: batch sizes, worker counts, epochs,
intervals and the learning rate, checked before anything is built.

Left to torch, a negative batch size or learning rate fails deep inside the run
with a message that names neither the config file nor the key.
"""
from __future__ import annotations

import math
from pathlib import Path
from typing import Any, Callable, NamedTuple

from mmengine.config import Config

from posecore.errors import ConfigError


class ValueRule(NamedTuple):
    """One rule: the config paths (``*`` one key) it covers, a test, and what it wants."""

    pattern: str
    ok: Callable[[Any], bool]
    wants: str
    example: str


def _int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _positive_int(value: Any) -> bool:
    return _int(value) and value > 0


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


RULES = (
    ValueRule('*_dataloader.batch_size', _positive_int,
              'a positive int (samples per batch on each GPU)', '32'),
    ValueRule('*_dataloader.num_workers', lambda v: _int(v) and v >= 0,
              'an int >= 0 (0: load data in the main process)', '2'),
    ValueRule('train_cfg.max_epochs', _positive_int, 'a positive int', '210'),
    ValueRule('train_cfg.max_iters', _positive_int, 'a positive int', '10000'),
    ValueRule('train_cfg.val_interval', _positive_int,
              'a positive int (validate every N epochs or iterations)', '10'),
    ValueRule('train_cfg.val_begin', lambda v: _int(v) and v >= 0, 'an int >= 0', '1'),
    ValueRule('optim_wrapper.optimizer.lr', lambda v: _number(v) and math.isfinite(v) and v >= 0,
              'a finite number >= 0', '5e-4'),
    ValueRule('max_bad_sample_share', lambda v: _number(v) and 0 <= v < 1,
              'a number in [0, 1): the share of one batch\'s sample reads that may fail '
              '(unreadable images) before training stops', '0.5'),
    ValueRule('optim_wrapper.optimizer.weight_decay',
              lambda v: _number(v) and math.isfinite(v) and v >= 0, 'a finite number >= 0', '1e-4'),
)


def _lookup(node: Any, parts: list[str], prefix: str = ''):
    """``(path, value)`` of every key matching ``parts`` (``*`` any key) under ``node``."""
    if not parts:
        yield prefix, node
        return
    if not isinstance(node, dict):
        return
    head, rest = parts[0], parts[1:]
    keys = [k for k in node if isinstance(k, str) and k.endswith(head[1:])] \
        if head.startswith('*') else ([head] if head in node else [])
    for key in keys:
        yield from _lookup(node[key], rest, f'{prefix}.{key}' if prefix else key)


def check_values(cfg: Config, path: str | Path = '<config>') -> None:
    """Check every value :data:`RULES` cover.

    :param cfg: the merged config (``--cfg-options`` applied).
    :param path: the config file, for the message.
    :raises ConfigError: naming the config path, the value and the range wanted.
    """
    data = cfg._cfg_dict.to_dict()
    for rule in RULES:
        for key, value in _lookup(data, rule.pattern.split('.')):
            if value is None or rule.ok(value):
                continue
            shown = 'nan' if isinstance(value, float) and math.isnan(value) else repr(value)
            kind = ' (a string)' if isinstance(value, str) else ''
            raise ConfigError(
                f'{str(path)}: {key}={shown}{kind} is out of range: it must be {rule.wants}; '
                f'set it in the config or with --cfg-options {key}={rule.example}.')
