"""The benchmark scripts, imported as ``make bench`` runs them."""
from __future__ import annotations

import importlib
import sys
from pathlib import Path
from types import ModuleType

BENCHMARKS = Path(__file__).resolve().parents[2] / 'benchmarks'


def load_script(name: str) -> ModuleType:
    """``benchmarks/<name>.py`` as a module (the scripts import their siblings by plain name)."""
    if str(BENCHMARKS) not in sys.path:
        sys.path.insert(0, str(BENCHMARKS))
    return importlib.import_module(name)
