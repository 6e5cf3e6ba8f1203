"""``posecore plugins check`` reports entry points that name a missing module or,
with ``--import``, an object that is not callable, each with the entry point
and the distribution."""
from __future__ import annotations

from posecore import checks
from posecore.cli.main import main

from .fakes import FakeDist

SOURCE = 'class Net:\n    """Fine."""\n\nNOT_A_CLASS = 42\n'


def _dist():
    return FakeDist('fake-checked', version='0.3.1', eps={'posecore.models': {
        'GoodNet': 'posecore_fake_checked:Net',
        'Constant': 'posecore_fake_checked:NOT_A_CLASS',
        'Ghost': 'posecore_fake_checked_ghost:Ghost'}})


def test_check_reports_a_missing_module_and_a_non_callable(use_index, fake_modules, capsys):
    fake_modules(posecore_fake_checked=SOURCE)
    use_index(_dist())
    assert main(['plugins', 'check', '--import']) == 1
    out = capsys.readouterr().out
    assert ("FAIL fake-checked::Ghost: module 'posecore_fake_checked_ghost' of entry point "
            "Ghost = 'posecore_fake_checked_ghost:Ghost' (group 'posecore.models') of "
            'distribution fake-checked 0.3.1 is not installed') in out
    assert ("FAIL fake-checked::Constant: entry point Constant = "
            "'posecore_fake_checked:NOT_A_CLASS' (group 'posecore.models') of distribution "
            'fake-checked 0.3.1 names an object of type int, not a class or function') in out
    assert 'GoodNet' not in out
    assert '3 problem(s) found' in out  # the ghost fails --import too


def test_without_import_the_non_callable_is_not_loaded(use_index, fake_modules):
    fake_modules(posecore_fake_checked=SOURCE)
    index = use_index(_dist())
    assert [r.subject for r in checks.check_modules(index)] == ['fake-checked::Ghost']
    assert [r.subject for r in checks.check_imports(index)] == [
        'fake-checked::Constant', 'fake-checked::Ghost']
