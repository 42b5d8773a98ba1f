"""Plain data across the sandbox wall: JSON with tagged arrays and tensors, never pickles.

Decoding builds only builtin scalars, lists, tuples, dicts, numpy arrays of numeric
dtypes and torch tensors, so nothing a submission defines or patches can reach the
judge's comparisons. Anything else travels as a handle: a number naming an object
that stays inside the sandbox.
"""
import base64
import json
import math
from itertools import chain

import numpy as np

NUMERIC_KINDS = "biufc"
# Types that are JSON as they are, both ways (a float may be nan or inf: those go tagged).
ATOMS = frozenset({str, int, bool, type(None)})
DECODED_ATOMS = ATOMS | {float}  # json.loads gives only finite floats: nan and inf come tagged


class Handle:
    """An object that lives in the sandbox, named by `id`; `type` is its class name there."""

    def __init__(self, id, type):
        self.id, self.type = id, type


def _is_tensor(obj):
    torch = _torch_if_loaded()
    return torch is not None and isinstance(obj, torch.Tensor)


def _torch_if_loaded():
    import sys

    return sys.modules.get("torch")


def encode(obj, to_handle=None):
    """`obj` as JSON-ready data; `to_handle(obj) -> Handle` for what is not plain."""
    kind = type(obj)
    if obj is None or kind in (bool, str):
        return obj
    if kind is int:
        return obj
    if kind is float:
        return obj if math.isfinite(obj) else {"$t": "float", "v": repr(obj)}
    if kind in (list, tuple):
        if kind is list and obj and _only(obj, {tuple}) and _only(chain.from_iterable(obj), ATOMS):
            # Tagged sentences, (word, tag) pairs: json writes them without a step per pair here.
            return {"$t": "tuples", "v": obj}
        items = list(obj) if _only(obj, ATOMS) else [encode(item, to_handle) for item in obj]
        return items if kind is list else {"$t": "tuple", "v": items}
    if isinstance(obj, dict):  # state_dict() is an OrderedDict: plain enough
        return {"$t": "dict", "v": [[encode(k, to_handle), encode(v, to_handle)] for k, v in obj.items()]}
    if isinstance(obj, np.ndarray) and obj.dtype.kind in NUMERIC_KINDS:
        array = obj if obj.flags.c_contiguous else obj.copy(order="C")  # ascontiguousarray makes 0-d 1-d
        return {"$t": "ndarray", "dtype": array.dtype.str, "shape": list(array.shape),
                "b64": base64.b64encode(array.tobytes()).decode()}
    if isinstance(obj, np.generic) and obj.dtype.kind in NUMERIC_KINDS:
        return encode(obj.item(), to_handle)
    if _is_tensor(obj):
        tensor = obj.detach().cpu().contiguous()
        raw = tensor.reshape(-1).view(_torch_if_loaded().uint8).numpy().tobytes() if tensor.numel() else b""
        return {"$t": "tensor", "dtype": str(tensor.dtype), "shape": list(tensor.shape),
                "b64": base64.b64encode(raw).decode()}
    if to_handle is None:
        raise TypeError(f"cannot send a {kind.__name__} across the sandbox wall")
    handle = to_handle(obj)
    return {"$t": "handle", "id": handle.id, "type": handle.type}


def decode(data, from_handle=None):
    """Inverse of `encode`; `from_handle(id, type)` turns a handle into whatever this side uses."""
    if data is None or type(data) in (bool, int, float, str):
        return data
    if type(data) is list:
        return list(data) if _only(data, DECODED_ATOMS) else [decode(item, from_handle) for item in data]
    if type(data) is not dict:
        raise ValueError(f"malformed wire data: {type(data).__name__}")
    tag = data.get("$t")
    if tag == "float":
        return float(data["v"])
    if tag == "tuple":
        return tuple(decode(item, from_handle) for item in data["v"])
    if tag == "tuples":
        pairs = data["v"]
        if not (type(pairs) is list and _only(pairs, {list}) and _only(chain.from_iterable(pairs), DECODED_ATOMS)):
            raise ValueError("malformed wire data: tuples")
        return list(map(tuple, pairs))
    if tag == "dict":
        return {_hashable(decode(k, from_handle)): decode(v, from_handle) for k, v in data["v"]}
    if tag == "ndarray":
        dtype = np.dtype(data["dtype"])
        if dtype.kind not in NUMERIC_KINDS:
            raise ValueError(f"refused array dtype {dtype}")
        raw = base64.b64decode(data["b64"])
        return np.frombuffer(raw, dtype=dtype).reshape(tuple(data["shape"])).copy()
    if tag == "tensor":
        import torch

        dtype = getattr(torch, data["dtype"].removeprefix("torch."))
        if not isinstance(dtype, torch.dtype):
            raise ValueError(f"refused tensor dtype {data['dtype']}")
        raw = base64.b64decode(data["b64"])
        if not raw:
            return torch.empty(data["shape"], dtype=dtype)
        return torch.frombuffer(bytearray(raw), dtype=torch.uint8).view(dtype).reshape(tuple(data["shape"])).clone()
    if tag == "handle" and from_handle is not None:
        return from_handle(int(data["id"]), str(data["type"]))
    raise ValueError(f"malformed wire data: tag {tag!r}")


def _only(items, types):
    """Whether every item's exact type is one of `types` (no subclass passes), at C speed."""
    return set(map(type, items)) <= types


def _hashable(key):
    if isinstance(key, list):
        return tuple(key)
    return key


def dumps(message):
    return json.dumps(message, allow_nan=False, separators=(",", ":")) + "\n"


def loads(line):
    return json.loads(line)
