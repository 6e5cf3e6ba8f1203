"""``LoadImage``: read and decode the sample's image (MMPose 1.x)."""
from __future__ import annotations

import io
import warnings
from typing import Any, Callable, Dict, Optional, Union

import cv2
import numpy as np
from mmengine import fileio
from posecore.transforms import BaseTransform

__all__ = ['LoadImage', 'describe_sample']

# mmcv's ``imread_flags``: color_type -> OpenCV flag
_CV2_FLAGS = {
    'color': cv2.IMREAD_COLOR,
    'grayscale': cv2.IMREAD_GRAYSCALE,
    'unchanged': cv2.IMREAD_UNCHANGED,
    'color_ignore_orientation': cv2.IMREAD_IGNORE_ORIENTATION | cv2.IMREAD_COLOR,
    'grayscale_ignore_orientation':
    cv2.IMREAD_IGNORE_ORIENTATION | cv2.IMREAD_GRAYSCALE,
}
_BACKENDS = ('cv2', 'pillow', 'turbojpeg', 'tifffile')


def describe_sample(results: Dict[str, Any]) -> str:
    """``"img_id=785, id=442619"`` (the keys present), for error messages."""
    keys = [f'{key}={results[key]!r}' for key in ('img_id', 'id')
            if key in results]
    return ', '.join(keys) if keys else 'no img_id/id'


# Decoders by imdecode_backend: module functions (not closures), so that a
# LoadImage pickles into spawned data-loader workers.
def _decode_cv2(content: bytes, color_type: Union[str, int]) -> Optional[np.ndarray]:
    flag = _CV2_FLAGS[color_type] if isinstance(color_type, str) else color_type
    # the bytes are not copied: frombuffer views them
    return cv2.imdecode(np.frombuffer(content, np.uint8), flag)


def _decode_pillow(content: bytes, color_type: str) -> np.ndarray:
    """mmcv's Pillow decoding: EXIF orientation applied for 'color' and
    'grayscale', 'LA' images over a fixed grey canvas, BGR output."""
    from PIL import Image, ImageOps
    with io.BytesIO(content) as buffer:
        img = Image.open(buffer)
        if color_type == 'unchanged':
            array = np.array(img)
            if array.ndim >= 3 and array.shape[2] >= 3:
                array[..., :3] = array[..., 2::-1]
            return array
        if color_type in ('color', 'grayscale'):
            img = ImageOps.exif_transpose(img)
        if img.mode == 'LA':
            rgba = img.convert('RGBA')
            img = Image.new('RGB', rgba.size, (124, 117, 104))
            img.paste(rgba, mask=rgba.split()[3])
        elif img.mode != 'RGB':
            img = img.convert('RGB')
        if color_type.startswith('color'):
            return cv2.cvtColor(np.asarray(img), cv2.COLOR_RGB2BGR)
        return np.array(img.convert('L'))


_TURBOJPEG: list = []


def _turbojpeg() -> Any:
    try:
        import turbojpeg
    except ImportError as err:
        raise ImportError("LoadImage(imdecode_backend='turbojpeg') needs "
                          'PyTurboJPEG: pip install PyTurboJPEG') from err
    if not _TURBOJPEG:
        _TURBOJPEG.append(turbojpeg.TurboJPEG())
    return turbojpeg


def _decode_turbojpeg(content: bytes, color_type: str) -> np.ndarray:
    turbojpeg = _turbojpeg()
    pixel = turbojpeg.TJPF_BGR if color_type == 'color' else turbojpeg.TJPF_GRAY
    img = _TURBOJPEG[0].decode(content, pixel)
    return img[..., 0] if img.shape[-1] == 1 else img


def _import_tifffile() -> Any:
    try:
        import tifffile
    except ImportError as err:
        raise ImportError("LoadImage(imdecode_backend='tifffile') needs "
                          'tifffile: pip install tifffile') from err
    return tifffile


def _decode_tifffile(content: bytes, color_type: str) -> np.ndarray:
    with io.BytesIO(content) as buffer:
        return _import_tifffile().imread(buffer)


_DECODERS: Dict[str, Callable[[bytes, Any], Optional[np.ndarray]]] = dict(
    cv2=_decode_cv2, pillow=_decode_pillow, turbojpeg=_decode_turbojpeg,
    tifffile=_decode_tifffile)


