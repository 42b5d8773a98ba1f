"""The judge's handle on one submission: a worker process, restarted after a timeout or crash.

Every request carries the current test's deadline; when it passes, the worker is killed,
the test is a timeout, and the next test gets a fresh worker that re-runs the cells.
"""
import os
import select
import tempfile
import time

from autograder.grading.errors import GraderFault, SandboxCrash, SandboxTimeout, error_from_reply
from autograder.grading.launchers import default_launcher
from autograder.sandbox import wire

OUTPUT_LIMIT = 20_000  # characters of the student's stdout/stderr kept for feedback


class Session:
    """Runs `cells` (index, source) in a worker and forwards calls to it."""

    def __init__(self, cells, launcher=None, setup_timeout=60.0, workdir=None):
        self.cells = list(cells)
        self.launcher = launcher or default_launcher()
        self.workdir = workdir  # the submission's folder: its files are copied to the worker's cwd
        self.setup_timeout = setup_timeout
        self.deadline = None
        self.process = None
        self.generation = 0
        self.setup_report = None
        self.scratch = tempfile.TemporaryDirectory(prefix="rnn-grade-")
        self.outputs = []
        self.left_out = False
        self.budget_end = None  # time.monotonic() at which the submission's total budget ends
        self.timed_out = set()  # (is a handle, name) of what ran past its time limit, not called again

    # -- process life --
    def start(self):
        to_worker_r, to_worker_w = os.pipe()
        from_worker_r, from_worker_w = os.pipe()
        self.generation += 1
        out = open(os.path.join(self.scratch.name, f"stdout{self.generation}"), "w+b")
        err = open(os.path.join(self.scratch.name, f"stderr{self.generation}"), "w+b")
        self.outputs.append((out, err))
        try:
            self.process = self.launcher.spawn(to_worker_r, from_worker_w, out, err, workdir=self.workdir)
        except (OSError, RuntimeError) as error:
            os.close(to_worker_w)
            os.close(from_worker_r)
            raise GraderFault(f"the grading sandbox could not start ({error})") from None
        finally:
            os.close(to_worker_r)
            os.close(from_worker_w)
        self.left_out = getattr(self.process, "left_out", False)  # files past the sandbox's limits
        self._requests = os.fdopen(to_worker_w, "wb")
        self._replies = from_worker_r
        self._buffer = bytearray()
        setup_deadline = time.monotonic() + self.setup_timeout
        if self.budget_end is not None:  # a restart after a timeout stays within the budget
            setup_deadline = min(setup_deadline, self.budget_end)
        saved, self.deadline = self.deadline, setup_deadline
        try:
            self.setup_report = self._request({"op": "setup", "cells": self.cells})
        finally:
            self.deadline = saved
        return self.setup_report

    def ensure_started(self):
        if self.process is None:
            self.start()

    def kill(self):
        if self.process is None:
            return
        self.process.kill()  # the launcher's handle kills everything the worker started
        for stream in (self._requests,):
            try:
                stream.close()
            except OSError:
                pass
        os.close(self._replies)
        self.process = None

    def close(self):
        self.kill()
        for out, err in self.outputs:
            out.close()
            err.close()
        self.scratch.cleanup()

    def student_output(self):
        """What the student's code printed, across restarts, cut to OUTPUT_LIMIT characters."""
        text = {"stdout": "", "stderr": ""}
        for out, err in self.outputs:
            for name, stream in (("stdout", out), ("stderr", err)):
                stream.flush()
                stream.seek(0)
                text[name] += stream.read(OUTPUT_LIMIT).decode("utf-8", "replace")
        return {name: value[:OUTPUT_LIMIT] for name, value in text.items()}

    # -- requests --
    def request(self, message, to_handle=None, from_handle=None):
        """The worker's reply to `message`; `to_handle` and `from_handle` as in wire.pack/unpack."""
        self.ensure_started()
        return self._request(message, to_handle, from_handle)

    def _request(self, message, to_handle=None, from_handle=None):
        data = wire.dumps(message, to_handle)  # a judge's mistake raises here, before the pipe
        try:
            self._requests.write(data)
            self._requests.flush()
        except (BrokenPipeError, OSError, ValueError):
            self.kill()
            raise SandboxCrash("the notebook's code ended its own process") from None
        try:
            reply = wire.unpack(self._read_message(), from_handle)
            ok = reply["ok"]
        except (ValueError, KeyError, TypeError):
            self.kill()
            raise SandboxCrash("the grading process sent garbled data") from None
        if not ok:
            raise error_from_reply(reply.get("error"))
        return reply

    def _read_message(self):
        self._fill(wire.HEADER)
        length = wire.message_length(self._buffer[:wire.HEADER])  # ValueError past wire.MAX_MESSAGE
        self._fill(wire.HEADER + length)
        payload = bytes(self._buffer[wire.HEADER:wire.HEADER + length])
        del self._buffer[:wire.HEADER + length]
        return payload

    def _fill(self, size):
        """Read until the buffer holds `size` bytes, or the deadline passes, or the worker ends."""
        while len(self._buffer) < size:
            remaining = None if self.deadline is None else self.deadline - time.monotonic()
            if remaining is not None and remaining <= 0:
                self.kill()
                raise SandboxTimeout("ran past its time limit")
            ready, _, _ = select.select([self._replies], [], [], remaining)
            if not ready:
                continue
            chunk = os.read(self._replies, max(1 << 16, size - len(self._buffer)))
            if not chunk:
                code = self.process.wait()
                self.kill()
                raise SandboxCrash(f"the notebook's code ended its own process (exit status {code})")
            self._buffer += chunk
