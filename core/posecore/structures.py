"""``PoseDataSample``: the interface between posecore's data, models and metrics.

Same field names as MMPose 1.x, so code and checkpoints move over unchanged:
``gt_instances`` / ``pred_instances`` (``InstanceData`` with ``keypoints``
(N, K, 2), ``keypoint_scores`` (N, K), ``keypoints_visible`` (N, K),
``bboxes`` (N, 4)...), ``gt_instance_labels`` (training targets per
instance, e.g. ``keypoint_weights``), ``gt_fields`` / ``pred_fields``
(``PixelData`` with e.g. ``heatmaps`` (K, H, W)).
"""
from __future__ import annotations

from mmengine.structures import BaseDataElement, InstanceData, PixelData


def _field(name: str, dtype: type, doc: str) -> property:
    private = f'_{name}'

    def getter(self):
        return getattr(self, private)

    def setter(self, value):
        self.set_field(value, private, dtype=dtype)

    def deleter(self):
        delattr(self, private)

    return property(getter, setter, deleter, doc)


class PoseDataSample(BaseDataElement):
    """Annotations and predictions of one image (or one top-down crop)."""

    gt_instances = _field('gt_instances', InstanceData, 'Ground-truth instances.')
    gt_instance_labels = _field('gt_instance_labels', InstanceData,
                                'Training targets per instance (e.g. keypoint_weights).')
    pred_instances = _field('pred_instances', InstanceData, 'Predicted instances.')
    gt_fields = _field('gt_fields', (PixelData, BaseDataElement),
                       'Ground-truth spatial fields (e.g. heatmaps).')
    pred_fields = _field('pred_fields', (PixelData, BaseDataElement),
                         'Predicted spatial fields (e.g. heatmaps).')
