"""The student's side of the wall: run a submission's cells, then answer calls on plain data.

Started as `python -m autograder.sandbox.worker IN_FD OUT_FD`: requests come on IN_FD and
replies go out on OUT_FD, one framed message each (wire.py), while the student's own prints go
to the stdout and stderr the grader gave the process. Nothing here judges anything.
"""
import os
import sys
import traceback

from autograder.sandbox import wire

MAX_MESSAGE = 2000


class Worker:
    def __init__(self):
        self.namespace = {"__name__": "__main__", "__builtins__": __builtins__}
        self.objects = {}

    # -- handles: objects that stay here, named by a number over the wire --
    def to_handle(self, obj):
        self.objects[id(obj)] = obj
        return wire.Handle(id(obj), type(obj).__name__)

    def from_handle(self, handle_id, _type):
        if handle_id not in self.objects:
            raise LookupError("that object no longer exists in the sandbox")
        return self.objects[handle_id]

    # -- requests --
    def setup(self, request):
        errors = []
        for index, source in request["cells"]:
            try:
                exec(compile(source, f"<cell {index}>", "exec"), self.namespace)
            except BaseException as error:  # noqa: B036 (sys.exit in a cell is the student's fault, not ours)
                errors.append({"cell": index, **describe(error)})
        names = {name: kind_of(value) for name, value in list(self.namespace.items())
                 if not name.startswith("_") and kind_of(value) != "module"}
        return {"cell_errors": errors, "names": names}

    def target(self, request):
        if "handle" in request:
            obj = self.from_handle(request["handle"], None)
        elif request["name"] in self.namespace:
            obj = self.namespace[request["name"]]
        else:
            raise NameError(f"name '{request['name']}' is not defined")
        for attr in request.get("attrs", []):
            obj = getattr(obj, attr)
        return obj

    def call(self, request):
        function = self.target(request)
        args, kwargs = request.get("args", []), request.get("kwargs", {})
        value = function(*args, **kwargs)
        reply = {"value": value}
        if request.get("return_args"):
            reply["args"] = [args, kwargs]
        return reply

    def call_many(self, request):
        """The same function on many arguments in one message: the calls in order, stopping at
        the first that raises (as a loop of single calls would)."""
        function = self.target(request)
        values, error = [], None
        for args, kwargs in request["calls"]:
            try:
                # Packed at once: a later call must not change what an earlier one returned.
                values.append(wire.packed(function(*args, **kwargs), self.to_handle))
            except BaseException as raised:  # noqa: B036 (reported in its place, like a single call's)
                error = describe(raised)
                break
        return {"values": values, "error": error}

    def get(self, request):
        return {"value": self.target(request)}

    def set(self, request):
        setattr(self.target(request), request["attr"], request["value"])
        return {"value": None}

    def release(self, request):
        self.objects.pop(request["handle"], None)
        return {"value": None}


def kind_of(value):
    if type(value).__name__ == "module":
        return "module"
    if isinstance(value, type):
        return "class"
    return "function" if callable(value) else "value"


def describe(error):
    """The exception as the student should see it: type, message, and only their own frames."""
    frames = [frame for frame in traceback.extract_tb(error.__traceback__)
              if frame.filename.startswith("<cell")]
    lines = traceback.format_list(frames)
    try:
        message = str(error)
    except BaseException:  # noqa: B036 (a hostile __str__ must not kill the reply)
        message = "<unprintable>"
    return {"type": type(error).__name__, "message": message[:MAX_MESSAGE],
            "traceback": "".join(lines)[-MAX_MESSAGE:]}


def flush_output():
    # The grader kills this process when done: what the student printed must be out by then.
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except BaseException:  # noqa: B036 (a full disk or a replaced stream is the student's)
            pass


def read_message(requests):
    """The next request's bytes, or None when the grader has closed the pipe."""
    header = requests.read(wire.HEADER)
    if len(header) < wire.HEADER:
        return None
    length = wire.message_length(header)
    payload = requests.read(length)
    return payload if len(payload) == length else None


def serve(requests, replies):
    """Answer requests from the binary stream `requests` on the binary stream `replies`."""
    worker = Worker()
    handlers = {"setup": worker.setup, "call": worker.call, "call_many": worker.call_many, "get": worker.get,
                "set": worker.set, "release": worker.release}
    while (payload := read_message(requests)) is not None:
        try:
            request = wire.unpack(payload, worker.from_handle)
            reply = {"ok": True, **handlers[request["op"]](request)}
        except BaseException as error:  # noqa: B036 (the student's SystemExit becomes a reply, not an exit)
            reply = {"ok": False, "error": describe(error)}
        flush_output()
        try:
            data = wire.dumps(reply, worker.to_handle)
        except BaseException as error:  # noqa: B036
            data = wire.dumps({"ok": False, "error": describe(error)})
        replies.write(data)
        replies.flush()


def main():
    serve(os.fdopen(int(sys.argv[1]), "rb"), os.fdopen(int(sys.argv[2]), "wb"))


if __name__ == "__main__":
    main()
