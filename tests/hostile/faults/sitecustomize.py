"""Fault injection for the disk cases of the hostile-input corpus (put on PYTHONPATH).

``HOSTILE_FAULT=ERRNO:PATH`` (``ENOSPC``, ``EACCES``, ``EROFS``) makes creating or
writing a file, or making a folder, at PATH, under it, or beside it with PATH's name
in its own (the temporary files of atomic writes) fail with that error, as a full,
unwritable or read-only disk does. Reading stays possible.
"""
from __future__ import annotations

import builtins
import errno
import io
import os

_SPEC = os.environ.get('HOSTILE_FAULT', '')


def _install(code: int, target: str) -> None:
    target = os.path.abspath(target)  # relative: to the case folder, the CLI's working directory
    folder, name = os.path.split(target)

    def hit(path) -> bool:
        try:
            path = os.path.abspath(os.fspath(path))
        except TypeError:  # a file descriptor
            return False
        return (path == target or path.startswith(target + os.sep)
                or (os.path.dirname(path) == folder and name in os.path.basename(path)))

    def fail(path):
        raise OSError(code, os.strerror(code), os.fspath(path))

    real_open, real_os_open, real_mkdir = builtins.open, os.open, os.mkdir

    def open_(file, mode='r', *args, **kwargs):
        if any(c in mode for c in 'wax+') and hit(file):
            fail(file)
        return real_open(file, mode, *args, **kwargs)

    def os_open(path, flags, *args, **kwargs):
        if flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT) and hit(path):
            fail(path)
        return real_os_open(path, flags, *args, **kwargs)

    def mkdir(path, *args, **kwargs):
        if hit(path) and not os.path.isdir(path):
            fail(path)
        return real_mkdir(path, *args, **kwargs)

    builtins.open = io.open = open_
    os.open, os.mkdir = os_open, mkdir


if _SPEC:
    _code, _, _target = _SPEC.partition(':')
    _install(getattr(errno, _code), _target)
