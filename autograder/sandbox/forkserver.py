"""The warm start: one process imports numpy and torch once, then forks a worker per submission.

Started (inside the bubblewrap sandbox where there is one) as
`python -m autograder.sandbox.forkserver CONTROL_FD CONFIG_JSON`. The grader sends requests
on the control socket, a SOCK_SEQPACKET pair, one JSON message each:
- `fork`, with file descriptors attached: the worker's request and reply pipes, its stdout
  and stderr files, then read-only files of the submission's folder to copy into its scratch
  directory. The child drops to the sandbox's own uid, takes its limits and runs the worker.
- `kill`: kill that child and everything it started, reap it, and say how it ended.

The next child is forked ahead, while the grader is busy with the last one: a `fork` request
only hands it its descriptors. Until then it is the server's own copy, under the server's uid,
with nothing of any submission in it.

Forking is safe here because nothing has run a torch operation yet, and OMP_NUM_THREADS=1
keeps torch from starting thread pools: the server is single-threaded when it forks (see
PyTorch's notes on fork safety). Like worker.py, this imports nothing else from the kit.
"""
import gc
import json
import os
import resource
import shutil
import signal
import socket
import sys
import time

from autograder.sandbox import jail, prctl, warm, wire, worker  # noqa: F401 (imported before any jail)

MAX_FDS = 250  # SCM_RIGHTS carries at most 253 descriptors per message


def warm_up():
    """Import and run once what every submission would: children no longer pay for it."""
    warm.warm_torch()

    # What is imported now is shared with every child, page by page, until written to. A full
    # garbage collection in a child writes to every object it scans (tens of ms of copied
    # pages, per child): frozen objects are never scanned.
    gc.collect()
    gc.freeze()


class Server:
    def __init__(self, control, config):
        self.control = control
        self.config = config
        self.uid = config.get("uid")  # a uid of its own: limits and kills are per uid
        self.children = {}  # pid -> scratch directory
        self.exited = {}  # pid -> exit status, for children reaped before anyone asked

    def serve(self):
        self.spare = None  # (pid, socket): the next child, forked ahead, waiting for its request
        while True:
            if self.spare is None:
                self.spare = self.fork_spare()
            try:
                data, fds, _flags, _addr = socket.recv_fds(self.control, 1 << 16, MAX_FDS)
            except (ConnectionError, OSError):
                break
            if not data:
                break
            request = json.loads(data)
            try:
                if request["op"] == "fork":
                    reply = {"pid": self.fork(request, fds)}
                elif request["op"] == "kill":
                    reply = {"status": self.kill(request["pid"])}
                else:
                    reply = {"error": f"unknown op {request['op']!r}"}
            except Exception as error:  # the server must outlive any one request
                reply = {"error": f"{type(error).__name__}: {error}"}
            finally:
                for fd in fds:
                    os.close(fd)
            try:
                self.control.send(json.dumps(reply).encode())
            except OSError:  # the grader left without reading the answer to its last kill
                break
            self.reap_orphans()
        self.discard_spare()
        for pid in list(self.children):
            self.kill(pid)

    # -- one child per submission --
    def fork_spare(self):
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:
            code = 70
            try:
                ours.close()
                self.wait_for_request(theirs)
                code = 0
            except BaseException:  # noqa: B036 (nothing may escape a forked child but its exit)
                import traceback

                traceback.print_exc()
            finally:
                os._exit(code)
        theirs.close()
        return pid, ours

    def wait_for_request(self, channel):
        """In the spare: block until the server hands over a request, then become that child."""
        os.setsid()  # its own session from the start: a kill of any earlier child's group misses it
        self.control.close()
        data, fds, _flags, _addr = socket.recv_fds(channel, 1 << 16, MAX_FDS)
        if not data:
            return  # discarded
        channel.close()
        request = json.loads(data)
        self.child(request, fds, request["workdir"])

    def fork(self, request, fds):
        """Hand the request to the spare (a fresh one if it is gone); its pid."""
        workdir = os.path.join(self.config["scratch"], f"work-{time.monotonic_ns()}")
        os.mkdir(workdir, 0o700)
        for _ in range(2):
            pid, channel = self.spare or self.fork_spare()
            self.spare = None
            try:
                socket.send_fds(channel, [json.dumps({**request, "workdir": workdir}).encode()], fds)
            except OSError:  # it died waiting: reap it, try a fresh one
                self.end_spare(pid, channel)
                continue
            channel.close()
            self.children[pid] = workdir
            return pid
        shutil.rmtree(workdir, ignore_errors=True)
        raise RuntimeError("could not start a child")

    def discard_spare(self):
        if self.spare is not None:
            self.end_spare(*self.spare)
            self.spare = None

    def end_spare(self, pid, channel):
        channel.close()
        try:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
        except (ProcessLookupError, ChildProcessError):
            pass

    def child(self, request, fds, workdir):
        request_fd, reply_fd, out_fd, err_fd, *files = fds
        os.dup2(out_fd, 1)
        os.dup2(err_fd, 2)
        copy_files(files, request.get("files", []), workdir)
        limits = self.config["limits"]
        if self.uid is not None:
            for root, dirs, names in os.walk(workdir):
                for name in [*dirs, *names]:
                    os.lchown(os.path.join(root, name), self.uid, self.uid)
            os.chown(workdir, self.uid, self.uid)
        if self.uid is None:
            # Without a uid of its own the process limit counts the grader's processes too
            # (counted outside: a pid namespace hides them from us).
            limits = {**limits, "processes": limits["processes"] + self.config.get("nproc_base", 0)}
        set_limits(limits)
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGPIPE):
            signal.signal(sig, signal.SIG_DFL)
        # An output file past its size limit: the write fails (OSError) instead of killing us.
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        if self.uid is not None:
            os.setgroups([])
            os.setgid(self.uid)
            os.setuid(self.uid)
        prctl.no_new_privs()
        prctl.die_with_parent()  # should the server die, this child goes too
        os.chdir(workdir)
        os.environ.update(HOME=workdir, TMPDIR=workdir)
        low, high = sorted((request_fd, reply_fd))
        os.closerange(3, low)
        os.closerange(max(low + 1, 3), high)  # 0, 1 and 2 stay, whatever the pipes' numbers
        os.closerange(high + 1, 1024)
        from autograder.sandbox.worker import serve

        serve(os.fdopen(request_fd, "rb"), os.fdopen(reply_fd, "wb"))
        sys.stdout.flush()

    def kill(self, pid):
        """Kill the child, its group and every process of the sandbox's uid; reap; clean up."""
        for _ in range(50):
            stray = self.strays(pid)
            for victim in stray:
                try:
                    os.kill(victim, signal.SIGKILL)
                except (ProcessLookupError, PermissionError):
                    pass
            if pid in self.children and pid not in self.exited:
                try:
                    os.killpg(pid, signal.SIGKILL)
                except (ProcessLookupError, PermissionError):
                    pass
            if not stray:
                break
            if self.uid is not None:
                self.kill_every_process_of_the_uid()
            time.sleep(0.001)
            self.reap_orphans()
        if pid in self.children and pid not in self.exited:
            try:
                _, raw = os.waitpid(pid, 0)
                self.exited[pid] = os.waitstatus_to_exitcode(raw)
            except ChildProcessError:
                pass
        self.reap_orphans()
        if pid in self.children:
            shutil.rmtree(self.children.pop(pid), ignore_errors=True)
        return self.exited.pop(pid, None)

    def kill_every_process_of_the_uid(self):
        """kill(-1) from a process of the sandbox's uid: the kernel signals every process of that
        uid in our pid namespace in one pass, with forks held off meanwhile, so a fork bomb
        cannot outrun it as it can a scan of /proc."""
        killer = os.fork()
        if killer == 0:
            try:
                os.setgroups([])
                os.setgid(self.uid)
                os.setuid(self.uid)
                os.kill(-1, signal.SIGKILL)
            finally:
                os._exit(0)
        try:
            os.waitpid(killer, 0)
        except ChildProcessError:
            pass

    def strays(self, pid):
        """Live processes started by the child: by uid when it has one of its own, else by session."""
        found = []
        for entry in os.listdir("/proc"):
            if not entry.isdigit() or int(entry) == os.getpid():
                continue
            try:
                with open(f"/proc/{entry}/stat") as stat_file:
                    fields = stat_file.read().rsplit(")", 1)[1].split()
                if fields[0] in ("Z", "X"):
                    continue
                if self.uid is not None:
                    if os.stat(f"/proc/{entry}").st_uid == self.uid:
                        found.append(int(entry))
                elif int(fields[3]) == pid:  # fields[3]: the session id; the child is a leader
                    found.append(int(entry))
            except (OSError, ValueError, IndexError):
                continue
        return found

    def reap_orphans(self):
        while True:
            try:
                pid, raw = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            if pid in self.children:  # ended on its own (os._exit, a signal): keep how
                self.exited[pid] = os.waitstatus_to_exitcode(raw)


