"""Fake installed distributions for unit tests of the plugin index (no pip)."""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class FakeEntryPoint:
    name: str
    value: str
    group: str


@dataclass
class FakeDist:
    name: str
    version: str = '1.0'
    eps: dict[str, dict[str, str]] = field(default_factory=dict)  # group -> name -> value
    requires: list[str] | None = None

    @property
    def entry_points(self) -> list[FakeEntryPoint]:
        return [FakeEntryPoint(n, v, g) for g, names in self.eps.items()
                for n, v in names.items()]

    @property
    def metadata(self) -> dict[str, str]:
        return {'Name': self.name}
