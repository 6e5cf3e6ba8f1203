"""pose-plugin-coco."""
