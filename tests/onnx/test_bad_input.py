"""Bad input, each with one message naming what to fix: a checkpoint that
does not fit, an .onnx without its sidecar or for another input size, a graph
that does not compute what the model does, an operator without ONNX form."""
from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
import torch
import torch.nn as nn
from posecore.cli.main import main

from pose_plugin_onnx import OnnxPoseModel, export_onnx
from pose_plugin_onnx.errors import OnnxExportError, OnnxMismatchError, SidecarError

from .conftest import COCO_IMAGES, write_config


def test_a_checkpoint_that_does_not_fit_lists_the_keys(tmp_path, onnx_config, onnx_checkpoint,
                                                       capsys):
    state = torch.load(onnx_checkpoint, weights_only=True)
    state['head.extra.weight'] = torch.zeros(1)
    del state['head.final_layer.bias']
    bad = tmp_path / 'bad.pth'
    torch.save(state, bad)
    out = tmp_path / 'm.onnx'
    assert main(['export', str(onnx_config), str(bad), '--out', str(out)]) == 1
    err = capsys.readouterr().err
    assert 'missing keys: [head.final_layer.bias]' in err
    assert 'unexpected keys: [head.extra.weight]' in err
    assert list(tmp_path.iterdir()) == [bad]


def test_an_onnx_file_without_its_sidecar(tmp_path, exported, onnx_config, coco_dir, capsys):
    alone = tmp_path / 'alone.onnx'
    shutil.copy(exported, alone)
    with pytest.raises(SidecarError, match=r"has no sidecar: expected '.*alone\.onnx\.json' "
                                           r'beside it'):
        OnnxPoseModel(alone)
    assert main(['infer', str(onnx_config), str(coco_dir), '--onnx', str(alone),
                 '--out-dir', str(tmp_path / 'out')]) == 1
    assert 'alone.onnx.json' in capsys.readouterr().err


def test_an_onnx_file_for_another_input_size(tmp_path, exported, onnx_config, shared_dir):
    wide = write_config(tmp_path, shared_dir, 'wide.py', ("input_size=(96, 128)",
                                                          "input_size=(192, 256)"))
    with pytest.raises(SidecarError, match=r'exported for input 96x128 \(w x h\), but the '
                                           r"config's TopdownAffine input_size is 192x256"):
        OnnxPoseModel(exported, config=str(wide))
    model = OnnxPoseModel(exported, config=str(onnx_config))
    with pytest.raises(SidecarError, match=r'takes crops of \(N, 3, 128, 96\), got '
                                           r'\(1, 3, 256, 192\)'):
        model.run(torch.zeros(1, 3, 256, 192, dtype=torch.uint8).numpy())


def test_a_sidecar_of_another_export(tmp_path, exported):
    other = tmp_path / 'other.onnx'
    shutil.copy(exported, other)
    text = Path(f'{exported}.json').read_text().replace('"size": [\n   96,\n   128\n  ]',
                                                        '"size": [\n   64,\n   96\n  ]')
    assert '64' in text
    Path(f'{other}.json').write_text(text)
    with pytest.raises(SidecarError, match=r'describes an input .* of 64x96 .* takes '
                                           r"'images' of shape \['.*', 3, 128, 96\]: the "
                                           r'sidecar belongs to another export'):
        OnnxPoseModel(other)


class _TracesDifferently(nn.Module):
    """A backbone whose exported graph is not what it runs (as HRNet's
    in-place fast paths were under the TorchScript exporter)."""

    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3, stride=4, padding=1)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor]:
        y = self.conv(x)
        return (y * 1.5 if torch.onnx.is_in_onnx_export() else y, )


class _Unexportable(_TracesDifferently):
    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor]:
        y = self.conv(x)
        return (y + torch.linalg.eigvals(y[:, :1, :2, :2]).real.sum(), )




@pytest.mark.parametrize('backbone, error, message', [
    (_TracesDifferently, OnnxMismatchError,
     r"disagree on output 'heatmaps': max \|diff\| [\d.e+-]+, [\d.e+-]+ relative > 0.0001"),
    (_Unexportable, OnnxExportError,
     r"cannot export _Unexportable to ONNX: operator 'aten.linalg_eig' has no ONNX conversion"),
])
def test_a_graph_that_is_wrong_or_impossible_leaves_no_file(tmp_path, monkeypatch, onnx_config,
                                                            coco_dir, backbone, error, message):
    import pose_plugin_topdown.inference as inference

    build = inference.init_model
    monkeypatch.setattr(inference, 'init_model', lambda *a, **k: _with_backbone(
        build(*a, **k), backbone()))
    out_dir = tmp_path / 'out'
    out_dir.mkdir()
    with pytest.raises(error, match=message):
        export_onnx(str(onnx_config), None, out_dir / 'm.onnx',
                    image=coco_dir / COCO_IMAGES[0])
    assert list(out_dir.iterdir()) == []


def _with_backbone(model, backbone: nn.Module):
    model.backbone = backbone.eval()
    model.head.final_layer = nn.Conv2d(8, 17, 1).eval()
    return model


def test_bad_options(tmp_path, onnx_config, onnx_checkpoint, capsys):
    base = ['export', str(onnx_config), str(onnx_checkpoint)]
    assert main([*base, '--out', str(tmp_path / 'm.onnx'), '--int8']) == 2
    assert '--int8 needs --calib-images DIR' in capsys.readouterr().err
    assert main([*base, '--out', str(tmp_path / 'm.pth')]) == 2
    assert 'must end in .onnx' in capsys.readouterr().err
    assert main([*base, '--out', str(tmp_path / 'm.onnx'), '--input-size', '90', '128',
                 '--image', 'x.jpg']) == 2
    assert 'no whole heatmap size for 90' in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main([*base, '--out', str(tmp_path / 'm.onnx'), '--batch', 'zero'])
    assert list(tmp_path.iterdir()) == []


def test_infer_backend_options(tmp_path, onnx_config, onnx_checkpoint, coco_dir, capsys):
    image = str(coco_dir / COCO_IMAGES[0])
    cases = [
        (['--backend', 'onnxruntime'], '--backend onnxruntime needs --onnx FILE.onnx'),
        (['--backend', 'tensorrt', '--onnx', 'm.onnx'],
         "--backend tensorrt: no installed plugin provides it .*installed backends: pytorch, "
         "onnxruntime"),
    ]
    for extra, message in cases:
        assert main(['infer', str(onnx_config), image, *extra]) == 2
        assert re.search(message, capsys.readouterr().err)
    assert main(['infer', str(onnx_config), str(onnx_checkpoint), image,
                 '--onnx', 'm.onnx']) == 2
    assert 'leave out the checkpoint' in capsys.readouterr().err
    assert main(['infer', str(onnx_config), image, '--onnx', str(tmp_path / 'none.onnx'),
                 '--out-dir', str(tmp_path / 'out')]) == 1
    assert 'no ONNX model at' in capsys.readouterr().err
