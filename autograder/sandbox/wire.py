"""Plain data across the sandbox wall: msgpack with tagged arrays and tensors, never pickles.

A message is a 4-byte big-endian length, then one msgpack value. Unpacking builds only builtin
scalars, strings, bytes, lists, tuples, dicts, numpy arrays of numeric dtypes and torch tensors
(and datetimes, msgpack's own timestamp extension), so nothing a submission defines or patches
can reach the judge's comparisons. Anything else
travels as a handle: a number naming an object that stays inside the sandbox.

Exact types only: a subclass of str, int or float (with its own `__eq__`, say) is not plain
and stays behind the wall as a handle, as any other object of the student's does.
"""
import threading
from itertools import chain

import msgpack
import numpy as np

NUMERIC_KINDS = "biufc"
ATOMS = frozenset({str, int, float, bool, type(None)})
HEADER = 4
MAX_MESSAGE = 256 << 20  # a reply this big is a flood, not an answer
MAX_BIGINT_DIGITS = 4000

# Extension types: what msgpack has no type of its own for.
TUPLE, TUPLES, NDARRAY, TENSOR, HANDLE, BIGINT, PACKED = range(1, 8)

_local = threading.local()  # a judge on a threaded Dask worker packs from several threads


def _atom_packer():
    """A packer for atoms, lists and tuples: it has no `default`, so it never calls back into
    Python and is never re-entered; one per thread."""
    packer = getattr(_local, "packer", None)
    if packer is None:
        packer = _local.packer = msgpack.Packer(use_bin_type=True, unicode_errors="surrogatepass")
    return packer


class WireError(ValueError):
    """Bytes that are not a message of this wire."""


class Handle:
    """An object that lives in the sandbox, named by `id`; `type` is its class name there."""

    def __init__(self, id, type):
        self.id, self.type = id, type


class Packed:
    """A value packed when it was made (`packed`), unpacked in place on the other side."""


# -- packing --
def pack(value, to_handle=None):
    """`value` as msgpack bytes; `to_handle(obj) -> Handle` for what is not plain."""
    return msgpack.packb(_tag_sentences(value), default=_extension_for(to_handle), strict_types=True,
                         use_bin_type=True, unicode_errors="surrogatepass")


def packed(value, to_handle=None):
    """`value` packed now, to send later inside a message: what it is now, not what it becomes."""
    return msgpack.ExtType(PACKED, pack(value, to_handle))


def dumps(message, to_handle=None):
    """One framed message: its length in HEADER bytes, then its msgpack bytes."""
    payload = pack(message, to_handle)
    return len(payload).to_bytes(HEADER, "big") + payload


def message_length(header):
    length = int.from_bytes(header, "big")
    if length > MAX_MESSAGE:
        raise WireError(f"malformed wire data: a message of {length} bytes")
    return length


def _tag_sentences(obj):
    """Tuples of atoms under lists (tagged sentences, a corpus of them) as one extension, packed
    at C speed: msgpack would call back into Python for every tuple."""
    kind = type(obj)
    if kind is list:
        if _only(obj, ATOMS):
            return obj
        depth = _depth_above_tuples(obj)
        if depth is not None:
            try:
                return msgpack.ExtType(TUPLES, _atom_packer().pack([depth, obj]))
            except OverflowError:  # an int past 64 bits: per tuple, below
                pass
        return [_tag_sentences(item) for item in obj]
    if kind is dict and not _only(obj.values(), ATOMS):
        return {key: _tag_sentences(value) for key, value in obj.items()}
    return obj


def _depth_above_tuples(items):
    """How many levels of lists hold tuples of atoms only, at C speed; None if they do not."""
    depth = 0
    while True:
        kinds = set(map(type, items))
        if kinds == {tuple}:
            return depth if _only(chain.from_iterable(items), ATOMS) else None
        if kinds != {list}:
            return None
        items, depth = list(chain.from_iterable(items)), depth + 1


