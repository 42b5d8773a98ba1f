"""Which wall stands between the grader and a student's code: chosen once, said plainly.

Three kinds, strongest first:
- `bwrap`: bubblewrap. Own pid, mount, network, IPC and UTS namespaces; a read-only system;
  no repository, gradebook or other students. As root, a uid of its own; without root, a
  user namespace (the grader's uid outside, but nothing of the grader's in sight).
- `namespaces`: no bubblewrap, but root. util-linux `unshare` gives the same namespaces, the
  fork server builds the same root itself (sandbox/jail.py) and its children drop to a uid of
  their own.
- `none`: no wall at all, the grader's own uid; only when asked for (`--sandbox none`).
Anything else is refused with one line that says what is missing and how to fix it.
"""
import os
import shutil
import stat
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

NAMESPACES = ["--pid", "--fork", "--kill-child", "--mount", "--net", "--ipc", "--uts"]
FIX = "install bubblewrap (apt-get install bubblewrap), or pass --sandbox none to accept the risk"


class SandboxUnavailable(RuntimeError):
    """No sandbox that keeps the grader safe can run here: grading is refused."""


@dataclass(frozen=True)
class Isolation:
    kind: str  # "bwrap", "namespaces" or "none"
    own_uid: bool  # student code runs under a uid that is not the grader's
    own_pids: bool  # it sees and can signal only the processes of its own sandbox
    hides_course: bool  # no repository, gradebook, other students or grader's home in sight
    no_network: bool

    def words(self, limits):
        """The banner: exactly what is in force."""
        limit_text = (f"limits: {limits.memory_bytes >> 20} MiB memory, {limits.cpu_seconds} s CPU, "
                      f"{limits.processes} processes, {limits.file_bytes >> 20} MiB per file")
        if self.kind == "none":
            return ("NO SANDBOX (--sandbox none): student code runs as you, can read and write every file "
                    "you can, sees and can signal your processes, and may use the network; "
                    f"processes it leaves behind may outlive the run; {limit_text}")
        how = "bubblewrap" if self.kind == "bwrap" else "namespaces without bubblewrap (unshare, chroot)"
        uid = ("a uid of its own" if self.own_uid
               else "a user namespace of its own (your uid outside it)")
        return (f"{how}: {uid}; its own process namespace (sees and signals only its own processes); "
                "no network; read-only system; private /tmp; no repository, gradebook or other "
                f"students; {limit_text}")


def mode(sandbox=None):
    """The sandbox asked for: as given, else $RNN_GRADE_SANDBOX (set once for every run of a
    shell, as the kit's own tests do where no wall can be had), else "auto"."""
    return sandbox or os.environ.get("RNN_GRADE_SANDBOX") or "auto"


def choose(sandbox=None):
    """The Isolation for `sandbox` ("auto", "bwrap" or "none"), or SandboxUnavailable."""
    sandbox = mode(sandbox)
    if sandbox == "none":
        return Isolation("none", False, False, False, False)
    problem = bwrap_problem()
    if problem is None:
        root = os.geteuid() == 0
        return Isolation("bwrap", own_uid=root, own_pids=True, hides_course=True, no_network=True)
    if sandbox == "bwrap":
        raise SandboxUnavailable(f"refusing to grade without a sandbox: {problem}")
    fallback = namespaces_problem()
    if fallback is not None:
        raise SandboxUnavailable(f"refusing to grade: {problem}, and {fallback}; {FIX}")
    return Isolation("namespaces", own_uid=True, own_pids=True, hides_course=True, no_network=True)


# -- probes, once per process --
_probes = {}


def _probe(key, find):
    if key not in _probes:
        _probes[key] = find()
    return _probes[key]


def bwrap_problem():
    """None if bubblewrap can run a sandbox here, else why not."""
    def find():
        path = shutil.which("bwrap")
        if path is None:
            return "bubblewrap (bwrap) is not installed"
        return _runs([path, *bwrap_namespace_args(), "--ro-bind", "/", "/", "--proc", "/proc",
                      "--dev", "/dev", "--", "/bin/true"], "bwrap cannot create a sandbox here")
    return _probe("bwrap", find)


def namespaces_problem():
    """None if the namespace fallback can run here, else why not."""
    def find():
        if os.geteuid() != 0:
            return ("without root the kit cannot give student code a uid and process namespace "
                    "of its own")
        if shutil.which("unshare") is None:
            return "util-linux's unshare is missing"
        unreadable = [p for p in python_prefixes() if not readable_by_others(p)]
        if unreadable:
            return f"Python's files in {unreadable[0]} are not readable by other users"
        return _runs(["unshare", *NAMESPACES, "--", "/bin/true"], "unshare cannot create namespaces here")
    return _probe("namespaces", find)


def _runs(command, what):
    try:
        run = subprocess.run(command, capture_output=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired) as error:
        return f"{what}: {error}"
    return None if run.returncode == 0 else f"{what}: {run.stderr.decode(errors='replace').strip()}"


def bwrap_namespace_args():
    args = ["--unshare-net", "--unshare-pid", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try",
            "--die-with-parent", "--new-session", "--hostname", "sandbox"]
    if os.geteuid() != 0:
        args.insert(0, "--unshare-user")  # unprivileged bwrap needs a user namespace
    return args


# -- the root a sandbox sees --
def python_prefixes():
    return sorted({sys.prefix, sys.base_prefix,
                   os.path.dirname(os.path.dirname(os.path.realpath(sys.executable)))})


def readable_by_others(folder):
    """Can another uid read the folder itself (what is above it is made searchable in the sandbox)?"""
    try:
        mode = os.stat(folder).st_mode
    except OSError:
        return False
    return bool(mode & stat.S_IROTH and mode & stat.S_IXOTH)


def root_plan():
    """The read-only system the sandbox sees: /usr, /etc, the interpreter and the venv, no more.
    Steps ("ro", path), ("symlink", target, path), ("dir", path), in order."""
    plan = []
    for top in ("/usr", "/etc", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"):
        if os.path.islink(top):
            plan.append(("symlink", os.readlink(top), top))
        elif os.path.isdir(top):
            plan.append(("ro", top))
    made = set()
    for prefix in python_prefixes():
        if not any(prefix.startswith(top + "/") for top in ("/usr", "/etc", "/bin", "/lib")):
            # The folders above a bind would otherwise be root's only (bwrap) or missing (jail):
            # open them up, or the student's uid cannot import anything not yet imported.
            for parent in reversed(Path(prefix).parents[:-1]):
                if str(parent) not in made:
                    made.add(str(parent))
                    plan.append(("dir", str(parent)))
            plan.append(("ro", prefix))
    return plan


def bwrap_binds(plan):
    args = []
    for kind, *paths in plan:
        if kind == "ro":
            args += ["--ro-bind", paths[0], paths[0]]
        elif kind == "symlink":
            args += ["--symlink", *paths]
        elif kind == "dir":
            args += ["--perms", "0755", "--dir", paths[0]]
    return args
