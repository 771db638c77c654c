"""Checks tools/torch_blas.py's decisions on the libraries a process can have mapped (run by src-main/cli.test.ts,
or directly: /usr/bin/python3 tools/torch_blas_test.py). Needs only the stdlib."""

import os
import types
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import torch_blas  # noqa: E402

MAPS = """7f00-7f01 r-xp 00000000 08:01 1 /usr/lib/x86_64-linux-gnu/{lib}
7f02-7f03 r-xp 00000000 08:01 2 /usr/lib/x86_64-linux-gnu/libc.so.6
7f04-7f05 rw-p 00000000 00:00 0
"""


class Classify(unittest.TestCase):
    def test_openblas_is_named_by_its_own_symbol(self):
        paths = torch_blas.loaded_libraries(MAPS.format(lib='openblas-pthread/libblas.so.3'))
        self.assertEqual(paths, ['/usr/lib/x86_64-linux-gnu/openblas-pthread/libblas.so.3'])
        self.assertEqual(torch_blas.classify(paths, {paths[0]: {'openblas_get_config'}})[0], 'openblas')

    def test_netlib_reference_blas_is_refused(self):
        paths = torch_blas.loaded_libraries(MAPS.format(lib='blas/libblas.so.3'))
        kind, path = torch_blas.classify(paths, {paths[0]: set()})
        self.assertEqual(kind, 'reference')
        info = {'kind': kind, 'library': path, 'reference': True}
        self.assertIn('reference BLAS', torch_blas.refusal(info))
        self.assertIn('libopenblas0-pthread', torch_blas.refusal(info))

    def test_mkl_and_optimised_blas_are_not_refused(self):
        paths = torch_blas.loaded_libraries(MAPS.format(lib='libmkl_rt.so.2'))
        self.assertEqual(torch_blas.classify(paths, {paths[0]: {'mkl_get_version_string'}})[0], 'mkl')
        self.assertIsNone(torch_blas.refusal({'kind': 'mkl', 'library': paths[0], 'reference': False}))

    def test_overrides_are_cleared_unless_kept(self):
        os.environ.pop('OPENBLAS_L2_SIZE', None)
        os.environ['OPENBLAS_CORETYPE'] = 'Haswell'
        os.environ.pop(torch_blas.KEEP_VAR, None)
        self.assertEqual(torch_blas.clear_blas_overrides(), {'OPENBLAS_CORETYPE': 'Haswell'})
        self.assertNotIn('OPENBLAS_CORETYPE', os.environ)
        os.environ['OPENBLAS_CORETYPE'] = 'Haswell'
        os.environ[torch_blas.KEEP_VAR] = '1'
        torch_blas.clear_blas_overrides()
        self.assertEqual(os.environ['OPENBLAS_CORETYPE'], 'Haswell')
        del os.environ['OPENBLAS_CORETYPE'], os.environ[torch_blas.KEEP_VAR]

    def test_malloc_keeps_freed_memory_unless_asked_not_to(self):
        calls = []

        def mallopt(param, value):  # records the calls instead of changing this test process's allocator
            calls.append((param, value))
            return 1

        def FakeLibc():
            return types.SimpleNamespace(mallopt=mallopt)
        os.environ.pop(torch_blas.MALLOC_VAR, None)
        self.assertEqual(torch_blas.keep_freed_memory(FakeLibc()), 'kept')
        self.assertEqual(calls, list(torch_blas.MALLOC_SETTINGS))
        os.environ[torch_blas.MALLOC_VAR] = 'default'
        calls.clear()
        self.assertEqual(torch_blas.keep_freed_memory(FakeLibc()), 'default')
        self.assertEqual(calls, [])
        del os.environ[torch_blas.MALLOC_VAR]

    def test_malloc_settings_are_accepted_by_this_glibc(self):
        self.assertEqual(torch_blas.keep_freed_memory(), 'kept')


if __name__ == '__main__':
    unittest.main(verbosity=2)
