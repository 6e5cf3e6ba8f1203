"""xtcocotools whose compiled mask module was built against numpy 1.x (its
Python 3.11 wheel under numpy 2): keypoint evaluation still works through
the stand-in, mask ops raise an error naming the rebuild command. The
failure is simulated in a subprocess by an import hook."""
from __future__ import annotations

import subprocess
import sys
import textwrap

from pose_plugin_coco.xtcocotools_compat import (REBUILD_COMMAND,
                                                 is_numpy_abi_error,
                                                 xtcocotools_status)

ABI_HOOK = '''
import importlib.abc, importlib.machinery, sys
class BrokenMask(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Fails to import {name} as a numpy 1.x build does under numpy 2."""
    def find_spec(self, name, path=None, target=None):
        if name == {name!r}:
            return importlib.machinery.ModuleSpec(name, self)
    def create_module(self, spec):
        return None
    def exec_module(self, module):
        raise {error}
sys.meta_path.insert(0, BrokenMask())
'''
DTYPE_ERROR = ("ValueError('numpy.dtype size changed, may indicate binary "
               "incompatibility. Expected 96 from C header, got 88 from "
               "PyObject')")


def run_python(code: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, '-c', textwrap.dedent(code),
                           *args], capture_output=True, text=True,
                          timeout=300)


def test_status_with_a_working_build():
    ok, message = xtcocotools_status()
    assert ok, message
    assert 'compiled mask module' in message


def test_abi_errors_are_recognised():
    assert is_numpy_abi_error(ValueError('numpy.dtype size changed, may '
                                         'indicate binary incompatibility'))
    assert is_numpy_abi_error(ImportError('numpy.core.multiarray failed to '
                                          'import'))
    assert not is_numpy_abi_error(ValueError('bad value'))
    assert not is_numpy_abi_error(ModuleNotFoundError('numpy'))


def test_stand_in_when_the_binary_does_not_match_numpy(coco_ann_file):
    hook = ABI_HOOK.format(name='xtcocotools._mask', error=DTYPE_ERROR)
    code = hook + '''
import contextlib, io, json, warnings
import numpy as np
from pose_plugin_coco.xtcocotools_compat import (
    REBUILD_COMMAND, XtcocotoolsBuildError, import_cocoeval,
    xtcocotools_status)

ok, message = xtcocotools_status()
assert not ok and REBUILD_COMMAND in message and 'stand-in' in message, message
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter('always')
    COCO, COCOeval = import_cocoeval()
    import_cocoeval()
runtime = [w for w in caught if issubclass(w.category, RuntimeWarning)]
assert len(runtime) == 1, [str(w.message) for w in caught]
assert REBUILD_COMMAND in str(runtime[0].message)
assert not xtcocotools_status()[0]

import xtcocotools.mask as mask
try:
    mask.iou([], [], [])
except XtcocotoolsBuildError as exc:
    assert REBUILD_COMMAND in str(exc) and 'numpy 1.x' in str(exc), exc
else:
    raise SystemExit('mask.iou did not raise')

# keypoint evaluation works: ground truth as predictions scores 1.0
from posecore.registry import METRICS
ann_file = sys.argv[1]
db = json.load(open(ann_file))
metric = METRICS.build(dict(type='CocoMetric', ann_file=ann_file))
metric.dataset_meta = dict(num_keypoints=17, sigmas=np.array(
    [.026, .025, .025, .035, .035, .079, .079, .072, .072, .062, .062,
     .107, .107, .087, .087, .089, .089], np.float32))
samples = []
for ann in db['annotations']:
    kp = np.array(ann['keypoints']).reshape(1, -1, 3)
    samples.append(dict(id=ann['id'], img_id=ann['image_id'],
                        gt_instances=dict(bbox_scores=np.ones(1)),
                        pred_instances=dict(keypoints=kp[..., :2],
                                            keypoint_scores=kp[..., 2])))
metric.process([], samples)
with contextlib.redirect_stdout(io.StringIO()):
    results = metric.evaluate(len(samples))
assert set(results.values()) == {1.0}, results
print('STAND-IN OK')
'''
    proc = run_python(code, str(coco_ann_file))
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert 'STAND-IN OK' in proc.stdout


def test_missing_xtcocotools_is_named():
    hook = ABI_HOOK.format(
        name='xtcocotools',
        error="ModuleNotFoundError(\"No module named 'xtcocotools'\", "
              "name='xtcocotools')")
    code = hook + '''
from pose_plugin_coco.xtcocotools_compat import (import_cocoeval,
                                                 xtcocotools_status)
ok, message = xtcocotools_status()
assert not ok and 'not installed' in message, message
try:
    import_cocoeval()
except ModuleNotFoundError as exc:
    assert 'pip install xtcocotools' in str(exc), exc
else:
    raise SystemExit('no error')
print('MISSING OK')
'''
    proc = run_python(code)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert 'MISSING OK' in proc.stdout


def test_rebuild_command_is_the_documented_one():
    assert REBUILD_COMMAND == ('pip install --no-build-isolation --no-binary '
                               'xtcocotools --force-reinstall xtcocotools')
