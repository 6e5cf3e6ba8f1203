"""The machine a benchmark ran on: CPU model, cores, instruction-set flags,
memory, load, software versions and date, as one dict (JSON) and one line.

Every figure in ``benchmarks/`` is printed beside this, since a ratio means
little without the CPU (AVX-512 and VNNI change oneDNN's kernels) and the
load of a possibly shared machine.
"""
from __future__ import annotations

import datetime
import os
import platform
import subprocess
from pathlib import Path
from typing import Any, Dict, Optional

#: the MMPose 1.3.2 environment benchmarks run MMPose's side in (how to build it:
#: ../shared/anchor/README.md); POSECORE_ANCHOR_VENV names another
ANCHOR_VENV = os.environ.get('POSECORE_ANCHOR_VENV', '/tmp/anchor-venv')
ANCHOR_PYTHON = os.path.join(ANCHOR_VENV, 'bin', 'python')

#: the flags that change which kernels NumPy, OpenCV and oneDNN run
ISA_FLAGS = ('sse4_2', 'avx', 'avx2', 'fma', 'avx512f', 'avx512bw', 'avx512vl',
             'avx512_vnni', 'avx_vnni', 'avx512_bf16', 'amx_tile', 'amx_bf16',
             'amx_int8')


def _cpuinfo() -> tuple[str, list[str]]:
    model, flags = platform.processor() or platform.machine(), set()
    try:
        for line in Path('/proc/cpuinfo').read_text().splitlines():
            key, _, value = line.partition(':')
            if key.strip() == 'model name':
                model = value.strip()
            elif key.strip() == 'flags' and not flags:
                flags = set(value.split())
    except OSError:
        pass
    return model, [f for f in ISA_FLAGS if f in flags]


def _memory_gib() -> Optional[float]:
    try:
        for line in Path('/proc/meminfo').read_text().splitlines():
            if line.startswith('MemTotal:'):
                return round(int(line.split()[1]) / 2**20, 1)
    except OSError:
        pass
    return None


def _versions() -> Dict[str, str]:
    versions = {'python': platform.python_version()}
    # imported here: the CLI scripts that only want the CPU line stay light
    from importlib import metadata
    for dist in ('torch', 'numpy', 'opencv-python', 'opencv-python-headless',
                 'mmengine', 'posecore'):
        try:
            versions[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            pass
    return versions


def has_mmpose(python: Optional[str]) -> bool:
    """Whether ``python`` exists and imports mmpose (the anchor side can run)."""
    return bool(python) and os.path.exists(python) and subprocess.run(
        [python, '-c', 'import mmpose'], capture_output=True).returncode == 0


def anchor_version(python: Optional[str]) -> Optional[str]:
    """MMPose's version in the anchor environment, or None without it."""
    if not python or not os.path.exists(python):
        return None
    script = ('from importlib import metadata\n'
              'for d in ("mmpose", "torch", "mmcv", "mmcv-lite", "mmengine"):\n'
              '    try: print(d, metadata.version(d))\n'
              '    except metadata.PackageNotFoundError: pass\n')
    proc = subprocess.run([python, '-c', script], capture_output=True, text=True)
    found = dict(line.split() for line in proc.stdout.splitlines())
    if proc.returncode or 'mmpose' not in found:
        return None
    rest = ', '.join(f'{d} {v}' for d, v in found.items() if d != 'mmpose')
    return f'mmpose {found["mmpose"]} ({rest})'


def describe(anchor_python: Optional[str] = None,
             torch_capability: bool = False) -> Dict[str, Any]:
    """The machine and software of this run, JSON-ready; with ``torch_capability``
    (which imports torch) also the kernels torch picked for this CPU (``AVX2``, ...)."""
    model, flags = _cpuinfo()
    load = os.getloadavg() if hasattr(os, 'getloadavg') else (float('nan'),) * 3
    info = dict(cpu=model, cores=os.cpu_count(), isa=flags,
                memory_gib=_memory_gib(), load=[round(x, 2) for x in load],
                versions=_versions(), anchor=anchor_version(anchor_python),
                date=datetime.datetime.now(datetime.timezone.utc)
                .strftime('%Y-%m-%d %H:%M UTC'))
    if torch_capability:
        import torch
        info['torch_cpu_capability'] = getattr(torch.backends.cpu, 'get_cpu_capability',
                                               lambda: '?')()
    return info


def one_line(info: Dict[str, Any]) -> str:
    """``describe()`` as the header line the scripts print."""
    versions = ', '.join(f'{k} {v}' for k, v in info['versions'].items())
    torch_isa = (f'torch CPU capability {info["torch_cpu_capability"]}, '
                 if 'torch_cpu_capability' in info else '')
    return (f'{info["cpu"]}, {info["cores"]} cores, ISA {" ".join(info["isa"]) or "?"}, '
            f'{torch_isa}{info["memory_gib"]} GiB, load {" ".join(map(str, info["load"]))}; '
            f'{versions}; anchor: {info["anchor"] or "absent"}; {info["date"]}')


if __name__ == '__main__':
    print(one_line(describe(ANCHOR_PYTHON)))
