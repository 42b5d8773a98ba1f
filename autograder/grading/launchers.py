"""How the engine starts the student's side of the wall: one warm fork server per grading
process, behind the isolation that `isolation.choose` picked, asked for one child per submission.

`spawn(request_fd, reply_fd, stdout, stderr, workdir=None)` returns a process handle with
`pid`, `kill()` (kills it and all it started) and `wait()` (kills it too, and returns its exit
status).
"""
import atexit
import fcntl
import json
import os
import shutil
import socket
import stat
import subprocess
import sys
import tempfile
import threading
from collections import deque
from dataclasses import asdict, dataclass
from pathlib import Path

from autograder.grading import isolation as walls
from autograder.grading.isolation import SandboxUnavailable  # noqa: F401 (the CLI catches it from here)
from autograder.sandbox.prctl import die_with_parent

SANDBOX_PACKAGE = Path(__file__).resolve().parent.parent / "sandbox"
INSIDE_KIT = "/opt/rnn-kit"  # where the sandbox package appears inside bubblewrap
THREADS_ENV = {"OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1",
               "PYTHONHASHSEED": "0", "PYTHONDONTWRITEBYTECODE": "1", "MPLBACKEND": "Agg"}
MAX_FILES, MAX_FILES_BYTES = 200, 64 << 20  # of the submission folder copied into the sandbox


@dataclass(frozen=True)
class Limits:
    """What one submission may use. Memory is on top of what the warm server already maps."""

    memory_bytes: int = 4 << 30
    cpu_seconds: int = 600
    processes: int = 64
    file_bytes: int = 64 << 20  # any one file, the student's stdout and stderr included
    open_files: int = 256
    scratch_bytes: int = 512 << 20  # the sandbox's /tmp (a sized tmpfs)


def kit_copy():
    """A folder holding only `autograder/__init__.py` and `autograder/sandbox/`: all the kit the
    sandbox gets (the editable install would otherwise point into the repository)."""
    root = Path(tempfile.mkdtemp(prefix="rnn-sandbox-kit-"))
    package = root / "autograder"
    package.mkdir()
    (package / "__init__.py").write_text('"""The sandbox\'s view of the kit: the worker only."""\n')
    shutil.copytree(SANDBOX_PACKAGE, package / "sandbox", ignore=shutil.ignore_patterns("__pycache__"))
    for path in [root, *root.rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)
    return root


# -- the warm fork server --
class ForkedChild:
    def __init__(self, launcher, pid, generation):
        self.launcher, self.pid, self.generation = launcher, pid, generation
        self.status = None
        self.done = False  # asked to end
        self.settled = False  # its end confirmed, status known

    def kill(self):
        """Ask the server to end it and all it started; do not wait for the server to finish."""
        if not self.done:
            self.done = True
            self.launcher._kill(self)

    def wait(self):
        # The reply pipe is closed, so the child is ending or useless: end it for sure.
        self.kill()
        self.launcher._settle(self)
        return self.status


