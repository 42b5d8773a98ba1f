"""The few Linux process controls the wall relies on, through libc (Python has no wrapper).

Loaded at import, never in a freshly forked child: a child may only call them.
"""
import ctypes
import os
import signal

PR_SET_PDEATHSIG = 1
PR_SET_NO_NEW_PRIVS = 38
PR_SET_CHILD_SUBREAPER = 36

try:
    _libc = ctypes.CDLL(None, use_errno=True)
except OSError:  # not Linux: these controls are then missing, and the sandbox says so
    _libc = None


def _prctl(option, value):
    return _libc is not None and _libc.prctl(option, value, 0, 0, 0) == 0


def die_with_parent(parent_pid=None):
    """SIGKILL this process when its parent dies, however the parent dies (kill -9, the OOM
    killer). If the parent is already gone (`parent_pid` no longer our parent), die now."""
    _prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if parent_pid is not None and os.getppid() != parent_pid:
        os._exit(1)


def no_new_privs():
    """No setuid program (su, sudo, ping) can give this process or its children more rights."""
    return _prctl(PR_SET_NO_NEW_PRIVS, 1)


def become_subreaper():
    """Orphans of our children (a fork bomb's leaves) are re-parented to us, so we can reap them."""
    return _prctl(PR_SET_CHILD_SUBREAPER, 1)


def libc():
    return _libc
