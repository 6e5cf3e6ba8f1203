"""Versions of the distributions an export depends on, for the sidecar."""
from __future__ import annotations

from importlib import metadata

#: recorded in every sidecar (a missing one is recorded as None)
DISTRIBUTIONS = ('posecore', 'pose-plugin-onnx', 'pose-plugin-topdown', 'pose-plugin-hrnet',
                 'pose-plugin-heatmap-codecs', 'torch', 'onnx', 'onnxruntime', 'onnxscript')


def installed_versions(extra: tuple[str, ...] = ()) -> dict[str, str | None]:
    """``{distribution: version or None}`` of :data:`DISTRIBUTIONS` and ``extra``.

    :param extra: more distributions, e.g. the one providing the backbone.
    """
    found: dict[str, str | None] = {}
    for name in (*DISTRIBUTIONS, *extra):
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = None
    return found


def provider_of(obj: object) -> str | None:
    """The installed distribution that holds ``obj``'s class (e.g. the
    backbone's plugin), or None."""
    package = type(obj).__module__.split('.')[0]
    dists = metadata.packages_distributions().get(package) or []
    return dists[0] if dists else None
