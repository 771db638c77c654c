"""PyTorch at its best, and said so: the one place where the scripts that time or train PyTorch beside Sequence Studio
(bench_pytorch.py, pytorch_curve.py) prepare its BLAS and report which one it ran with.

Why: some machines set OPENBLAS_CORETYPE (e.g. Haswell) and OPENBLAS_L2_SIZE for old OpenBLAS builds. They make a
modern OpenBLAS pick older kernels: measured on this project's 2-core AMD EPYC (Zen 4), PyTorch's B configuration ran
12.0k tok/s with them vs 16.6k with both unset. And Debian's torch without libopenblas0-pthread runs on the reference
BLAS at ~5 GFLOP/s, which flatters every comparison 10–15×. So, before torch is imported:
    clear_blas_overrides()   removes both variables (unless SEQSTUDIO_KEEP_BLAS_ENV=1: the bench's second run, which
                             times PyTorch under the caller's settings too and compares against the faster)
and after it:
    keep_freed_memory()      tells glibc's malloc to keep freed memory instead of returning it to the system (mallopt:
                             trim threshold 1 GiB, top pad 64 MiB, mmap threshold 32 MiB, its maximum; unless
                             SEQSTUDIO_PYTORCH_MALLOC=default). PyTorch frees and reallocates its activations on every
                             step; with glibc's defaults each large block is a fresh mmap, and every page of it a
                             page fault. Measured on this project's VM (2026-12-07, whose page faults had become
                             costly): D 20.5 → 10.1 ms/step, 284,000 → 37,700 minor faults in a run; see the README.
    blas_info()              which BLAS is loaded (from /proc/self/maps), its version/config string, core name and
                             thread count through OpenBLAS's own openblas_get_config / openblas_get_corename /
                             openblas_get_num_threads (ctypes), and whether it is a reference BLAS.
    REFUSED_EXIT (4)         the exit code of a script that refuses to time PyTorch on a reference BLAS.
"""

import ctypes
import os

SLOWING_VARS = ('OPENBLAS_CORETYPE', 'OPENBLAS_L2_SIZE')
MALLOC_VAR = 'SEQSTUDIO_PYTORCH_MALLOC'
# glibc's mallopt parameters (malloc.h) and the values set: freed memory stays in the heap for the next step.
M_TRIM_THRESHOLD, M_TOP_PAD, M_MMAP_THRESHOLD = -1, -2, -3
MALLOC_SETTINGS = ((M_TRIM_THRESHOLD, 1 << 30), (M_TOP_PAD, 64 << 20), (M_MMAP_THRESHOLD, 32 << 20))
KEEP_VAR = 'SEQSTUDIO_KEEP_BLAS_ENV'
REFUSED_EXIT = 4


def clear_blas_overrides():
    """Unsets the variables that slow OpenBLAS; returns what the caller had set ({name: value}), for the report."""
    had = {v: os.environ[v] for v in SLOWING_VARS if v in os.environ}
    if os.environ.get(KEEP_VAR) != '1':
        for v in had:
            del os.environ[v]
    return had


_malloc_state = 'default'  # what keep_freed_memory did, for blas_info's report


def keep_freed_memory(libc=None):
    """Sets glibc's malloc to keep freed memory (MALLOC_SETTINGS) before torch allocates; returns what was done, for the
    report: 'kept' (all three set), 'default' (asked for with SEQSTUDIO_PYTORCH_MALLOC=default), or why not."""
    global _malloc_state
    if os.environ.get(MALLOC_VAR) == 'default':
        _malloc_state = 'default'
        return _malloc_state
    try:
        mallopt = (libc or ctypes.CDLL('libc.so.6')).mallopt
    except (OSError, AttributeError):
        _malloc_state = 'not glibc: left as it is'
        return _malloc_state
    mallopt.argtypes, mallopt.restype = (ctypes.c_int, ctypes.c_int), ctypes.c_int
    failed = [param for param, value in MALLOC_SETTINGS if mallopt(param, value) != 1]
    _malloc_state = 'kept' if not failed else f'mallopt refused parameter(s) {failed}'
    return _malloc_state


