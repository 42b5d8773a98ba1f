"""Stand-ins, on the judge's side, for the names a submission defines.

`RemoteNamespace(session).rnn_params(10, 20)` sends the arguments as plain data, runs the
student's function in the worker and decodes the plain result. Objects that are not plain
data (a student's nn.Module, say) come back as `RemoteObject`s that forward calls and
attribute reads, so hidden tests read like ordinary code.
"""
from autograder.grading.errors import (
    AlreadyTimedOut,
    SandboxCrash,
    SandboxTimeout,
    StudentError,
    error_from_reply,
)
from autograder.messages import describe_call
from autograder.sandbox import wire


class RemoteObject:
    def __init__(self, session, target, type_name):
        object.__setattr__(self, "_session", session)
        object.__setattr__(self, "_target", target)
        object.__setattr__(self, "_type_name", type_name)
        object.__setattr__(self, "_generation", session.generation)

    def _live_target(self):
        if "handle" in self._target and self._generation != self._session.generation:
            raise StudentError(f"this {self._type_name} was lost when an earlier test stopped the process")
        return self._target

    def __call__(self, *args, **kwargs):
        return self._session_call(args, kwargs)["value"]

    def call_with_args(self, *args, **kwargs):
        """(result, (args, kwargs) as the function left them): to see whether it mutated its inputs."""
        reply = self._session_call(args, kwargs, return_args=True)
        return reply["value"], reply["args"]

    def _session_call(self, args, kwargs, return_args=False):
        self._session.ensure_started()
        try:
            reply = self._request({"op": "call", **self._live_target(), "args": list(args),
                                   "kwargs": dict(kwargs), "return_args": return_args})
        except StudentError as error:
            raise with_call(error, self._type_name, args, kwargs) from None
        if return_args:
            return {"value": reply["value"], "args": tuple(reply["args"])}
        return {"value": reply["value"]}

    def each(self, calls):
        """The results of calling this on each (args, kwargs) of `calls`, sent in one message.
        A call that raised raises when iteration reaches it, as a loop of single calls would."""
        calls = list(calls)
        self._session.ensure_started()
        reply = self._request({"op": "call_many", **self._live_target(),
                               "calls": [[list(args), dict(kwargs)] for args, kwargs in calls]})
        values, error = reply.get("values"), reply.get("error")
        # A batch that came back short without an error would let calls go unchecked.
        complete = isinstance(values, list) and len(values) == len(calls)
        if not isinstance(values, list) or len(values) > len(calls) or complete != (error is None):
            self._session.kill()
            raise SandboxCrash("the grading process sent garbled data")
        return self._replay(values, error, calls)

    def _replay(self, values, error, calls):
        yield from values
        if error is not None:
            args, kwargs = calls[len(values)]
            raise with_call(error_from_reply(error), self._type_name, args, kwargs)

    def __getattr__(self, attr):
        if attr.startswith("__"):
            raise AttributeError(attr)
        target = self._live_target()
        child = {**target, "attrs": [*target.get("attrs", []), attr]}
        return RemoteObject(self._session, child, f"{self._type_name}.{attr}")

    def get(self):
        """The value itself, as plain data (or a handle if it is not plain)."""
        return self._request({"op": "get", **self._live_target()})["value"]

    def __setattr__(self, attr, value):
        self._request({"op": "set", **self._live_target(), "attr": attr, "value": value})

    def __repr__(self):
        return f"<student's {self._type_name}>"

    def _request(self, message):
        session = self._session
        # A function that ran past its time limit once is not waited for again: one that spins
        # in every test would otherwise cost a full timeout per test.
        key = ("handle" in self._target, self._type_name)
        if key in session.timed_out:
            raise AlreadyTimedOut(f"not run again: your `{self._type_name}` already ran past its time "
                                  "limit in an earlier test of this submission")
        try:
            return session.request(message, _handle_of,
                                   lambda id, type_name: RemoteObject(session, {"handle": id}, type_name))
        except SandboxTimeout:
            session.timed_out.add(key)
            raise


def with_call(error, name, args, kwargs):
    """The error, saying which call raised it: a hidden test's inputs are named by their shapes."""
    if getattr(error, "call", None) is None:
        error.call = describe_call(name, args, kwargs)
    return error


def _handle_of(obj):
    if isinstance(obj, RemoteObject) and "handle" in obj._target and not obj._target.get("attrs"):
        return wire.Handle(obj._target["handle"], obj._type_name)
    raise TypeError(f"cannot send a {type(obj).__name__} to the student's code")


class RemoteNamespace:
    """Attribute access to the names the submission's cells defined."""

    def __init__(self, session, names):
        self._session, self._names = session, dict(names)

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        if name not in self._names:
            raise StudentError(f"the notebook defines no `{name}`: was it renamed or deleted?")
        return RemoteObject(self._session, {"name": name}, name)

    def __contains__(self, name):
        return name in self._names

    def as_globals(self):
        """A dict for exec'ing a visible test cell: each student name as its stand-in."""
        return {name: getattr(self, name) for name in self._names}