class ForkServerLauncher:
    """One warm server per grading process; `sandbox` is "auto", "bwrap" (required) or "none"."""

    name = "forkserver"

    def __init__(self, sandbox=None, limits=None, uid=None, announce=True):
        self.limits = limits or Limits()
        self.sandbox = walls.mode(sandbox)
        self.uid = uid
        self.announce = announce
        self.server = None
        self.control = None
        self.generation = 0
        self.lock = threading.Lock()
        # Children asked to end whose end the server has not confirmed yet. The server answers
        # requests in order, so it has finished a kill before it forks the next child.
        self.unsettled = deque()
        self.kit_root = None
        self.scratch_dir = None  # on the host: the scratch (none) or the empty root (namespaces)
        self.uid_lock = self.claimed_uid = None
        self.isolation = None  # an isolation.Isolation, once started
        self.info = {}

    # -- life of the server --
    def start(self):
        self.isolation = walls.choose(self.sandbox)  # SandboxUnavailable: refuse, say why
        parent_end, server_end = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        uid = (self.uid if self.uid is not None else self._claim_uid()) if self.isolation.own_uid else None
        config = {"limits": asdict(self.limits), "uid": uid}
        command, env = self._command(config)
        if uid is None:
            config["nproc_base"] = tasks_of(os.getuid()) + 256  # the grader's own, and a margin
        command += ["-m", "autograder.sandbox.forkserver", str(server_end.fileno()), json.dumps(config)]
        # The server dies with this process, however it dies; what it started dies with it
        # (bwrap and unshare end their pid namespace; each child has a death signal too).
        self.server = subprocess.Popen(command, stdin=subprocess.DEVNULL, pass_fds=(server_end.fileno(),),
                                       env=env, start_new_session=True, preexec_fn=die_with_parent)
        server_end.close()
        self.control = parent_end
        self.control.settimeout(120)
        try:
            self.info = json.loads(self.control.recv(1 << 16) or b"{}")
        except (OSError, ValueError):
            self.info = {}
        self.control.settimeout(None)
        if not self.info.get("ready"):
            code = self.server.poll()
            self.close()
            raise RuntimeError(f"the grading sandbox did not start (exit status {code}): "
                               f"{self.info.get('error', 'no word from it')}")
        self.generation += 1
        if self.announce:
            warn = "" if self.isolation.kind == "bwrap" else "WARNING: "
            print(f"{warn}grading sandbox: {self.describe()}", file=sys.stderr, flush=True)
        atexit.register(self.close)

    def describe(self):
        return self.isolation.words(self.limits)

    def _command(self, config):
        """The command line before `-m autograder.sandbox.forkserver`, and its environment."""
        kind = self.isolation.kind
        if kind == "none":
            self.scratch_dir = tempfile.mkdtemp(prefix="rnn-sandbox-")
            os.chmod(self.scratch_dir, 0o711)
            config["scratch"] = self.scratch_dir
            return [sys.executable], {**os.environ, **THREADS_ENV}
        config["scratch"] = "/tmp/work"
        self.kit_root = kit_copy()
        env = {"PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8", **THREADS_ENV,
               "HOME": "/tmp", "MPLCONFIGDIR": "/tmp/mpl"}
        if kind == "namespaces":
            self.scratch_dir = tempfile.mkdtemp(prefix="rnn-sandbox-root-")
            config["jail"] = {"root": self.scratch_dir, "plan": walls.root_plan(),
                              "tmp_bytes": self.limits.scratch_bytes}
            return ["unshare", *walls.NAMESPACES, "--", sys.executable], {**env, "PYTHONPATH": str(self.kit_root)}
        # The tmpfs first: a venv under /tmp (a checkout in /tmp, as CI may make) is bound on
        # top of it, not hidden by it.
        command = ["bwrap", *walls.bwrap_namespace_args(), "--clearenv",
                   "--size", str(self.limits.scratch_bytes), "--perms", "1777", "--tmpfs", "/tmp",
                   *walls.bwrap_binds(walls.root_plan()), "--proc", "/proc", "--dev", "/dev",
                   "--perms", "0755", "--dir", os.path.dirname(INSIDE_KIT),
                   "--ro-bind", str(self.kit_root), INSIDE_KIT, "--chdir", "/tmp"]
        for key, value in {**env, "PYTHONPATH": INSIDE_KIT}.items():
            command += ["--setenv", key, value]
        return [*command, "--", sys.executable], None

    def _claim_uid(self):
        """A uid no other grading process on this machine uses: the kill after each submission
        sweeps every process of that uid, so two servers must never share one."""
        if self.uid_lock is None:
            start = os.getpid() % 4000
            for offset in range(4000):
                uid = 61000 + (start + offset) % 4000
                handle = open(os.path.join(tempfile.gettempdir(), f"rnn-sandbox-uid-{uid}.lock"), "a")
                try:
                    fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except OSError:
                    handle.close()
                    continue
                self.uid_lock, self.claimed_uid = handle, uid  # held (flock) while this process lives
                break
        return self.claimed_uid

    def close(self):
        self.unsettled.clear()  # the server kills what is left when the control socket closes
        if self.control is not None:
            self.control.close()
            self.control = None
        if self.server is not None:
            try:
                self.server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.server.pid, 9)
                self.server.wait()
            self.server = None
        for attr in ("kit_root", "scratch_dir"):
            if getattr(self, attr) is not None:
                shutil.rmtree(getattr(self, attr), ignore_errors=True)
                setattr(self, attr, None)

    def _ask(self, message, fds=()):
        for attempt in range(2):
            if self.server is None or self.server.poll() is not None:
                self.close()
                self.start()
            try:
                self._collect()
                self._send(message, fds)
                return self._receive()
            except (OSError, RuntimeError):
                # Where the sandbox shares a uid with its server (bubblewrap without root), the
                # last submission may have killed it, and its wrapper not yet exited: a fresh one.
                if attempt:
                    raise
                self.close()

    def _send(self, message, fds=()):
        socket.send_fds(self.control, [json.dumps(message).encode()], list(fds))

    def _receive(self):
        reply = self.control.recv(1 << 16)
        if not reply:
            raise RuntimeError("the grading sandbox's fork server died")
        return json.loads(reply)

    # -- children --
    def spawn(self, request_fd, reply_fd, stdout, stderr, workdir=None):
        files, left_out = submission_files(workdir) if workdir else ([], False)
        try:
            with self.lock:
                fds = [request_fd, reply_fd, stdout.fileno(), stderr.fileno(), *(fd for fd, _ in files)]
                reply = self._ask({"op": "fork", "files": [name for _, name in files]}, fds)
        finally:
            for fd, _ in files:
                os.close(fd)
        if "pid" not in reply:
            raise RuntimeError(f"the grading sandbox could not start a worker: {reply.get('error')}")
        child = ForkedChild(self, reply["pid"], self.generation)
        child.left_out = left_out
        return child

    def _kill(self, child):
        # Not waited for: a child's exit (a torch-sized address space to unmap) and the sweep
        # for strays take milliseconds the grader can spend on the next submission instead.
        with self.lock:
            if child.generation != self.generation or self.server is None:
                child.settled = True  # its server is gone, and it with it (--die-with-parent, killpg)
                return
            try:
                self._send({"op": "kill", "pid": child.pid})
                self.unsettled.append(child)
            except OSError:
                child.settled = True

    def _collect(self):
        """Read the server's answers to earlier kills (under self.lock)."""
        while self.unsettled:
            child = self.unsettled.popleft()
            child.settled = True
            try:
                child.status = self._receive().get("status")
            except (OSError, RuntimeError, ValueError):
                self.unsettled.clear()
                return

    def _settle(self, child):
        with self.lock:
            if not child.settled and child.generation == self.generation and self.server is not None:
                self._collect()

    def settle(self):
        """Return once every child asked to end has ended, with all it started."""
        with self.lock:
            if self.server is not None:
                self._collect()