def _extension_for(to_handle):
    def extension(obj):
        kind = type(obj)
        if kind is tuple:
            if _only(obj, ATOMS):
                try:
                    return msgpack.ExtType(TUPLE, _atom_packer().pack(obj))
                except OverflowError:  # an int past 64 bits: below
                    pass
            return msgpack.ExtType(TUPLE, pack(list(obj), to_handle))
        if kind is int:  # past 64 bits
            return msgpack.ExtType(BIGINT, str(obj).encode())
        if isinstance(obj, dict):  # state_dict() is an OrderedDict, a vocabulary a defaultdict
            return {key: value for key, value in obj.items()}
        if isinstance(obj, np.ndarray) and obj.dtype.kind in NUMERIC_KINDS:
            array = obj if obj.flags.c_contiguous else obj.copy(order="C")  # ascontiguousarray makes 0-d 1-d
            return msgpack.ExtType(NDARRAY, _atom_packer().pack([array.dtype.str, list(array.shape), array.tobytes()]))
        if isinstance(obj, np.generic) and obj.dtype.kind in NUMERIC_KINDS:
            return obj.item()
        if _is_tensor(obj):
            tensor = obj.detach().cpu().contiguous()
            torch = _torch_if_loaded()
            raw = tensor.reshape(-1).view(torch.uint8).numpy().tobytes() if tensor.numel() else b""
            name = str(tensor.dtype).removeprefix("torch.")
            return msgpack.ExtType(TENSOR, _atom_packer().pack([name, list(tensor.shape), raw]))
        if to_handle is None:
            raise TypeError(f"cannot send a {kind.__name__} across the sandbox wall")
        handle = to_handle(obj)
        return msgpack.ExtType(HANDLE, _atom_packer().pack([handle.id, handle.type]))
    return extension


def _is_tensor(obj):
    torch = _torch_if_loaded()
    return torch is not None and isinstance(obj, torch.Tensor)


def _torch_if_loaded():
    import sys

    return sys.modules.get("torch")


# -- unpacking --
def unpack(payload, from_handle=None):
    """Inverse of `pack`; `from_handle(id, type)` turns a handle into whatever this side uses.
    Anything malformed raises WireError, a ValueError (what from_handle raises, it raises itself)."""
    try:
        return msgpack.unpackb(payload, ext_hook=_extension_hook(from_handle), strict_map_key=False,
                               unicode_errors="surrogatepass", timestamp=3)
    except (WireError, LookupError):
        raise
    except Exception as error:  # msgpack, numpy and torch each have their own ways to say "malformed"
        raise WireError(f"malformed wire data: {type(error).__name__}: {error}") from None


def _extension_hook(from_handle):
    def hook(code, data):
        if code == TUPLE:
            return tuple(unpack(data, from_handle))
        if code == TUPLES:
            depth, lists = _plain(data)
            if type(depth) is not int or depth < 0:
                raise WireError("malformed wire data: tuples")
            return _as_tuples(lists, depth)
        if code == NDARRAY:
            dtype, shape, raw = _array_parts(data)
            dtype = np.dtype(dtype)
            if dtype.kind not in NUMERIC_KINDS:
                raise WireError(f"refused array dtype {dtype}")
            return np.frombuffer(raw, dtype=dtype).reshape(shape).copy()
        if code == TENSOR:
            return _tensor(*_array_parts(data))
        if code == HANDLE and from_handle is not None:
            id, type_name = _plain(data)
            if type(id) is not int or type(type_name) is not str:
                raise WireError("malformed wire data: handle")
            return from_handle(id, type_name)
        if code == BIGINT and len(data) <= MAX_BIGINT_DIGITS:
            return int(data.decode("ascii"))
        if code == PACKED:
            return unpack(data, from_handle)
        raise WireError(f"malformed wire data: extension {code}")
    return hook


def _as_tuples(lists, depth):
    """Lists `depth` deep over lists of atoms, the innermost lists made tuples."""
    if type(lists) is not list or not _only(lists, {list}):
        raise WireError("malformed wire data: tuples")
    if depth == 0:
        if not _only(chain.from_iterable(lists), ATOMS):
            raise WireError("malformed wire data: tuples")
        return list(map(tuple, lists))
    return [_as_tuples(inner, depth - 1) for inner in lists]


def _plain(data):
    """Bytes holding atoms, lists and dicts only: no extension may hide inside."""
    return msgpack.unpackb(data, ext_hook=_no_extension, strict_map_key=False, unicode_errors="surrogatepass",
                           timestamp=3)


def _no_extension(code, data):
    raise WireError(f"malformed wire data: extension {code} where none may be")


def _array_parts(data):
    parts = _plain(data)
    if not (type(parts) is list and len(parts) == 3 and type(parts[0]) is str and type(parts[1]) is list
            and _only(parts[1], {int}) and type(parts[2]) is bytes):
        raise WireError("malformed wire data: array")
    return parts[0], tuple(parts[1]), parts[2]


def _tensor(dtype_name, shape, raw):
    import torch

    dtype = getattr(torch, dtype_name, None)
    if not isinstance(dtype, torch.dtype):
        raise WireError(f"refused tensor dtype {dtype_name}")
    if not raw:
        return torch.empty(shape, dtype=dtype)
    return torch.frombuffer(bytearray(raw), dtype=torch.uint8).view(dtype).reshape(shape).clone()


def _only(items, types):
    """Whether every item's exact type is one of `types` (no subclass passes), at C speed."""
    return set(map(type, items)) <= types
