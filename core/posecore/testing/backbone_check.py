"""``check_backbone``: the contract every backbone in ``posecore.models`` keeps.

A backbone maps images ``(N, C, H, W)`` to feature maps: one 4-D tensor, or a
tuple/list of them (one per ``out_indices`` stage, as MMPose's backbones
return). The rules, each named in the :class:`ContractError` that breaks it:

- ``init_weights``: the module has ``init_weights()`` (mmengine's
  ``BaseModule``: the Runner calls it) and it runs;
- ``output shape``: 4-D tensors whose batch size is the input's;
- ``finite output`` / ``finite gradients``: no NaN or Inf in the output, nor
  in the gradient of any trainable parameter after a backward pass;
- ``gradient reaches every trainable parameter``: a parameter that gets no
  gradient is dead weight (or should be frozen with ``requires_grad=False``);
- ``state-dict round trip``: the state dict loads into a freshly built
  instance with ``strict=True`` and gives the same outputs in eval mode.
"""
from __future__ import annotations

from typing import Any, Mapping, Sequence

from posecore.testing.build import build_component
from posecore.testing.contract_error import ContractError, broken, component_name

CHECK = 'check_backbone'
#: largest output difference accepted after the state-dict round trip (float32 noise)
ROUND_TRIP_ATOL = 1e-5


def _outputs(cfg: Mapping[str, Any], out: Any, batch: int) -> list:
    import torch  # deferred: the kit's pytest plugin loads without torch

    outs = list(out) if isinstance(out, (tuple, list)) else [out]
    if not outs:
        broken(CHECK, cfg, 'output shape', 'forward returned an empty tuple; return one '
               '(N, C, H, W) tensor per out_indices stage')
    for i, o in enumerate(outs):
        if not isinstance(o, torch.Tensor):
            broken(CHECK, cfg, 'output shape', f'output {i} is a {type(o).__name__}, not a '
                   'tensor; return a tensor or a tuple of (N, C, H, W) tensors')
        if o.dim() != 4 or o.shape[0] != batch:
            broken(CHECK, cfg, 'output shape', f'output {i} has shape {tuple(o.shape)}; '
                   f'expected 4-D (N, C, H, W) with N = {batch}, the input batch size')
    return outs


def check_backbone(cfg: Mapping[str, Any],
                   input_shape: Sequence[int] = (2, 3, 64, 64)) -> Any:
    """Build the backbone ``cfg`` through ``MODELS`` and check its contract.

    :param cfg: the backbone config, e.g. ``dict(type='HRNet', extra=...)``.
    :param input_shape: ``(N, C, H, W)`` of the random input; use N >= 2
        (batch norm needs it in training mode).
    :returns: the built (and checked) module.
    :raises ContractError: naming the component and the broken rule.
    """
    import torch  # deferred: the kit's pytest plugin loads without torch

    torch.manual_seed(0)
    model = build_component('models', cfg)
    if not callable(getattr(model, 'init_weights', None)):
        broken(CHECK, cfg, 'init_weights', f'{type(model).__name__} has no init_weights(); '
               'derive from mmengine.model.BaseModule so the Runner can initialise it '
               '(init_cfg, pretrained weights)')
    try:
        model.init_weights()
    except Exception as exc:
        raise ContractError(f'{CHECK}: {component_name(cfg)!r} breaks the rule '
                            f"'init_weights': init_weights() raised "
                            f'{type(exc).__name__}: {exc}') from exc
    inputs = torch.randn(*input_shape)
    batch = int(input_shape[0])

    model.train()
    outs = _outputs(cfg, model(inputs), batch)
    for i, o in enumerate(outs):
        bad = int((~torch.isfinite(o)).sum())
        if bad:
            broken(CHECK, cfg, 'finite output', f'output {i} of shape {tuple(o.shape)} holds '
                   f'{bad} NaN/Inf value(s) for a standard-normal input {tuple(input_shape)}')
    trainable = [(n, p) for n, p in model.named_parameters() if p.requires_grad]
    if trainable:
        sum(o.float().pow(2).mean() for o in outs).backward()
    dead = [n for n, p in trainable if p.grad is None]
    if dead:
        broken(CHECK, cfg, 'gradient reaches every trainable parameter',
               f'{len(dead)} trainable parameter(s) got no gradient from the outputs: '
               f'{", ".join(dead[:5])}{" ..." if len(dead) > 5 else ""}; use them in '
               'forward or freeze them (requires_grad=False)')
    nonfinite = [n for n, p in trainable if not torch.isfinite(p.grad).all()]
    if nonfinite:
        broken(CHECK, cfg, 'finite gradients', f'NaN/Inf gradients in {len(nonfinite)} '
               f'parameter(s): {", ".join(nonfinite[:5])}{" ..." if len(nonfinite) > 5 else ""}')

    model.eval()
    fresh = build_component('models', cfg).eval()
    try:
        fresh.load_state_dict(model.state_dict(), strict=True)
    except RuntimeError as exc:
        broken(CHECK, cfg, 'state-dict round trip', f'the state dict does not load into a '
               f'freshly built instance with strict=True: {exc}')
    with torch.no_grad():
        expected = _outputs(cfg, model(inputs), batch)
        got = _outputs(cfg, fresh(inputs), batch)
    if len(expected) != len(got):
        broken(CHECK, cfg, 'state-dict round trip', f'a fresh instance returns {len(got)} '
               f'outputs, the checked one {len(expected)}')
    for i, (a, b) in enumerate(zip(expected, got)):
        err = float((a - b).abs().max()) if a.shape == b.shape else float('inf')
        if not err <= ROUND_TRIP_ATOL:
            broken(CHECK, cfg, 'state-dict round trip', f'output {i} differs by up to {err:.3g} '
                   f'(limit {ROUND_TRIP_ATOL:g}) after loading the state dict into a fresh '
                   'instance: some state is kept outside parameters and buffers')
    model.zero_grad(set_to_none=True)
    return model
