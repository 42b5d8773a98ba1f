"""A root of its own for the fork server, where bubblewrap is missing but we are root.

The grader starts the server under util-linux `unshare` with new pid, mount, network, IPC and
UTS namespaces. Before it imports torch, the server calls `enter(jail)`: it builds a small
root on a tmpfs, much as bubblewrap would (read-only system and Python, a private /tmp, a
minimal /dev, its own /proc) and chroots into it. The repository, the gradebook, the other
submissions and the grader's home are simply not there. The children then drop to a uid of
their own, without which a chroot could be left.

`plan` is a list of steps, the same that become bubblewrap's arguments elsewhere:
("ro", path) binds a host path read-only at the same place; ("symlink", target, path);
("dir", path) makes an empty, world-searchable folder.
"""
import ctypes
import os

from autograder.sandbox.prctl import libc

MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC = 1, 2, 4, 8
MS_REMOUNT, MS_BIND, MS_REC = 32, 4096, 16384
DEVICES = ("null", "zero", "full", "random", "urandom")


def mount(source, target, fstype, flags, data=None):
    encode = lambda text: None if text is None else os.fsencode(text)  # noqa: E731
    if libc().mount(encode(source), encode(target), encode(fstype), ctypes.c_ulong(flags),
                    encode(data)) != 0:
        errno = ctypes.get_errno()
        raise OSError(errno, f"mount {source} on {target}: {os.strerror(errno)}")


def bind_read_only(source, target):
    if os.path.isdir(source):
        os.makedirs(target, 0o755, exist_ok=True)
    else:
        os.makedirs(os.path.dirname(target), 0o755, exist_ok=True)
        open(target, "a").close()
    mount(source, target, None, MS_BIND | MS_REC)
    mount(None, target, None, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV)


def enter(jail):
    """Build the root under jail["root"] (an empty folder) and chroot into it."""
    root = jail["root"]
    inside = lambda path: os.path.join(root, path.lstrip("/"))  # noqa: E731
    mount("tmpfs", root, "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755,size=16m")
    # The scratch first: a venv under /tmp (a checkout in /tmp) is bound on top of it, not hidden.
    os.makedirs(inside("/tmp"))
    mount("tmpfs", inside("/tmp"), "tmpfs", MS_NOSUID | MS_NODEV, f"mode=1777,size={jail['tmp_bytes']}")
    for kind, *args in jail["plan"]:
        if kind == "ro":
            bind_read_only(args[0], inside(args[0]))
        elif kind == "symlink":
            os.symlink(args[0], inside(args[1]))
        elif kind == "dir":
            os.makedirs(inside(args[0]), 0o755, exist_ok=True)
            os.chmod(inside(args[0]), 0o755)
    make_dev(inside("/dev"))
    os.makedirs(inside("/proc"))
    mount("proc", inside("/proc"), "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC)
    os.chdir(root)
    os.chroot(".")
    os.chdir("/")


def make_dev(dev):
    os.makedirs(dev)
    mount("tmpfs", dev, "tmpfs", MS_NOSUID, "mode=0755,size=64k")
    for name in DEVICES:
        bind_device(f"/dev/{name}", os.path.join(dev, name))
    os.makedirs(os.path.join(dev, "shm"))
    mount("tmpfs", os.path.join(dev, "shm"), "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777,size=64m")
    for name, target in (("fd", "/proc/self/fd"), ("stdin", "/proc/self/fd/0"),
                         ("stdout", "/proc/self/fd/1"), ("stderr", "/proc/self/fd/2")):
        os.symlink(target, os.path.join(dev, name))


def bind_device(source, target):
    # Writable: writing to /dev/null is how programs discard output.
    open(target, "a").close()
    mount(source, target, None, MS_BIND)
