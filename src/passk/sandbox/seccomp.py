"""A seccomp filter for sandboxed programs: deny the system calls no benchmark program needs.

Installed by the fork server in each program's process, after the fork and before any program
code runs (``install``), so it holds in every backend (bwrap, docker, process) and is inherited by
everything the program starts. A hand-built classic-BPF program (no libseccomp in the sandbox):

- a call from another ABI than the one this process runs (x32, or i386 through ``int 0x80`` on
  x86_64) kills the process, so a denied call cannot be reached under a different number;
- io_uring, keyrings, ptrace and cross-process memory access, perf events, bpf, userfaultfd,
  mount/namespace calls (``unshare``, ``setns``, mount API), kexec and modules, swap, reboot, acct,
  syslog, quotas, ``open_by_handle_at``, ``iopl``/``ioperm`` fail with EPERM;
- ``clone`` with any namespace flag fails with EPERM; ``clone3`` (whose flags sit in memory a
  filter cannot read) fails with ENOSYS, so the C library falls back to ``clone``.

Stdlib only: shipped into the sandbox as a file.
"""

import ctypes
import os
import struct

# classic BPF
_LD_W_ABS = 0x20
_JEQ_K = 0x15
_JSET_K = 0x45
_RET_K = 0x06
_RET_ALLOW = 0x7FFF0000
_RET_KILL_PROCESS = 0x80000000
_RET_ERRNO = 0x00050000
_EPERM, _ENOSYS = 1, 38
_PR_SET_NO_NEW_PRIVS = 38
_PR_SET_SECCOMP = 22
_SECCOMP_MODE_FILTER = 2
# every CLONE_NEW* flag: NEWTIME, NEWNS, NEWCGROUP, NEWUTS, NEWIPC, NEWUSER, NEWPID, NEWNET
_CLONE_NS = 0x00000080 | 0x00020000 | 0x02000000 | 0x04000000 | 0x08000000 | 0x10000000 | 0x20000000 | 0x40000000

# (audit arch, syscall numbers denied with EPERM, clone, clone3, mask of foreign numbers or 0)
ARCHES = {
    "x86_64": (
        0xC000003E,
        {
            "ptrace": 101, "syslog": 103, "pivot_root": 155, "acct": 163, "mount": 165, "umount2": 166,
            "swapon": 167, "swapoff": 168, "reboot": 169, "iopl": 172, "ioperm": 173, "init_module": 175,
            "delete_module": 176, "quotactl": 179, "kexec_load": 246, "add_key": 248, "request_key": 249,
            "keyctl": 250, "unshare": 272, "perf_event_open": 298, "open_by_handle_at": 304, "setns": 308,
            "process_vm_readv": 310, "process_vm_writev": 311, "finit_module": 313, "kexec_file_load": 320,
            "bpf": 321, "userfaultfd": 323, "io_uring_setup": 425, "io_uring_enter": 426,
            "io_uring_register": 427, "open_tree": 428, "move_mount": 429, "fsopen": 430, "fsconfig": 431,
            "fsmount": 432, "fspick": 433, "pidfd_getfd": 438, "mount_setattr": 442, "quotactl_fd": 443,
        },
        56,
        435,
        0x40000000,  # the x32 ABI's bit
    ),
    "aarch64": (
        0xC00000B7,
        {
            "umount2": 39, "mount": 40, "pivot_root": 41, "quotactl": 60, "acct": 89, "unshare": 97,
            "kexec_load": 104, "init_module": 105, "delete_module": 106, "syslog": 116, "ptrace": 117,
            "reboot": 142, "add_key": 217, "request_key": 218, "keyctl": 219, "swapon": 224, "swapoff": 225,
            "perf_event_open": 241, "open_by_handle_at": 265, "setns": 268, "process_vm_readv": 270,
            "process_vm_writev": 271, "finit_module": 273, "bpf": 280, "userfaultfd": 282,
            "kexec_file_load": 294, "io_uring_setup": 425, "io_uring_enter": 426, "io_uring_register": 427,
            "open_tree": 428, "move_mount": 429, "fsopen": 430, "fsconfig": 431, "fsmount": 432, "fspick": 433,
            "pidfd_getfd": 438, "mount_setattr": 442, "quotactl_fd": 443,
        },
        220,
        435,
        0,
    ),
}


def _insn(code, jt, jf, k):
    return struct.pack("=HBBI", code, jt, jf, k)


def program(machine=None):
    """The filter for this machine's architecture as bytes of ``struct sock_filter``.

    Raises OSError for an architecture without a table (the fork server then refuses to run
    programs: no filter, no sandbox).
    """
    machine = machine or os.uname().machine
    if machine not in ARCHES:
        raise OSError(f"no seccomp table for architecture {machine}")
    arch, denied, clone, clone3, foreign = ARCHES[machine]
    ins = []
    ins.append(_insn(_LD_W_ABS, 0, 0, 4))  # seccomp_data.arch
    ins.append(_insn(_JEQ_K, 1, 0, arch))
    ins.append(_insn(_RET_K, 0, 0, _RET_KILL_PROCESS))
    ins.append(_insn(_LD_W_ABS, 0, 0, 0))  # seccomp_data.nr
    if foreign:
        ins.append(_insn(_JSET_K, 0, 1, foreign))
        ins.append(_insn(_RET_K, 0, 0, _RET_KILL_PROCESS))
    for nr in sorted(set(denied.values())):
        ins.append(_insn(_JEQ_K, 0, 1, nr))
        ins.append(_insn(_RET_K, 0, 0, _RET_ERRNO | _EPERM))
    ins.append(_insn(_JEQ_K, 0, 1, clone3))
    ins.append(_insn(_RET_K, 0, 0, _RET_ERRNO | _ENOSYS))
    ins.append(_insn(_JEQ_K, 0, 3, clone))
    ins.append(_insn(_LD_W_ABS, 0, 0, 16))  # low half of args[0]: the flags
    ins.append(_insn(_JSET_K, 0, 1, _CLONE_NS))
    ins.append(_insn(_RET_K, 0, 0, _RET_ERRNO | _EPERM))
    ins.append(_insn(_RET_K, 0, 0, _RET_ALLOW))
    return b"".join(ins)


class _SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]


def install(machine=None):
    """Apply the filter to this thread's process (no_new_privs first, as the kernel requires)."""
    code = program(machine)
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong]
    if libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "PR_SET_NO_NEW_PRIVS failed")
    buf = ctypes.create_string_buffer(code, len(code))
    prog = _SockFprog(len(code) // 8, ctypes.cast(buf, ctypes.c_void_p))
    if libc.prctl(_PR_SET_SECCOMP, _SECCOMP_MODE_FILTER, ctypes.addressof(prog), 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "installing the seccomp filter failed")