class LoadImage(BaseTransform):
    """Load the image of ``results['img_path']`` (or take the array already
    in ``results['img']``), as MMPose 1.x's ``LoadImage``.

    Bytes come through ``mmengine.fileio.get`` (local disk, LMDB, HTTP,
    Petrel... as ``backend_args`` or the path prefix selects) and are decoded
    in memory; with ``imdecode_backend='cv2'`` the image is BGR ``uint8``
    ``(H, W, 3)`` for ``color_type='color'``.

    Adds ``img``, ``img_shape`` and ``ori_shape`` (``(H, W)``); a given
    ``img`` without ``img_path`` gets ``img_path=None``.

    :param to_float32: convert the image to float32.
    :param color_type: ``'color'``, ``'grayscale'``, ``'unchanged'``,
        ``'color_ignore_orientation'``, ``'grayscale_ignore_orientation'``
        (or an OpenCV ``IMREAD_*`` flag with the cv2 backend).
    :param imdecode_backend: ``'cv2'``, ``'pillow'``, ``'turbojpeg'`` or
        ``'tifffile'`` (the last two need their packages).
    :param backend_args: arguments of the mmengine file backend, e.g.
        ``dict(backend='lmdb', db_path=...)``.
    :param ignore_empty: return None (the sample is dropped) when the file
        cannot be read, instead of raising.
    :param file_client_args: deprecated mmcv-style file client arguments
        (older MMPose 1.x configs); use ``backend_args``.

    A file that cannot be read raises the reading error's type (e.g.
    ``FileNotFoundError``), bytes that do not decode raise ``ValueError``;
    both name the path and the sample (``img_id``, ``id``).
    """

    def __init__(self,
                 to_float32: bool = False,
                 color_type: Union[str, int] = 'color',
                 imdecode_backend: str = 'cv2',
                 backend_args: Optional[dict] = None,
                 ignore_empty: bool = False,
                 *,
                 file_client_args: Optional[dict] = None) -> None:
        if imdecode_backend not in _BACKENDS:
            raise ValueError(f'LoadImage: imdecode_backend must be one of '
                             f'{_BACKENDS}, got {imdecode_backend!r}')
        if imdecode_backend == 'cv2':
            if isinstance(color_type, str):
                if color_type not in _CV2_FLAGS:
                    raise ValueError(
                        f'LoadImage: color_type must be one of '
                        f'{tuple(_CV2_FLAGS)} (or an int cv2.IMREAD_* flag), '
                        f'got {color_type!r}')
            elif not isinstance(color_type, int) or isinstance(color_type, bool):
                raise TypeError(f'LoadImage: color_type must be a str or an '
                                f'int flag, got {color_type!r}')
        elif color_type not in _CV2_FLAGS:
            raise ValueError(f'LoadImage: color_type must be one of '
                             f'{tuple(_CV2_FLAGS)}, got {color_type!r}')
        elif imdecode_backend == 'turbojpeg':
            _turbojpeg()
            if color_type not in ('color', 'grayscale'):
                raise ValueError("LoadImage(imdecode_backend='turbojpeg') "
                                 "supports color_type 'color' or 'grayscale', "
                                 f'got {color_type!r}')
        elif imdecode_backend == 'tifffile':
            _import_tifffile()
        if backend_args is not None and not isinstance(backend_args, dict):
            raise TypeError(f'LoadImage: backend_args must be a dict or None, '
                            f'got {backend_args!r}')
        if file_client_args is not None:
            if backend_args is not None:
                raise ValueError('LoadImage: give backend_args or the deprecated '
                                 'file_client_args, not both')
            warnings.warn('LoadImage: "file_client_args" will be deprecated in '
                          'future. Please use "backend_args" instead',
                          DeprecationWarning)
        self.file_client_args = (None if file_client_args is None
                                 else dict(file_client_args))
        self.to_float32 = to_float32
        self.color_type = color_type
        self.imdecode_backend = imdecode_backend
        self.backend_args = None if backend_args is None else dict(backend_args)
        self.ignore_empty = ignore_empty

    def transform(self, results: Dict[str, Any]) -> Optional[Dict[str, Any]]:
        """Fill ``img``, ``img_shape``, ``ori_shape``; None when the file
        cannot be read and ``ignore_empty``."""
        if 'img' in results:
            img = results['img']
            if not isinstance(img, np.ndarray):
                raise TypeError(
                    f'LoadImage: results["img"] must be a numpy array, got '
                    f'{type(img).__name__} (sample {describe_sample(results)})')
            results.setdefault('img_path', None)
        else:
            img = self._load(results)
            if img is None:
                return None
        if self.to_float32:
            img = img.astype(np.float32)
        results['img'] = img
        results['img_shape'] = img.shape[:2]
        results['ori_shape'] = img.shape[:2]
        return results

    def _load(self, results: Dict[str, Any]) -> Optional[np.ndarray]:
        if 'img_path' not in results:
            raise KeyError(f'LoadImage needs results["img_path"] (or '
                           f'results["img"]); sample {describe_sample(results)}')
        path = results['img_path']
        try:
            if self.file_client_args is not None:
                content = fileio.FileClient.infer_client(
                    self.file_client_args, path).get(path)
            else:
                content = fileio.get(path, backend_args=self.backend_args)
            img = _DECODERS[self.imdecode_backend](content, self.color_type)
        except Exception as err:
            # as MMPose: unreadable files and decoder errors (an empty file)
            # are what ignore_empty skips
            if self.ignore_empty:
                return None
            message = (f'LoadImage could not read {path!r} (sample '
                       f'{describe_sample(results)}): {err}')
            try:
                error = type(err)(message)
            except Exception:
                error = OSError(message)
            error.unreadable_path = path  # datasets may skip it (see posecore.data_faults)
            raise error from err
        if img is None:
            error = ValueError(
                f'LoadImage could not decode {path!r} (sample '
                f'{describe_sample(results)}) with {self.imdecode_backend!r}: '
                'the file is not an image or is corrupt')
            error.unreadable_path = path
            raise error
        return img

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(ignore_empty={self.ignore_empty}, '
                f'to_float32={self.to_float32}, '
                f'color_type={self.color_type!r}, '
                f'imdecode_backend={self.imdecode_backend!r}, '
                f'backend_args={self.backend_args})')
