"""A hook module that fails at import: it must break only itself."""
raise RuntimeError('bad_hooks cannot start')
