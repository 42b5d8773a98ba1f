"""The sandbox wall lets through plain data only."""
import collections
import math

import msgpack
import numpy as np
import pytest
import torch

from autograder.sandbox import wire


def across(value, to_handle=None, from_handle=None):
    """`value` framed, sent and read back, as a message crosses the wall."""
    data = wire.dumps(value, to_handle)
    assert wire.message_length(data[:wire.HEADER]) == len(data) - wire.HEADER
    return wire.unpack(data[wire.HEADER:], from_handle)


def as_handle(obj):
    return wire.Handle(7, type(obj).__name__)


def seen_as_handle(id, type_name):
    return ("handle", type_name)


@pytest.mark.parametrize("value", [
    None, True, 3, -2.5, "ünï", [1, [2, "x"]], (1, (2.0,)), {"a": (1, 2), 3: [4]},
    {("weight", 0): 1}, math.inf, -math.inf, [("the", "DET"), ("dog", "NOUN")], [(), ("x",)],
    [("a", 1.5), ("b", None, True)], [("inf", math.inf)], [], [[("I", "PRON")], []], 2**70, -(3**90),
    [("big", 2**70)], (2**64,), b"\x00\xff", "\ud800", {"w": [("a", "B")]}, [[1, ("a", [2])]],
])
def test_plain_values_cross_unchanged(value):
    back = across(value)
    assert back == value and type(back) is type(value), f"sent {value!r}, got {back!r}"


@pytest.mark.parametrize("sentences", [
    [[("the", "DET"), ("dog", "NOUN")], [("runs", "VERB")]],
    [[("the", "DET"), ("dog", "NOUN")], [], [("runs", "VERB")]],
    [[[("a", "DET")]], [[("b", "X"), ("c", "Y")], []]],
    [[("a", "DET")], ("b", "X")],
    [[("a", "DET")], [["b", "X"]]],
])
def test_tagged_sentences_cross_as_lists_of_tuples(sentences):
    back = across(sentences)
    assert repr(back) == repr(sentences), f"expected {sentences!r}, got {back!r}"


def ext(code, value):
    return msgpack.ExtType(code, msgpack.packb(value))


@pytest.mark.parametrize("forged", [
    ext(wire.TUPLES, [0, [["a", 1], "b"]]),
    ext(wire.TUPLES, [0, "ab"]),
    ext(wire.TUPLES, [1, [["a", "b"]]]),
    ext(wire.TUPLES, [-1, []]),
    ext(wire.TUPLES, [[["a", "b"]]]),
    msgpack.ExtType(wire.TUPLES, msgpack.packb([0, [["a", msgpack.ExtType(wire.HANDLE, msgpack.packb([1, "x"]))]]])),
    ext(wire.NDARRAY, ["|O", [1], b"\0" * 8]),
    ext(wire.NDARRAY, ["<f8", [3], b"\0" * 8]),
    ext(wire.NDARRAY, ["<f8", ["3"], b"\0" * 24]),
    ext(wire.TENSOR, ["__class__", [1], b"\0"]),
    ext(wire.TENSOR, ["float32", [2], b"\0" * 4]),
    ext(wire.HANDLE, ["1", "x"]),
    msgpack.ExtType(wire.BIGINT, b"12a"),
    msgpack.ExtType(wire.BIGINT, b"9" * 5000),
    msgpack.ExtType(99, b""),
], ids=["tuples-not-pairs", "tuples-str", "tuples-too-shallow", "tuples-negative-depth", "tuples-no-depth", "tuples-hiding-a-handle", "object-array", "short-array",
        "shape-of-str", "tensor-dtype-not-a-dtype", "short-tensor", "handle-id-str", "bigint-not-digits",
        "bigint-too-long", "unknown-extension"])
def test_forged_extensions_are_refused(forged):
    with pytest.raises(ValueError, match="malformed|refused"):
        wire.unpack(msgpack.packb([forged]), from_handle=lambda id, type_name: object())


@pytest.mark.parametrize("payload", [b"\xc1", b"\x92\x01", b"\x91\x01\x02", b"\xa3ab", b"\x81\x91\x01\x02"],
                         ids=["never-used-byte", "short-array", "extra-data", "short-str", "list-as-key"])
def test_garbled_bytes_are_refused_as_malformed(payload):
    with pytest.raises(ValueError):
        wire.unpack(payload)


def test_a_message_longer_than_the_limit_is_refused_before_it_is_read():
    with pytest.raises(ValueError, match="malformed"):
        wire.message_length((wire.MAX_MESSAGE + 1).to_bytes(wire.HEADER, "big"))


def test_a_handle_arrives_only_where_the_receiver_accepts_handles():
    with pytest.raises(ValueError, match="malformed"):
        across(object(), to_handle=as_handle)
    assert across(object(), as_handle, seen_as_handle) == ("handle", "object")


@pytest.mark.parametrize("subclass", [str, int, float, list, tuple, bytes])
def test_a_subclass_with_a_patched_eq_stays_behind_the_wall(subclass):
    class Liar(subclass):
        def __eq__(self, other):
            return True

        __hash__ = subclass.__hash__

    back = across([Liar(), ("word", Liar())], as_handle, seen_as_handle)
    assert back == [("handle", "Liar"), ("word", ("handle", "Liar"))], (
        f"a {subclass.__name__} subclass must travel as a handle, alone or in a pair; got {back!r}")


def test_nan_crosses_as_nan():
    assert math.isnan(across(math.nan))


@pytest.mark.parametrize("array", [np.arange(6.0).reshape(2, 3), np.array([1, 2], dtype=np.int8),
                                   np.zeros((0, 3)), np.array(True), np.arange(6).reshape(2, 3).T])
def test_arrays_keep_dtype_shape_and_values(array):
    back = across(array)
    assert back.dtype == array.dtype and back.shape == array.shape and np.array_equal(back, array)
    assert back.flags.writeable, "a decoded array must be the receiver's own, not a view of the message"


def test_numpy_scalars_cross_as_python_scalars():
    assert across([np.float32(0.5), np.int64(3), np.bool_(True)]) == [0.5, 3, True]


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64, torch.bfloat16, torch.int64, torch.bool])
def test_tensors_keep_dtype_shape_and_values(dtype):
    tensor = (torch.arange(6) % 2).to(dtype).reshape(3, 2)
    back = across(tensor)
    assert back.dtype == dtype and torch.equal(back, tensor)


def test_a_tensor_crosses_without_its_autograd_history():
    weight = torch.ones(2, requires_grad=True)
    back = across(weight * 2)
    assert back.grad_fn is None and not back.requires_grad and torch.equal(back, torch.full((2,), 2.0))


def test_unknown_objects_need_a_handle():
    with pytest.raises(TypeError):
        wire.pack(object())


def test_a_state_dict_and_a_defaultdict_cross_as_plain_dicts():
    state = torch.nn.Linear(2, 3).state_dict()
    back = across(state)
    assert type(back) is dict and set(back) == set(state)
    assert all(torch.equal(back[k], state[k]) for k in state)
    vocabulary = collections.defaultdict(int, {"<pad>": 0, "<unk>": 1})
    assert across(vocabulary) == {"<pad>": 0, "<unk>": 1} and type(across(vocabulary)) is dict


def test_a_value_packed_early_keeps_what_it_was_then():
    history = [1]
    early = wire.packed(history)
    history.append(2)
    assert across([early, history]) == [[1], [1, 2]]
