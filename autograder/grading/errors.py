"""How a test can end other than passing, as the engine classifies it."""
import builtins


class GraderFault(Exception):
    """The grader itself failed (its sandbox would not start): no grade is recorded, and the
    next run tries that submission again."""


class SandboxTimeout(Exception):
    """The student's code ran past the test's time limit."""


class AlreadyTimedOut(SandboxTimeout):
    """Not called again: this function already ran past its time limit in this submission."""


class SandboxCrash(Exception):
    """The student's process died (os._exit, a signal, a memory limit, a garbled reply)."""


class StudentError(Exception):
    """The student's code raised; carries their exception's type, message and own frames."""

    type_name = "Exception"

    def __init__(self, message, traceback=""):
        super().__init__(message)
        self.message, self.traceback = message, traceback

    def __str__(self):
        return f"{self.type_name}: {self.message}"


_classes = {}


def student_error(type_name, message, traceback=""):
    """A StudentError that is also the builtin exception the student raised (if it is one),
    so that a public check's `except NotImplementedError` still works across the wall."""
    if type_name not in _classes:
        _classes[type_name] = _student_class(type_name)
    cls = _classes[type_name]
    error = cls.__new__(cls)
    StudentError.__init__(error, message, traceback)
    return error


def _student_class(type_name):
    """The builtin first: MemoryError's own __new__ refuses a subclass that puts another base
    before it. Builtins whose constructor wants more (UnicodeDecodeError's five arguments,
    ExceptionGroup's list) or that cannot be combined fall back to a plain StudentError: the
    student still reads the real name and message."""
    plain = type(f"Student{type_name}", (StudentError,), {"type_name": type_name})
    builtin = getattr(builtins, type_name, None)
    # Only ordinary exceptions: SystemExit or KeyboardInterrupt must never cross the wall.
    if not (isinstance(builtin, type) and issubclass(builtin, Exception)) or builtin is Exception:
        return plain
    own = {"type_name": type_name, "__str__": StudentError.__str__, "__repr__": _repr,
           "__init__": StudentError.__init__}
    try:
        cls = type(f"Student{type_name}", (builtin, StudentError), own)
        probe = cls.__new__(cls)
        StudentError.__init__(probe, "probe")
        str(probe), repr(probe)
    except Exception:
        return plain
    return cls


def _repr(error):
    return f"{error.type_name}({error.message!r})"


def error_from_reply(error):
    """The StudentError for a worker's description of an exception (a dict, as the wire sent it)."""
    error = error if isinstance(error, dict) else {}
    return student_error(str(error.get("type", "Exception")), str(error.get("message", "")),
                         str(error.get("traceback", "")))
