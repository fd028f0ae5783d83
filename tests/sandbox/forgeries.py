"""Programs that forge their own pass: every one returns or prints a WRONG answer and reaches into the
judge to have it counted as right. Each worked against the harnesses as they were before issue 11
(``old_harness/``, which judged inside the program's interpreter); none may pass today's verifier.

Each entry: ``(name, technique, problem, code)``; ``problem`` is one of ``PROBLEMS``' keys.
"""

from __future__ import annotations

# evalplus-style problems: (dataset, entry_point, atol, base inputs, plus inputs, base expected, plus expected)
PROBLEMS = {
    "add": ("humaneval", "add", 0, [[1, 2], [3, 4]], [[10, -5]], [3, 7], [5]),
    "find_zero": ("humaneval", "find_zero", 1e-6, [[[-1, 1]], [[-6, 11, -6, 1]]], [[[2, -3, 1]]], [1.0, 1.0], [1.0]),
    # LiveCodeBench: a stdin problem (print a + b) and a call-based one (Solution().addAll(xs, k))
    "lcb_stdin": ("lcb", None, 0, ["1 2\n", "3 4\n"], [], ["3\n", "7\n"], []),
    "lcb_call": ("lcb", "addAll", 0, ["[1, 2, 3]\n1", "[]\n5"], [], ["[2, 3, 4]", "[]"], []),
}

_EMIT_FROM_FRAMES = """
def _forge():
    f = sys._getframe(1)
    while f is not None:
        loc = f.f_locals
        if callable(loc.get('emit')) and isinstance(loc.get('task'), dict):
            loc['emit']({'done': loc['task']['nonce'], 'n': len(loc['task']['inputs'])})
            os._exit(0)
        f = f.f_back
"""

_NONCE_FROM_GC = """
def _task():
    for o in gc.get_objects():
        if isinstance(o, dict) and 'nonce' in o and 'inputs' in o:
            return o
"""