def tasks_of(uid):
    """Threads of every process of `uid`: what RLIMIT_NPROC counts."""
    total = 0
    for entry in os.listdir("/proc"):
        try:
            if entry.isdigit() and os.stat(f"/proc/{entry}").st_uid == uid:
                total += len(os.listdir(f"/proc/{entry}/task"))
        except OSError:
            pass
    return total


def submission_files(folder):
    """(fd, relative name) of the regular files in the submission's folder, opened read-only
    without following links (a symlink to gradebook.db must not carry it into the sandbox), and
    whether some were left out for the limits."""
    folder = Path(folder)
    found, total, left_out = [], 0, False
    stack = [folder]
    while stack:
        directory = stack.pop()
        try:
            entries = sorted(os.scandir(directory), key=lambda e: e.name)
        except OSError:
            continue
        for entry in entries:
            if entry.name.startswith(".") or entry.name == "__pycache__" or entry.is_symlink():
                continue
            if entry.is_dir(follow_symlinks=False):
                stack.append(Path(entry.path))
                continue
            if len(found) >= MAX_FILES:
                return found, True
            try:
                fd = os.open(entry.path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
            except OSError:
                continue
            info = os.fstat(fd)
            if not stat.S_ISREG(info.st_mode) or total + info.st_size > MAX_FILES_BYTES:
                os.close(fd)
                left_out |= stat.S_ISREG(info.st_mode)
                continue
            total += info.st_size
            found.append((fd, os.path.relpath(entry.path, folder)))
    return found, left_out


# -- the process-wide default --
_default = {}


def default_launcher(sandbox=None):
    """The launcher grade_notebook uses when given none: one warm server per process (and mode)."""
    sandbox = walls.mode(sandbox)
    key = (os.getpid(), sandbox)  # a forked or spawned grading process starts its own
    if key not in _default:
        _default[key] = ForkServerLauncher(sandbox=sandbox, announce=False)
    return _default[key]


def isolation_summary(sandbox=None, limits=None):
    """What isolation a run will have, said before it starts; SandboxUnavailable if none will do."""
    return walls.choose(sandbox).words(limits or Limits())