def loaded_libraries(maps_text=None):
    """Paths of the shared libraries mapped into this process whose names speak of BLAS, LAPACK or MKL."""
    if maps_text is None:
        try:
            with open('/proc/self/maps') as f:
                maps_text = f.read()
        except OSError:
            return []
    paths = []
    for line in maps_text.splitlines():
        parts = line.split()
        if len(parts) >= 6 and parts[-1].startswith('/'):
            name = os.path.basename(parts[-1]).lower()
            if ('blas' in name or 'lapack' in name or 'mkl' in name) and parts[-1] not in paths:
                paths.append(parts[-1])
    return paths


def classify(paths, symbols):
    """What kind of BLAS a process runs on, from its mapped libraries and the symbols found in them.
    symbols: {path: set of exported names among openblas_get_config, mkl_get_version_string}."""
    for p in paths:
        if 'openblas_get_config' in symbols.get(p, ()):
            return 'openblas', p
    for p in paths:
        if 'mkl_get_version_string' in symbols.get(p, ()):
            return 'mkl', p
    for p in paths:
        if os.path.basename(p).startswith(('libblas.so', 'libcblas.so')):
            return 'reference', p  # netlib's libblas (Debian's /usr/lib/<arch>/blas/), no optimised kernels
    return 'unknown', paths[0] if paths else ''


def _string_call(lib, name):
    fn = getattr(lib, name, None)
    if fn is None:
        return None
    fn.restype = ctypes.c_char_p
    v = fn()
    return v.decode('utf-8', 'replace').strip() if v else None


def blas_info(torch=None):
    """{'kind', 'library', 'config', 'core', 'threads', 'reference', 'callerOverrides'} for this process (call it after
    importing torch, which loads the BLAS). callerOverrides: the slowing variables the caller had set (and whether
    they were kept)."""
    paths = loaded_libraries()
    libs, symbols = {}, {}
    for p in paths:
        try:
            libs[p] = ctypes.CDLL(p)
        except OSError:
            continue
        symbols[p] = {n for n in ('openblas_get_config', 'mkl_get_version_string') if hasattr(libs[p], n)}
    kind, path = classify(paths, symbols)
    info = {'kind': kind, 'library': path, 'config': None, 'core': None, 'threads': None, 'reference': kind == 'reference'}
    if kind == 'openblas':
        lib = libs[path]
        info['config'] = _string_call(lib, 'openblas_get_config')
        info['core'] = _string_call(lib, 'openblas_get_corename')
        if hasattr(lib, 'openblas_get_num_threads'):
            info['threads'] = int(lib.openblas_get_num_threads())
    elif kind == 'mkl':
        buf = ctypes.create_string_buffer(256)
        try:
            libs[path].mkl_get_version_string(buf, 256)
            info['config'] = buf.value.decode('utf-8', 'replace').strip()
        except Exception:  # noqa: BLE001 - a report, not a requirement
            pass
    if torch is not None:
        info['torch'] = torch.__version__
        info['torchThreads'] = torch.get_num_threads()
    info['overridesKept'] = os.environ.get(KEEP_VAR) == '1'
    info['overrides'] = {v: os.environ.get(v) for v in SLOWING_VARS if os.environ.get(v) is not None}
    info['malloc'] = _malloc_state
    return info


def describe(info):
    """One line for a person: 'OpenBLAS 0.3.21 … (core Cooperlake, 1 thread)'."""
    if info['kind'] == 'unknown':
        return f'an unrecognised BLAS ({info["library"] or "none found"})'
    name = info['config'] or info['library']
    extra = []
    if info.get('core'):
        extra.append(f'core {info["core"]}')
    if info.get('threads') is not None:
        extra.append(f'{info["threads"]} BLAS thread{"s" if info["threads"] != 1 else ""}')
    if info.get('overrides'):
        extra.append('with ' + ' '.join(f'{k}={v}' for k, v in info['overrides'].items()))
    if info.get('malloc') == 'kept':
        extra.append('malloc keeps freed memory')
    elif info.get('malloc'):
        extra.append(f'malloc {info["malloc"]}')
    return name + (f' ({", ".join(extra)})' if extra else '')


def refusal(info):
    """The message for a reference BLAS, or None when the BLAS is fit to compare against."""
    if not info['reference']:
        return None
    return (f'PyTorch is running on the reference BLAS ({info["library"]}): its figures would be 10-15x too slow, so '
            'no comparison is made. Install an optimised one: apt-get install libopenblas0-pthread')
