"""The hostile programs of ``test_hostile.py``, each a HumanEval-style solution of ``add(a, b)``.

Two kinds. Attacks that would only pay off by forging a pass return a wrong answer (``a - b``)
and try to get it counted as right. Attacks on the sandbox itself (a syscall, a resource, a file
outside) return the RIGHT answer only if the attack worked, so a pass always means a hole. Every
one must get a non-pass verdict. Names starting with ``good`` are correct programs that also check
that nothing a hostile neighbour did is visible to them.
"""

from __future__ import annotations

BODY = "def add(a, b):\n    return a + b\n"
GOOD = 'def add(a, b):\n    """Return a + b."""\n    return a + b\n'

# A correct program that fails (raises) if anything of an earlier program is visible: files in the
# scratch space or /dev/shm, SysV IPC objects, POSIX message queues, a changed nice value or scheduler.
GOOD_AND_CLEAN = '''import os
def only_mounts(p):
    # a checkout or venv under the host's /tmp is bound read-only inside the scratch tmpfs
    if os.path.ismount(p):
        return True
    if os.path.islink(p) or not os.path.isdir(p):
        return False
    return all(only_mounts(os.path.join(p, n)) for n in os.listdir(p))
def add(a, b):
    here = [n for n in os.listdir('/tmp') if not n.endswith('.py') and not n.startswith('run-') and not only_mounts('/tmp/' + n)]
    assert not here, here
    assert os.listdir(os.getcwd()) == ['program.py'], os.listdir(os.getcwd())
    for d in ('/dev/shm', '/dev/mqueue'):
        if os.path.isdir(d):
            assert not os.listdir(d), (d, os.listdir(d))
    for kind in ('shm', 'sem', 'msg'):
        with open('/proc/sysvipc/' + kind) as fh:
            assert len(fh.read().splitlines()) == 1, kind
    assert os.sched_getscheduler(0) == os.SCHED_OTHER and os.getpriority(os.PRIO_PROCESS, 0) == 0
    return a + b
'''

SYSCALL = "import ctypes\nlibc = ctypes.CDLL(None, use_errno=True)\n"


def _if_works(test: str) -> str:
    """A program that returns the right answer only when ``test`` (an expression) is true."""
    return f"{SYSCALL}import os\ndef add(a, b):\n    try:\n        ok = bool({test})\n    except Exception:\n        ok = False\n    return a + b if ok else a - b\n"


FORGE_FOR_EVERYONE = """import gc, json, os, sys
def add(a, b):
    lines = b''
    for o in gc.get_objects():
        if isinstance(o, dict) and 'programs' in o:
            for p in o['programs']:
                lines += json.dumps({'p': p[0], 'ev': 'end', 'lines': [{'done': 1, 'n': 3}]}).encode() + b'\\n'
    lines += b'{"o": 3, "k": 0}\\n{"o": 7, "k": 0}\\n{"o": 5, "k": 0}\\n'
    for path in ('/proc/1/fd/1', '/proc/1/fd/0', '/proc/1/fd/2'):
        try:
            fd = os.open(path, os.O_WRONLY)
            os.write(fd, lines)
        except OSError:
            pass
    return a - b
"""


