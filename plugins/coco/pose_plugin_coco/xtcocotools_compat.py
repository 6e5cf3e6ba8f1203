"""xtcocotools under numpy 2, whichever build pip gave.

xtcocotools' binary wheel for Python 3.11 is compiled against numpy 1.x; under
numpy 2 its compiled ``xtcocotools._mask`` fails at import with ``ValueError:
numpy.dtype size changed``, and since ``xtcocotools.coco`` imports it, so
does the COCO API as a whole. Keypoint evaluation never calls a mask or RLE
op, so :func:`import_cocoeval` puts a stand-in ``xtcocotools._mask`` in
place when (and only when) that ABI error occurs: keypoint evaluation works,
and a mask op raises :class:`XtcocotoolsBuildError` with the command that
rebuilds xtcocotools. :func:`xtcocotools_status` reports which case holds
(for ``posecore plugins check``).

Import-light: nothing is imported from xtcocotools until a function runs.
"""
from __future__ import annotations

import sys
import types
import warnings
from typing import Any, Tuple

MASK_MODULE = 'xtcocotools._mask'
REBUILD_COMMAND = ('pip install --no-build-isolation --no-binary xtcocotools '
                   '--force-reinstall xtcocotools')
# the functions xtcocotools.mask and xtcocotools.coco take from _mask
MASK_FUNCTIONS = ('area', 'decode', 'encode', 'frBbox', 'frPoly',
                  'frPyObjects', 'frUncompressedRLE', 'iou', 'merge',
                  'toBbox')
_STAND_IN_FLAG = '__posecore_stand_in__'
_warned = False


class XtcocotoolsBuildError(RuntimeError):
    """A mask/RLE op of xtcocotools was called while its compiled module is
    replaced by the stand-in (binary built against numpy 1.x)."""


def is_numpy_abi_error(exc: BaseException) -> bool:
    """Whether ``exc`` is the failure of a compiled module built against
    another numpy ABI (``numpy.dtype size changed`` and its relatives)."""
    text = str(exc)
    if isinstance(exc, ValueError):
        return 'size changed' in text or 'binary incompatib' in text
    if isinstance(exc, ImportError) and not isinstance(
            exc, ModuleNotFoundError):
        return 'numpy' in text.lower()
    return False


def _stand_in_function(name: str, reason: str) -> Any:
    def unavailable(*args: Any, **kwargs: Any) -> Any:
        raise XtcocotoolsBuildError(
            f'xtcocotools.mask.{name} needs the compiled module '
            f'{MASK_MODULE}, which failed to import ({reason}): the installed '
            'xtcocotools binary was built against numpy 1.x. Keypoint '
            'evaluation works without it; for mask/RLE ops rebuild '
            'xtcocotools against your numpy, with numpy and cython installed '
            f'first: {REBUILD_COMMAND}')
    unavailable.__name__ = name
    return unavailable


def _install_stand_in(reason: str) -> None:
    """Put a module whose functions raise :class:`XtcocotoolsBuildError` in
    place of ``xtcocotools._mask`` and warn once."""
    global _warned
    import xtcocotools  # the pure-Python package imports fine

    stand_in = types.ModuleType(MASK_MODULE, 'stand-in for the compiled '
                                'xtcocotools._mask (numpy ABI mismatch)')
    for name in MASK_FUNCTIONS:
        setattr(stand_in, name, _stand_in_function(name, reason))
    setattr(stand_in, _STAND_IN_FLAG, reason)
    sys.modules[MASK_MODULE] = stand_in
    xtcocotools._mask = stand_in  # type: ignore[attr-defined]
    if not _warned:
        _warned = True
        warnings.warn(
            f'xtcocotools: the compiled {MASK_MODULE} does not load under '
            f'this numpy ({reason}); keypoint evaluation goes on without it, '
            'mask/RLE ops will raise. To rebuild xtcocotools against your '
            f'numpy (numpy and cython installed first): {REBUILD_COMMAND}',
            RuntimeWarning, stacklevel=3)


def _load_mask_module() -> None:
    """Import ``xtcocotools._mask``, or the stand-in on a numpy ABI error."""
    if MASK_MODULE in sys.modules:
        return
    try:
        __import__(MASK_MODULE)
    except ModuleNotFoundError as exc:
        if exc.name == 'xtcocotools':
            raise ModuleNotFoundError(
                'CocoMetric needs xtcocotools: pip install xtcocotools '
                f'(or, under numpy 2: {REBUILD_COMMAND})',
                name='xtcocotools') from exc
        raise
    except (ValueError, ImportError) as exc:
        if not is_numpy_abi_error(exc):
            raise
        _install_stand_in(f'{type(exc).__name__}: {exc}')


def import_cocoeval() -> Tuple[type, type]:
    """Return xtcocotools' ``(COCO, COCOeval)``, importable even when its
    compiled mask module was built against another numpy (see module doc).

    :raises ModuleNotFoundError: xtcocotools is not installed.
    """
    _load_mask_module()
    from xtcocotools.coco import COCO
    from xtcocotools.cocoeval import COCOeval
    return COCO, COCOeval


def xtcocotools_status() -> tuple[bool, str]:
    """``(ok, message)`` about xtcocotools: ok when it imports with its
    compiled mask module; not ok (message naming the fix) when it is missing
    or its binary does not match numpy (keypoint evaluation then still works
    through the stand-in)."""
    try:
        import xtcocotools
    except ImportError as exc:
        return False, (f'xtcocotools is not installed ({exc}); CocoMetric '
                       f'needs it: {REBUILD_COMMAND}')
    version = _version()
    module = sys.modules.get(MASK_MODULE)
    if module is not None and hasattr(module, _STAND_IN_FLAG):
        reason = getattr(module, _STAND_IN_FLAG)
    else:
        try:
            __import__(MASK_MODULE)
        except (ValueError, ImportError) as exc:
            if not is_numpy_abi_error(exc):
                return False, (f'xtcocotools {version}: {MASK_MODULE} fails '
                               f'to import: {type(exc).__name__}: {exc}')
            reason = f'{type(exc).__name__}: {exc}'
        else:
            return True, (f'xtcocotools {version} with its compiled mask '
                          f'module ({xtcocotools.__file__})')
    return False, (f'xtcocotools {version}: binary built against another '
                   f'numpy ({reason}); keypoint evaluation works through a '
                   'stand-in, mask/RLE ops do not. Fix (numpy and cython '
                   f'installed first): {REBUILD_COMMAND}')


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version
    try:
        return version('xtcocotools')
    except PackageNotFoundError:
        return '(version unknown)'
