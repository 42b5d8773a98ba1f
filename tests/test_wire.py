"""The sandbox wall lets through plain data only."""
import math

import numpy as np
import pytest
import torch

from autograder.sandbox import wire


@pytest.mark.parametrize("value", [
    None, True, 3, -2.5, "ünï", [1, [2, "x"]], (1, (2.0,)), {"a": (1, 2), 3: [4]},
    {("weight", 0): 1}, math.inf, -math.inf, [("the", "DET"), ("dog", "NOUN")], [(), ("x",)],
    [("a", 1.5), ("b", None, True)], [("inf", math.inf)], [], [[("I", "PRON")], []],
])
def test_plain_values_cross_unchanged(value):
    assert wire.decode(wire.loads(wire.dumps(wire.encode(value)))) == value


def test_tagged_sentences_cross_as_lists_of_tuples():
    sentences = [[("the", "DET"), ("dog", "NOUN")], [("runs", "VERB")]]
    back = wire.decode(wire.loads(wire.dumps(wire.encode(sentences))))
    assert back == sentences and all(type(pair) is tuple for sentence in back for pair in sentence), (
        f"expected lists of (word, tag) tuples, got {back!r}")


@pytest.mark.parametrize("forged", [
    {"$t": "tuples", "v": [["a", {"$t": "handle", "id": 1, "type": "x"}]]},
    {"$t": "tuples", "v": [["a"], "b"]},
    {"$t": "tuples", "v": "ab"},
])
def test_forged_tuples_that_hide_anything_but_plain_values_are_refused(forged):
    with pytest.raises(ValueError, match="malformed"):
        wire.decode(forged, from_handle=lambda id, type_name: object())


def test_a_str_subclass_inside_a_pair_stays_behind_the_wall():
    class Sly(str):
        def __eq__(self, other):
            return True

    sent = wire.encode([("word", Sly("TAG"))], to_handle=lambda obj: wire.Handle(7, type(obj).__name__))
    back = wire.decode(wire.loads(wire.dumps(sent)), from_handle=lambda id, type_name: ("handle", type_name))
    assert back == [("word", ("handle", "Sly"))], f"the subclass must travel as a handle, got {back!r}"


def test_nan_crosses_as_nan():
    assert math.isnan(wire.decode(wire.loads(wire.dumps(wire.encode(math.nan)))))


@pytest.mark.parametrize("array", [np.arange(6.0).reshape(2, 3), np.array([1, 2], dtype=np.int8),
                                   np.zeros((0, 3)), np.array(True)])
def test_arrays_keep_dtype_shape_and_values(array):
    back = wire.decode(wire.loads(wire.dumps(wire.encode(array))))
    assert back.dtype == array.dtype and back.shape == array.shape and np.array_equal(back, array)


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64, torch.bfloat16, torch.int64, torch.bool])
def test_tensors_keep_dtype_shape_and_values(dtype):
    tensor = (torch.arange(6) % 2).to(dtype).reshape(3, 2)
    back = wire.decode(wire.loads(wire.dumps(wire.encode(tensor))))
    assert back.dtype == dtype and torch.equal(back, tensor)


def test_an_object_array_is_refused_on_decode():
    forged = {"$t": "ndarray", "dtype": "|O", "shape": [1], "b64": ""}
    with pytest.raises(ValueError, match="refused"):
        wire.decode(forged)


def test_a_subclass_with_a_patched_eq_never_arrives_as_itself():
    class Liar(int):
        def __eq__(self, other):
            return True

    sent = wire.encode(Liar(3), to_handle=lambda obj: wire.Handle(1, type(obj).__name__))
    back = wire.decode(wire.loads(wire.dumps(sent)), from_handle=lambda id, type_name: ("handle", type_name))
    assert back == ("handle", "Liar"), "a non-plain int subclass must stay behind the wall as a handle"
    assert back != 4, "what arrives must compare honestly"


def test_unknown_objects_need_a_handle():
    with pytest.raises(TypeError):
        wire.encode(object())


def test_a_state_dict_crosses_as_a_plain_dict_of_tensors():
    state = torch.nn.Linear(2, 3).state_dict()
    back = wire.decode(wire.loads(wire.dumps(wire.encode(state))))
    assert type(back) is dict and set(back) == set(state)
    assert all(torch.equal(back[k], state[k]) for k in state)
