"""The machinery of the hostile-input corpus: a case, its run through the installed
CLI in a subprocess, and the one rule every case is held to.

The rule (issue #13): a non-zero exit status (2 for usage and config errors), one
``posecore: error:`` message on stderr naming the file, config path or entry point
and what to do, no Python traceback, and every file that was in the case's folder
before the run byte-identical after it (nothing that was there is damaged).
"""
from __future__ import annotations

import hashlib
import os
import re
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Mapping

#: an error line: ours (``posecore: error:``) or argparse's (``posecore train: error:``)
ERROR_LINE = re.compile(r'^posecore(?: [\w-]+)*: error: ', re.M)
TRACEBACK = 'Traceback (most recent call last)'
#: test plugins that other tests install and that would get in the way here
OFF_PLUGINS = 'posecore-test-clash,posecore-test-broken,posecore-test-future'


@dataclass(frozen=True)
class Case:
    """One bad input.

    :param id: unique, kebab-case, prefixed by nothing (the category is separate).
    :param category: ``config``, ``values``, ``plugins``, ``environment``, ``data``,
        ``checkpoint``, ``resume``, ``cli``, ``disk``.
    :param argv: the arguments after ``posecore``; ``{case}`` is the case's folder,
        ``{repo}`` the repository root, ``{tiny}`` the tiny config.
    :param setup: writes the bad input into the case's folder (and ``fx``).
    :param code: the expected exit status.
    :param names: strings (same placeholders) the error message must contain:
        the file, config path or entry point it is about.
    :param hint: a regular expression for the "what to do" part of the message.
    :param env: extra environment variables (same placeholders).
    :param pythonpath: folders under the case's folder put first on PYTHONPATH (``site``,
        where :func:`~tests.hostile.cases.fake_dist` installs, unless told otherwise).
    :param appends: glob patterns of files that the run may append to (logs a plugin
        keeps): what they held before must still be their beginning.
    """

    id: str
    category: str
    argv: tuple[str, ...]
    setup: Callable[[Path, 'Fixtures'], None] | None
    code: int
    names: tuple[str, ...]
    hint: str
    env: Mapping[str, str] = field(default_factory=dict)
    pythonpath: tuple[str, ...] = ('site',)
    appends: tuple[str, ...] = ()


@dataclass
class Fixtures:
    """What the cases share, prepared once per session.

    :param repo: the repository root.
    :param site: where the test plugins (``tests/plugins``) are pip-installed.
    :param tiny: the tiny training config (the ``posecore-test-tiny`` plugin).
    :param trained: a work dir after one epoch of the tiny config: ``epoch_1.pth``,
        ``last_checkpoint``, logs.
    :param coco: the real COCO sample (``tests/data/mmpose-testdata/coco``).
    :param topdown: a small top-down HRNet config reading ``{case}/coco``.
    """

    repo: Path
    site: Path
    tiny: Path
    trained: Path
    coco: Path
    topdown: Path


def fill(text: str, case_dir: Path, fx: Fixtures) -> str:
    """Replace the placeholders of :class:`Case` fields."""
    return (text.replace('{case}', str(case_dir)).replace('{repo}', str(fx.repo))
            .replace('{tiny}', str(fx.tiny)).replace('{topdown}', str(fx.topdown)))


def checksums(folder: Path, prefixes: dict[str, int] | None = None) -> dict[str, str]:
    """``{relative path: sha256}`` of every regular file under ``folder``.

    :param prefixes: ``{relative path: size}``: hash only the first ``size`` bytes there.
    """
    sums = {}
    for root, _, files in os.walk(folder):
        for name in files:
            path = Path(root, name)
            if path.is_file() and not path.is_symlink():
                rel = str(path.relative_to(folder))
                data = path.read_bytes()
                if prefixes and rel in prefixes:
                    data = data[:prefixes[rel]]
                sums[rel] = hashlib.sha256(data).hexdigest()
    return sums


def environment(case: Case, case_dir: Path, fx: Fixtures) -> dict[str, str]:
    """The subprocess environment: the test plugins installed, the others switched off."""
    env = {k: v for k, v in os.environ.items() if not k.startswith('POSECORE_')}
    paths = [str(case_dir / p) for p in case.pythonpath] + [str(fx.site)]
    env['PYTHONPATH'] = os.pathsep.join(paths + [p for p in [env.get('PYTHONPATH')] if p])
    env['POSECORE_DISABLE_PLUGINS'] = OFF_PLUGINS
    env.update({k: fill(v, case_dir, fx) for k, v in case.env.items()})
    env.setdefault('OMP_NUM_THREADS', '1')  # many cases run at once on few cores
    return env


@dataclass
class Outcome:
    """What a case's run left: the process result and the files before and after."""

    argv: list[str]
    returncode: int
    stdout: str
    stderr: str
    before: dict[str, str]
    after: dict[str, str]


def run_case(case: Case, case_dir: Path, fx: Fixtures, timeout: float = 240) -> Outcome:
    """Prepare the case's folder, run ``python -m posecore ARGV`` there, checksum around it."""
    case_dir.mkdir(parents=True, exist_ok=True)
    if case.setup is not None:
        case.setup(case_dir, fx)
    before = checksums(case_dir)
    appended = {str(p.relative_to(case_dir)): p.stat().st_size
                for pattern in case.appends for p in case_dir.glob(pattern)}
    argv = [fill(a, case_dir, fx) for a in case.argv]
    result = subprocess.run([sys.executable, '-m', 'posecore', *argv], cwd=case_dir,
                            env=environment(case, case_dir, fx), capture_output=True,
                            text=True, timeout=timeout)
    return Outcome(argv, result.returncode, result.stdout, result.stderr, before,
                   checksums(case_dir, appended))


def rule_violations(case: Case, out: Outcome, case_dir: Path, fx: Fixtures) -> list[str]:
    """Every way the outcome breaks the rule; empty when the case passes."""
    problems = []
    if out.returncode != case.code:
        problems.append(f'exit status {out.returncode}, expected {case.code}')
    if TRACEBACK in out.stderr or TRACEBACK in out.stdout:
        problems.append('a Python traceback was printed')
    starts = [m.start() for m in ERROR_LINE.finditer(out.stderr)]
    if len(starts) != 1:
        problems.append(f'{len(starts)} error messages on stderr, expected one')
    message = out.stderr[starts[0]:] if starts else ''
    for name in case.names:
        if fill(name, case_dir, fx) not in message:
            problems.append(f'the message does not name {fill(name, case_dir, fx)!r}')
    if not re.search(case.hint, message, re.S | re.I):
        problems.append(f'the message does not match {case.hint!r}')
    damaged = [p for p, digest in out.before.items() if out.after.get(p) != digest]
    if damaged:
        problems.append(f'files there before were changed or removed: {damaged}')
    return problems
