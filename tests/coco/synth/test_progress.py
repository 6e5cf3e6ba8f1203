"""The generator's stderr progress bar: one redrawn line on a terminal, tenths in a log."""
from __future__ import annotations

import io

from pose_plugin_coco.synth.progress import ProgressBar


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_terminal_redraws_one_line():
    out = _Terminal()
    bar = ProgressBar(3, 'gen', stream=out)
    for _ in range(3):
        bar.update()
    bar.close()
    text = out.getvalue()
    assert text.startswith('\rgen [') and text.endswith('\n')
    assert text.count('\n') == 1 and '3/3' in text


def test_log_gets_a_line_per_tenth():
    out = io.StringIO()
    bar = ProgressBar(100, 'gen', stream=out)
    for _ in range(100):
        bar.update()
    bar.close()
    lines = out.getvalue().splitlines()
    assert len(lines) == 11  # 0%, 10%, ..., 100%
    assert lines[-1].startswith('gen [' + '#' * 30 + '] 100/100')


def test_disabled_bar_is_silent():
    out = _Terminal()
    bar = ProgressBar(5, 'gen', stream=out, enabled=False)
    bar.update(5)
    bar.close()
    assert out.getvalue() == ''
