"""pose-plugin-topdown."""
