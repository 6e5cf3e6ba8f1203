"""A small progress bar on stderr (no dependency; mmengine's prints to stdout).

On a terminal it redraws one line; otherwise (a log file, CI) it prints a
line at every tenth of the work, so logs stay short.
"""
from __future__ import annotations

import sys
import time
from typing import TextIO


class ProgressBar:
    """Counts finished items out of ``total`` and shows rate and time left.

    :param total: number of items.
    :param label: text before the bar.
    :param stream: where to draw (stderr by default).
    :param enabled: False draws nothing.
    """

    def __init__(self, total: int, label: str = '', stream: TextIO | None = None,
                 enabled: bool = True) -> None:
        self.total = max(0, int(total))
        self.label = label
        self.stream = stream if stream is not None else sys.stderr
        self.enabled = enabled and self.total > 0
        self.done = 0
        self._start = time.monotonic()
        self._last_draw = 0.0
        self._last_tenth = -1
        self._tty = bool(getattr(self.stream, 'isatty', lambda: False)())

    def _line(self) -> str:
        elapsed = time.monotonic() - self._start
        rate = self.done / elapsed if elapsed > 0 else 0.0
        left = (self.total - self.done) / rate if rate > 0 else 0.0
        width = 30
        filled = int(width * self.done / self.total)
        return (f'{self.label} [{"#" * filled}{"." * (width - filled)}] {self.done}/{self.total}'
                f'  {rate:.1f}/s  elapsed {elapsed:.0f}s  ETA {left:.0f}s')

    def update(self, count: int = 1) -> None:
        """Mark ``count`` more items done and redraw when due."""
        self.done = min(self.total, self.done + count)
        if not self.enabled:
            return
        now = time.monotonic()
        if self._tty:
            if now - self._last_draw >= 0.1 or self.done == self.total:
                self.stream.write('\r' + self._line())
                self.stream.flush()
                self._last_draw = now
        else:
            tenth = 10 * self.done // self.total
            if tenth != self._last_tenth:
                self.stream.write(self._line() + '\n')
                self.stream.flush()
                self._last_tenth = tenth

    def close(self) -> None:
        """End the bar's line."""
        if self.enabled and self._tty:
            self.stream.write('\n')
            self.stream.flush()
