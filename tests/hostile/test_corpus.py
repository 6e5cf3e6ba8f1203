"""Every bad input of the corpus (:mod:`tests.hostile.cases`) through the installed CLI:
non-zero exit (2 for usage and config errors), one ``posecore: error:`` message naming
the file, config path or entry point and what to do, no traceback, nothing damaged."""
from __future__ import annotations

from collections import Counter

import pytest

from .cases import CASES
from .corpus import Case, rule_violations


def test_corpus_is_large_and_ids_are_unique():
    ids = Counter(c.id for c in CASES)
    assert not [i for i, n in ids.items() if n > 1]
    assert len(CASES) >= 60
    assert {'config', 'plugins', 'data', 'checkpoint', 'cli'} <= {c.category for c in CASES}


@pytest.mark.parametrize('case', CASES, ids=[c.id for c in CASES])
def test_corpus_case(case: Case, corpus_runs, hostile_fixtures, tmp_path_factory):
    outcome = corpus_runs[case.id].result()
    case_dir = tmp_path_factory.getbasetemp() / 'hostile-cases0' / case.id
    problems = rule_violations(case, outcome, case_dir, hostile_fixtures)
    assert not problems, (f'{case.id} ({case.category}): ' + '; '.join(problems)
                          + f'\n$ posecore {" ".join(outcome.argv)}\n--- stderr (end) ---\n'
                          + outcome.stderr[-2500:])