FORGERIES = [
    ("frames_report_pass", "frames", "add",
     "import os, sys\n" + _EMIT_FROM_FRAMES + "def add(a, b):\n    _forge()\n    return a - b\n"),
    ("frames_return_expected", "frames", "add",
     "import sys\ndef add(a, b):\n    f = sys._getframe(1)\n    while f is not None:\n"
     "        if isinstance(f.f_locals.get('expected'), list) and 'i' in f.f_locals:\n"
     "            return f.f_locals['expected'][f.f_locals['i']]\n        f = f.f_back\n    return a - b\n"),
    ("frames_patch_the_checker", "frames", "add",
     "import sys\ndef add(a, b):\n    f = sys._getframe(1)\n    while f is not None:\n"
     "        c = f.f_locals.get('checker')\n        if c is not None:\n            c.check = lambda *x, **k: True\n"
     "        f = f.f_back\n    return a - b\n"),
    ("gc_report_pass", "gc", "add",
     "import gc, os\n" + _NONCE_FROM_GC + "def add(a, b):\n    t = _task()\n"
     "    for o in gc.get_objects():\n        if callable(o) and getattr(o, '__name__', '') == 'emit':\n"
     "            o({'done': t['nonce'], 'n': len(t['inputs'])})\n            os._exit(0)\n    return a - b\n"),
    ("builtins_bool", "builtins", "add",
     "import builtins\nbuiltins.bool = lambda *a: True\ndef add(a, b):\n    return a - b\n"),
    ("builtins_abs_find_zero", "builtins", "find_zero",
     "import builtins\nbuiltins.abs = lambda x: 0\ndef find_zero(xs):\n    return 12345.0\n"),
    ("math_pow_find_zero", "module patching", "find_zero",
     "import math\nmath.pow = lambda *a: 0.0\ndef find_zero(xs):\n    return 12345.0\n"),
    ("json_dumps_reports_pass", "module patching", "add",
     "import gc, json\n" + _NONCE_FROM_GC + "_real = json.dumps\n"
     "def add(a, b):\n    t = _task()\n    json.dumps = lambda obj, *x, **k: _real({'done': t['nonce'], 'n': len(t['inputs'])})\n    return a - b\n"),
    ("exception_repr_reports_pass", "exception repr/str", "add",
     "import os, sys\n" + _EMIT_FROM_FRAMES + "class E(Exception):\n    def __repr__(self):\n        _forge()\n        return 'E'\n"
     "    __str__ = __repr__\ndef add(a, b):\n    raise E()\n"),
    ("inherited_descriptor", "inherited descriptors", "add",
     "import gc, json, os\n" + _NONCE_FROM_GC + "def add(a, b):\n    t = _task()\n"
     "    line = json.dumps({'done': t['nonce'], 'n': len(t['inputs'])}).encode() + b'\\n'\n"
     "    for fd in range(3, 256):\n        try:\n            os.write(fd, line)\n        except OSError:\n            pass\n    os._exit(0)\n"),
    ("fake_numpy_reads_expected", "fake modules", "add",
     "import sys, types\nnp = types.ModuleType('numpy')\nclass generic:\n    def item(self):\n"
     "        f = sys._getframe(1)\n        while f is not None:\n            if 'exp' in f.f_locals:\n                return f.f_locals['exp']\n"
     "            f = f.f_back\n        return -1\nclass ndarray(generic):\n    pass\ngeneric.__module__ = ndarray.__module__ = 'numpy'\n"
     "np.generic, np.ndarray = generic, ndarray\nsys.modules['numpy'] = np\ndef add(a, b):\n    return generic()\n"),
    ("lying_object_reads_expected", "lying objects", "find_zero",
     "import sys, types\nclass Liar(float):\n    def item(self):\n        f = sys._getframe(1)\n        while f is not None:\n"
     "            if 'inp' in f.f_locals and 'exp' in f.f_locals:\n                return f.f_locals['exp']\n            f = f.f_back\n        return 0.0\n"
     "Liar.__module__ = 'numpy'\nnp = types.ModuleType('numpy')\nnp.generic = Liar\nnp.ndarray = type(None)\nsys.modules['numpy'] = np\n"
     "def find_zero(xs):\n    return Liar(12345.0)\n"),
    ("lcb_stdin_frames_write_verdict", "frames", "lcb_stdin",
     "import json, os, sys\nf = sys._getframe(0)\nwhile f is not None:\n    loc = f.f_locals\n"
     "    if 'nonce' in loc and 'verdict_path' in loc:\n        json.dump({'nonce': loc['nonce'], 'n_tests': len(loc['inputs']), 'results': [True] * len(loc['inputs']), 'detail': ''}, open(loc['verdict_path'], 'w'))\n"
     "        os._exit(0)\n    f = f.f_back\nprint(0)\n"),
    ("lcb_stdin_gc_patch_comparator", "gc", "lcb_stdin",
     "import gc\nfor o in gc.get_objects():\n    if isinstance(o, dict) and 'compare_stdout' in o and '_tokens_equal' in o:\n"
     "        o['compare_stdout'] = lambda *a: True\nprint(0)\n"),
    ("lcb_call_builtins_bool", "builtins", "lcb_call",
     "import builtins\nbuiltins.bool = lambda *a: True\nclass Solution:\n    def addAll(self, xs, k):\n        return [0]\n"),
    ("lcb_call_frames_write_verdict", "frames", "lcb_call",
     "import json, os, sys\nclass Solution:\n    def addAll(self, xs, k):\n        f = sys._getframe(0)\n        while f is not None:\n"
     "            loc = f.f_locals\n            if 'nonce' in loc and 'verdict_path' in loc:\n"
     "                n = len(loc['inputs'])\n                json.dump({'nonce': loc['nonce'], 'n_tests': n, 'results': [True] * n, 'detail': ''}, open(loc['verdict_path'], 'w'))\n"
     "                os._exit(0)\n            f = f.f_back\n        return [0]\n"),
]
