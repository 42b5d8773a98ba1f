"""Feedback on birnn names the mistake, also when it shows through the class that calls it."""
from autograder import synthetic
from autograder.messages import plain
from autograder.mutants import catalog_for
from tests.conftest import grade_text, released_notebook


def hidden_failures(result):
    return [t.message for c in result.cells for t in c.tests if not t.visible and t.status == "failed"]


def test_torch_flip_in_reverse_padded_is_named_where_birnn_fails(kit, tmp_path):
    # The student's BiRNN is right, but it calls a reverse_padded that is torch.flip: the
    # matches-PyTorch cell fails, and its feedback should still name torch.flip.
    catalog = catalog_for("birnn")
    mutant = catalog["flip_whole_padded_row"]
    text = synthetic.variant(mutant)("birnn", released_notebook(kit, "birnn"))
    result = grade_text(kit, "birnn", text, tmp_path, only=["test_birnn_matches_pytorch"])
    failures = hidden_failures(result)
    assert failures, "a BiRNN built on torch.flip should fail the matches-PyTorch cell"
    named = [m.says for m in (mutant, catalog["FlipPaddedBatch"]) if plain(m.says) in plain(failures[0])]
    assert named, f"the feedback should name the torch.flip mistake; it said: {failures[0]}"
