"""``ContractError``: the one failure type of the testing kit's contract checks."""
from __future__ import annotations

from typing import Any, Mapping, NoReturn


class ContractError(AssertionError):
    """A component broke a rule of the posecore component contract.

    An ``AssertionError`` so pytest reports it as a failed test; the message
    names the component (its config ``type``), the check and the broken rule,
    with the figure that broke it.
    """


def component_name(cfg: Mapping[str, Any] | Any) -> str:
    """The config ``type`` of ``cfg`` as text (a class is shown by its name)."""
    kind = cfg.get('type', '?') if isinstance(cfg, Mapping) else cfg
    return kind if isinstance(kind, str) else getattr(kind, '__name__', repr(kind))


def broken(check: str, cfg: Mapping[str, Any] | Any, rule: str, detail: str) -> NoReturn:
    """Raise a :class:`ContractError` for ``cfg`` breaking ``rule``.

    :param check: the check that found it, e.g. ``'check_backbone'``.
    :param cfg: the component's config dict (its ``type`` is named).
    :param rule: the rule, short, e.g. ``'finite output'``.
    :param detail: what was seen and what to fix, with the figures.
    """
    raise ContractError(f'{check}: {component_name(cfg)!r} breaks the rule {rule!r}: {detail}')