def copy_files(fds, names, workdir):
    """The submission's folder, as nbgrader gives it: copies in the child's own scratch."""
    for fd, name in zip(fds, names):
        target = os.path.normpath(os.path.join(workdir, name))
        if not target.startswith(workdir + os.sep):
            continue
        os.makedirs(os.path.dirname(target), exist_ok=True)
        with os.fdopen(os.dup(fd), "rb") as source, open(target, "wb") as copy:
            shutil.copyfileobj(source, copy)


def set_limits(limits):
    def limit(kind, value):
        if value is None:
            return
        _soft, hard = resource.getrlimit(kind)
        value = value if hard == resource.RLIM_INFINITY else min(value, hard)
        resource.setrlimit(kind, (value, value))

    # Memory: the address space torch already maps, plus the submission's allowance.
    mapped = vm_size()
    limit(resource.RLIMIT_AS, mapped + limits["memory_bytes"] if limits.get("memory_bytes") else None)
    limit(resource.RLIMIT_CPU, limits.get("cpu_seconds"))
    limit(resource.RLIMIT_FSIZE, limits.get("file_bytes"))
    limit(resource.RLIMIT_NPROC, limits.get("processes"))
    limit(resource.RLIMIT_NOFILE, limits.get("open_files"))
    limit(resource.RLIMIT_CORE, 0)


def vm_size():
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    return 0


def main():
    control = socket.socket(fileno=int(sys.argv[1]))
    config = json.loads(sys.argv[2])
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the grader's to handle, not ours
    prctl.become_subreaper()
    try:
        if "jail" in config:
            jail.enter(config["jail"])
        if config.get("uid") is not None and os.geteuid() != 0:
            raise PermissionError("a uid of its own for the sandbox needs root")
        os.makedirs(config["scratch"], exist_ok=True)
        warm_up()
    except Exception as error:  # said to the grader, which refuses to grade with this sandbox
        control.send(json.dumps({"ready": False, "error": f"{type(error).__name__}: {error}"}).encode())
        sys.exit(1)
    control.send(json.dumps({"ready": True, "uid": config.get("uid"), "pid": os.getpid()}).encode())
    Server(control, config).serve()


if __name__ == "__main__":
    main()