def hostile(canary: str, port: int) -> dict[str, str]:
    """Name -> program text; ``canary`` is a host file, ``port`` a loopback listener's port."""
    progs = {
        # ---------------------------------------------------------------- time
        "infinite_loop": "def add(a, b):\n    while True:\n        pass\n",
        "c_loop_ignores_signals": "def add(a, b):\n    return len(str(2 ** (10 ** 8))) * 0 + a + b\n",
        "itertools_product_c_loop": "import itertools\ndef add(a, b):\n    list(itertools.product(range(50), repeat=8))\n    return a + b\n",
        "module_level_loop": "while True:\n    pass\n" + BODY,
        "cancel_alarm_then_loop": "import signal\ndef add(a, b):\n    signal.signal(signal.SIGALRM, signal.SIG_IGN)\n    signal.setitimer(signal.ITIMER_REAL, 0)\n    while True:\n        pass\n",
        "stop_itself": "import os, signal\ndef add(a, b):\n    os.kill(os.getpid(), signal.SIGSTOP)\n    return a + b\n",
        "evil_exception_str": "class E(Exception):\n    def __str__(self):\n        while True:\n            pass\n    __repr__ = __str__\ndef add(a, b):\n    raise E()\n",
        # ---------------------------------------------------------------- processes
        "fork_bomb": "import os\ndef add(a, b):\n    while True:\n        try:\n            os.fork()\n        except OSError:\n            pass\n",
        "subprocess_storm": "import subprocess\ndef add(a, b):\n    ps = [subprocess.Popen(['sleep', '100']) for _ in range(500)]\n    return a + b\n",
        "thread_storm": "import threading, time\ndef add(a, b):\n    ts = []\n    for _ in range(2000):\n        t = threading.Thread(target=time.sleep, args=(30,), daemon=True)\n        t.start()\n        ts.append(t)\n    return a + b\n",
        "daemon_outlives_program": "import os, time\ndef add(a, b):\n    if os.fork() == 0:\n        os.setsid()\n        if os.fork() == 0:\n            for _ in range(600):\n                try:\n                    os.kill(-1, 9)\n                except OSError:\n                    pass\n                open('/tmp/planted', 'w').write('x')\n                time.sleep(0.01)\n        os._exit(0)\n    return a - b\n",
        "thread_writes_after_return": "import os, threading\ndef spam():\n    while True:\n        for fd in range(3, 64):\n            try:\n                os.write(fd, b'{\"o\": 5, \"k\": 0}\\n')\n            except OSError:\n                pass\ndef add(a, b):\n    threading.Thread(target=spam, daemon=True).start()\n    return a - b\n",
        # ---------------------------------------------------------------- memory
        "memory_bomb": "def add(a, b):\n    x = bytearray(10 ** 11)\n    return a + b\n",
        "memory_grow": "def add(a, b):\n    xs = []\n    while True:\n        xs.append(' ' * 10 ** 7)\n",
        "deep_recursion": "import sys\nsys.setrecursionlimit(10 ** 8)\ndef f(n):\n    return f(n + 1) + 1\ndef add(a, b):\n    return f(0)\n",
        "fork_memory_storm": "import os, time\ndef add(a, b):\n    kids = []\n    for _ in range(8):\n        pid = os.fork()\n        if pid == 0:\n            x = bytearray(300 << 20)\n            for i in range(0, len(x), 4096):\n                x[i] = 1\n            time.sleep(3)\n            os._exit(0)\n        kids.append(pid)\n    ok = all(os.waitpid(p, 0)[1] == 0 for p in kids)\n    return a + b if ok else a - b\n",
        "sysv_shm_hold": SYSCALL + "import os\ndef add(a, b):\n    libc.shmat.restype = ctypes.c_void_p\n    held = 0\n    for i in range(12):\n        sid = libc.shmget(0, 100 << 20, 0o1600)\n        if sid < 0:\n            break\n        addr = libc.shmat(sid, None, 0)\n        if addr in (None, ctypes.c_void_p(-1).value):\n            break\n        ctypes.memset(addr, 1, 100 << 20)\n        libc.shmdt(ctypes.c_void_p(addr))\n        held += 100\n    return a + b if held >= 1200 else a - b\n",
        "memfd_hold": "import os\ndef add(a, b):\n    fds = []\n    chunk = b'x' * (1 << 20)\n    for i in range(80):\n        fd = os.memfd_create('m%d' % i)\n        for _ in range(15):\n            os.write(fd, chunk)\n        fds.append(fd)\n    return a + b\n",
        "dev_shm_fill": "def add(a, b):\n    with open('/dev/shm/fill', 'wb') as f:\n        while True:\n            f.write(b'x' * (1 << 20))\n",
        # ---------------------------------------------------------------- output
        "huge_output": "import os\ndef add(a, b):\n    while True:\n        os.write(1, b'x' * 65536)\n        os.write(2, b'y' * 65536)\n",
        "print_flood": "def add(a, b):\n    while True:\n        print('x' * 10000)\n",
        "huge_return_value": "def add(a, b):\n    return 'x' * (200 << 20)\n",
        "line_over_the_cap": "def add(a, b):\n    return 'x' * (3 << 20)\n",
        "lines_over_the_total_cap": "import os\ndef add(a, b):\n    line = b'{\"o\": \"' + b'x' * (1 << 19) + b'\", \"k\": 0}\\n'\n    for fd in range(3, 64):\n        try:\n            for _ in range(64):\n                os.write(fd, line)\n        except OSError:\n            pass\n    return a - b\n",
        "nested_return_value": "def add(a, b):\n    x = []\n    for _ in range(5000):\n        x = [x]\n    return x\n",
        "self_containing_list": "def add(a, b):\n    x = []\n    x.append(x)\n    return x\n",
        "generator_return": "def add(a, b):\n    return (i for i in range(a + b))\n",
        "descriptor_spam": "import os\ndef add(a, b):\n    for fd in range(0, 1024):\n        for data in (b'{\"t\": 0, \"s\": []}\\n', b'[' * 5000 + b'\\n', b'\\xff\\xfe\\n', b'R\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\xff\\xff\\xff\\xff'):\n            try:\n                os.write(fd, data)\n            except OSError:\n                pass\n    return a - b\n",
        "nested_brackets_line": "import os\ndef add(a, b):\n    for fd in range(3, 64):\n        try:\n            os.write(fd, b'{\"o\": ' + b'[' * 5000 + b']' * 5000 + b', \"k\": 0}\\n')\n        except OSError:\n            pass\n    return a - b\n",
        "non_utf8_output": "import os, sys\ndef add(a, b):\n    os.write(1, b'\\xff\\xfe\\x00garbage\\n')\n    return str(a + b).encode('latin-1') + b'\\xff'\n",
        "close_every_fd": "import os\ndef add(a, b):\n    os.closerange(0, 1 << 16)\n    return a + b\n",
        # ---------------------------------------------------------------- files and the host
        "disk_fill": "def add(a, b):\n    with open('big', 'wb') as f:\n        while True:\n            f.write(b'x' * 10 ** 6)\n",
        "deep_directories": "import os\ndef add(a, b):\n    for root in ('.', '/tmp', '/dev/shm'):\n        fd = os.open(root, os.O_RDONLY)\n        for i in range(1100):\n            os.mkdir('d' * 200, dir_fd=fd)\n            nxt = os.open('d' * 200, os.O_RDONLY, dir_fd=fd)\n            os.close(fd)\n            fd = nxt\n        os.close(fd)\n    os.chmod('/tmp', 0)\n    return a - b\n",
        "many_files": "import os\ndef add(a, b):\n    for i in range(20000):\n        open('/tmp/f%d' % i, 'w').close()\n    os.symlink('/tmp', '/tmp/loop')\n    return a - b\n",
        "delete_canary": f"import os, shutil\ndef add(a, b):\n    try:\n        os.remove({canary!r})\n    except Exception:\n        pass\n    shutil.rmtree('/usr', ignore_errors=True)\n    return a + b + 1\n",
        "overwrite_canary": f"def add(a, b):\n    try:\n        open({canary!r}, 'w').write('pwned')\n    except Exception:\n        pass\n    try:\n        open('/usr/bin/env', 'w').write('pwned')\n    except Exception:\n        pass\n    return a - b\n",
        "read_env_secret": "import os\ndef add(a, b):\n    return os.environ['PASSK_TEST_SECRET']\n",
        "read_home": "import os\ndef add(a, b):\n    return os.listdir(os.path.expanduser('~root'))\n",
        # the interpreter's prefix and the venv are bound read-only at their host paths; nothing else of the host
        "sees_host_files": _if_works(f"any(os.path.exists(p) for p in ({canary!r}, '/work/shared', '/home/passk-ci', '/var/lib/docker')) or len(open('/etc/shadow').read()) > 0"),
        "proc_1_environ": _if_works("len(open('/proc/1/environ', 'rb').read()) >= 0"),
        "writes_outside_scratch": _if_works("open('/usr/passk_pwned', 'w').write('x') == 1"),
        "ctypes_system": "import ctypes\ndef add(a, b):\n    ctypes.CDLL(None).system(b'touch /tmp/../pwned_ctypes; echo hi > %s')\n    return a + b + 1\n" % canary,
        "execv_escape": "import os\ndef add(a, b):\n    os.execv('/bin/sh', ['sh', '-c', 'echo \\'{\"o\": 3, \"k\": 0}\\'; exit 0'])\n",
        "network_connect": f"import socket\ndef add(a, b):\n    s = socket.create_connection(('127.0.0.1', {port}), timeout=2)\n    s.sendall(b'leak')\n    return a + b\n",
        "network_udp": f"import socket\ndef add(a, b):\n    socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b'leak', ('127.0.0.1', {port}))\n    return a - b\n",
        # ---------------------------------------------------------------- the server and the neighbours
        "kill_parent": "import os, signal\ndef add(a, b):\n    os.kill(os.getppid(), 9)\n    os.kill(1, 9)\n    return a + b + 1\n",
        "kill_process_group": "import os\ndef add(a, b):\n    os.killpg(0, 9)\n    return a + b\n",
        "kill_all": "import os\ndef add(a, b):\n    try:\n        os.kill(-1, 9)\n    except Exception:\n        pass\n    return a * b\n",
        "stop_server": "import os, signal\ndef add(a, b):\n    for sig in (signal.SIGSTOP, signal.SIGTERM, signal.SIGINT, signal.SIGKILL):\n        try:\n            os.kill(1, sig)\n        except OSError:\n            pass\n    return a - b\n",
        "forge_for_everyone": FORGE_FOR_EVERYONE,
        "tamper_server_limits": "import ctypes, os, resource\ndef add(a, b):\n    try:\n        resource.prlimit(1, resource.RLIMIT_AS, (50 << 20, 50 << 20))\n    except Exception:\n        pass\n    try:\n        os.setpriority(os.PRIO_PROCESS, 1, 19)\n    except Exception:\n        pass\n    return a - b\n",
        "sched_idle_server": "import os\ndef add(a, b):\n    for pid in (1, 0):\n        try:\n            os.sched_setscheduler(pid, os.SCHED_IDLE, os.sched_param(0))\n        except OSError:\n            pass\n    return a - b\n",
        "ioprio_idle_server": SYSCALL + "def add(a, b):\n    libc.syscall(251, 1, 1, 3 << 13)\n    return a - b\n",
        "ptrace_server": "import ctypes\ndef add(a, b):\n    libc = ctypes.CDLL(None, use_errno=True)\n    libc.ptrace(16, 1, 0, 0)\n    try:\n        open('/proc/1/mem', 'rb').read(1)\n    except Exception:\n        pass\n    return a - b\n",
        "server_oom_score": _if_works("os.write(os.open('/proc/1/oom_score_adj', os.O_WRONLY), b'-1000') > 0"),
        "sysv_objects_left": SYSCALL + "def add(a, b):\n    libc.shmget(0x5a5a0001, 4096, 0o1666)\n    libc.semget(0x5a5a0002, 1, 0o1666)\n    libc.msgget(0x5a5a0003, 0o1666)\n    return a - b\n",
        "posix_mqueue_left": "import ctypes\ndef add(a, b):\n    rt = ctypes.CDLL('librt.so.1', use_errno=True)\n    rt.mq_open(b'/passk_hostile_q', 0o100 | 0o2, 0o666, None)\n    return a - b\n",
        "raise_own_limits": _if_works("__import__('resource').setrlimit(__import__('resource').RLIMIT_AS, (-1, -1)) is None"),
        # ---------------------------------------------------------------- the kernel (seccomp)
        "io_uring_setup": _if_works("libc.syscall(425, 8, ctypes.create_string_buffer(120)) >= 0"),
        "add_key": _if_works("libc.syscall(248, b'user', b'passk_hostile', b'x', 1, -3) >= 0"),
        "keyctl": _if_works("libc.syscall(250, 0, -3, 1) >= 0"),
        "ptrace_traceme": _if_works("libc.ptrace(0, 0, 0, 0) == 0"),
        "perf_event_open": _if_works("libc.syscall(298, ctypes.create_string_buffer(128), 0, -1, -1, 0) >= 0"),
        "bpf": _if_works("libc.syscall(321, 0, ctypes.create_string_buffer(64), 64) >= 0 or ctypes.get_errno() != 1"),
        "userfaultfd": _if_works("libc.syscall(323, 0) >= 0"),
        "unshare_user": _if_works("libc.unshare(0x10000000) == 0"),
        "unshare_net": _if_works("libc.unshare(0x40000000) == 0"),
        "clone_newuser": _if_works("libc.syscall(56, 0x10000000 | 17, 0, 0, 0, 0) >= 0"),
        "mount_tmpfs": _if_works("libc.mount(b'none', b'/tmp', b'tmpfs', 0, None) == 0"),
        "setns": _if_works("libc.setns(os.open('/proc/self/ns/net', os.O_RDONLY), 0) == 0"),
        # ---------------------------------------------------------------- statuses a program might choose
        "stderr_claims_bwrap": "import os, sys\nos.write(2, b\"bwrap: Can't fork for pid 1: Resource temporarily unavailable\\n\")\nsys.exit(1)\n" + BODY,
        "stderr_claims_memory": "import os, sys\ndef add(a, b):\n    os.write(2, b'MemoryError\\nCannot allocate memory\\n')\n    os._exit(1)\n",
        "sys_exit_0_module": "import sys\nsys.exit(0)\n" + BODY,
        "os_exit_0_module": "import os\nos._exit(0)\n" + BODY,
        "os_exit_0_in_call": "import os\ndef add(a, b):\n    os._exit(0)\n",
        "exit_builtin": "exit(0)\n",
        "input_in_function": "def add(a, b):\n    return int(input()) + a + b\n",
        "missing_entry_point": "def plus(a, b):\n    return a + b\n",
        "syntax_error": "def add(a, b) return a + b\n",
        # ---------------------------------------------------------------- forging a pass in the judge's interpreter
        "always_equal": "class E:\n    def __eq__(self, other):\n        return True\n    __hash__ = None\ndef add(a, b):\n    return E()\n",
        "int_subclass_eq": "class I(int):\n    def __eq__(self, other):\n        return True\n    __hash__ = int.__hash__\ndef add(a, b):\n    return I(0)\n",
        "list_subclass_eq": "class L(list):\n    def __eq__(self, other):\n        return True\ndef add(a, b):\n    return L([0])\n",
        "forge_report": "import os\nos.write(1, b'{\"done\": \"forged\", \"n\": 3}\\n')\n" + "def add(a, b):\n    return a - b\n",
        "frames_find_the_reporter": "import sys\ndef add(a, b):\n    f = sys._getframe(1)\n    while f is not None:\n        for name in ('send', 'emit'):\n            fn = f.f_locals.get(name)\n            if callable(fn):\n                try:\n                    fn({'done': 1, 'n': 3})\n                except Exception:\n                    pass\n        f = f.f_back\n    return a - b\n",
        "frames_read_expected": "import sys\ndef add(a, b):\n    f = sys._getframe(1)\n    while f is not None:\n        for key in ('expected', 'exp', 'task'):\n            v = f.f_locals.get(key)\n            if isinstance(v, dict) and 'expected' in v:\n                return v['expected'][0]\n            if isinstance(v, list) and v:\n                return v[0]\n        f = f.f_back\n    return a - b\n",
        "gc_find_the_task": "import gc\ndef add(a, b):\n    for o in gc.get_objects():\n        if isinstance(o, dict) and 'expected' in o:\n            return o['expected'][0]\n    return a - b\n",
        "patch_builtins": "import builtins, math\nbuiltins.bool = lambda *a: True\nbuiltins.abs = lambda x: 0\nbuiltins.isinstance = lambda *a: True\nmath.pow = lambda *a: 0.0\ndef add(a, b):\n    return a - b\n",
        "patch_json_dumps": "import json\n_real = json.dumps\ndef add(a, b):\n    json.dumps = lambda *x, **k: '{\"done\": 1, \"n\": 3}'\n    return a - b\n",
        "patch_the_encoder": "import sys\ndef add(a, b):\n    for m in list(sys.modules.values()):\n        if hasattr(m, 'encode') and hasattr(m, 'decode_line'):\n            m.encode = lambda *x, **k: 3\n            m.dumps = lambda *x, **k: '{\"o\": 3, \"k\": 0}'\n    return a - b\n",
        "fake_numpy": "import sys, types\nnp = types.ModuleType('numpy')\nclass generic:\n    def item(self):\n        return self\n    def __eq__(self, other):\n        return True\nclass ndarray(generic):\n    pass\nnp.generic, np.ndarray = generic, ndarray\nsys.modules['numpy'] = np\ngeneric.__module__ = ndarray.__module__ = 'numpy'\ndef add(a, b):\n    return generic()\n",
        "exception_repr_forges": "import os\nclass E(Exception):\n    def __repr__(self):\n        for fd in range(0, 64):\n            try:\n                os.write(fd, b'{\"o\": 3, \"k\": 0}\\n{\"done\": 1, \"n\": 3}\\n')\n            except OSError:\n                pass\n        return 'E'\n    __str__ = __repr__\ndef add(a, b):\n    raise E()\n",
        "lying_float": "class F(float):\n    def __eq__(self, other):\n        return True\n    __hash__ = float.__hash__\ndef add(a, b):\n    return F(0.0)\n",
        "nan_output": "def add(a, b):\n    return float('nan')\n",
    }
    return progs
