"""The pos_tagger reference against PyTorch and hand computation, and the data it ships."""
import json
import math
from pathlib import Path

import pytest
import torch
import torch.nn as nn

from autograder.data.tagged_corpus import SPLITS, write_assignment_data
from autograder.hidden import pos_tagger as hidden
from solutions.pos_tagger import (
    RNNTagger,
    accuracy,
    build_vocab,
    encode_batch,
    masked_loss,
    predict,
    read_conllu,
    train_tagger,
)

KIT = Path(__file__).resolve().parent.parent
DATA = KIT / "assignments" / "pos_tagger" / "data"
RELEASED = KIT / "release" / "pos_tagger"


@pytest.fixture(autouse=True)
def one_thread():
    # Tiny models: extra threads only fight over the CI machine's two cores.
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def test_shipped_data_is_what_the_generator_writes(tmp_path):
    write_assignment_data(tmp_path)
    for name in ["train.conllu", "dev.conllu", "dev_optima.json"]:
        fresh = (tmp_path / name).read_bytes()
        assert (DATA / name).read_bytes() == fresh, f"assignments/pos_tagger/data/{name} is stale: regenerate it"
        assert (RELEASED / "data" / name).read_bytes() == fresh, f"release/pos_tagger/data/{name} is stale"
    optima = json.loads((DATA / "dev_optima.json").read_text())
    assert optima["posterior"] - optima["filtering"] > 0.03, optima


def test_test_split_seed_never_ships():
    count, seed = hidden.TEST_SPLIT
    assert seed not in {s for _, s in SPLITS.values()}
    spellings = {str(seed), f"{seed:_}", f"{seed:,}"}
    for path in RELEASED.rglob("*"):
        if path.is_file():
            text = path.read_text(encoding="utf-8", errors="replace")
            assert not any(s in text for s in spellings), f"{path} contains the test split's seed"


def test_read_conllu_reads_the_ud_sample_and_the_splits():
    sentences = read_conllu(DATA / "ud_sample.conllu")
    # Multiword tokens (au, du) are replaced by their words; the empty node 5.1 is skipped.
    assert [len(s) for s in sentences] == [5, 9, 7]
    assert [w for w, _ in sentences[1]] == ["Je", "vais", "à", "le", "marché", "de", "le", "coin", "."]
    assert "likes" not in [w for w, _ in sentences[2][2:]]
    train = read_conllu(DATA / "train.conllu")
    from autograder.data.tagged_corpus import default_hmm, sample_sentences

    assert train == sample_sentences(default_hmm(), *SPLITS["train"])


def test_read_conllu_accepts_crlf_and_a_missing_final_blank_line(tmp_path):
    path = tmp_path / "x.conllu"
    path.write_bytes(b"# c\r\n1\tA\ta\tDET\t_\t_\t0\troot\t_\t_\r\n\r\n1\tb\tb\tX\t_\t_\t0\troot\t_\t_")
    assert read_conllu(path) == [[("A", "DET")], [("b", "X")]]


def test_build_vocab_reserves_pad_and_unk_and_counts_min_freq():
    sentences = [[("a", "X"), ("b", "Y"), ("a", "X")], [("c", "Z"), ("a", "X")]]
    word2id, tag2id = build_vocab(sentences, min_freq=2)
    assert word2id == {"<pad>": 0, "<unk>": 1, "a": 2}
    assert tag2id == {"X": 0, "Y": 1, "Z": 2}


def test_encode_batch_pads_and_maps_unknowns():
    word2id = {"<pad>": 0, "<unk>": 1, "a": 2}
    words, tags, lengths = encode_batch([[("a", "X"), ("q", "Y")], [("a", "Y")]], word2id, {"X": 0, "Y": 1})
    assert words.tolist() == [[2, 1], [2, 0]]
    assert tags.tolist() == [[0, 1], [1, -100]]
    assert lengths.tolist() == [2, 1] and words.dtype == tags.dtype == lengths.dtype == torch.long


@pytest.mark.parametrize("bidirectional", [False, True])
def test_rnn_tagger_equals_embedding_rnn_linear_on_each_sentence_alone(bidirectional):
    torch.manual_seed(0)
    model = RNNTagger(20, 5, embed_dim=6, hidden_size=7, bidirectional=bidirectional).double()
    lengths = torch.tensor([3, 6, 1, 6])
    words = torch.zeros(4, 8, dtype=torch.long)
    for n, length in enumerate(lengths.tolist()):
        words[n, :length] = torch.randint(2, 20, (length,))
    logits = model(words, lengths)
    assert logits.shape == (4, 8, 5)
    # Ground truth: PyTorch's own modules on the unpadded sentence, one at a time.
    for n, length in enumerate(lengths.tolist()):
        x = model.embedding(words[n:n + 1, :length])
        output, _ = model.rnn(x)
        torch.testing.assert_close(logits[n, :length], model.out(output)[0], rtol=1e-10, atol=1e-12)
        # The padding gets the zero output of pad_packed_sequence: the linear layer's bias.
        torch.testing.assert_close(logits[n, length:], model.out.bias.expand(8 - length, 5), rtol=0, atol=0)


def test_masked_loss_is_cross_entropy_over_real_tokens_and_sends_no_gradient_to_pads():
    torch.manual_seed(1)
    logits = torch.randn(3, 6, 4, dtype=torch.float64, requires_grad=True)
    tags = torch.tensor([[0, 1, 2, 3, 0, 1], [2, -100, -100, -100, -100, -100], [1, 1, -100, -100, -100, -100]])
    loss = masked_loss(logits, tags)
    real = tags != -100
    expected = -torch.log_softmax(logits, -1)[real].gather(1, tags[real][:, None]).mean()
    torch.testing.assert_close(loss, expected, rtol=1e-12, atol=0)
    loss.backward()
    assert torch.all(logits.grad[~real] == 0) and torch.all(logits.grad[real].abs().sum(-1) > 0)


def test_accuracy_counts_only_real_tokens():
    logits = torch.zeros(2, 3, 2)
    logits[..., 1] = 1.0  # always predicts tag 1
    tags = torch.tensor([[1, 0, 1], [1, -100, -100]])
    assert accuracy(logits, tags) == 3 / 4 and isinstance(accuracy(logits, tags), float)


def test_predict_is_argmax_cut_to_length_with_unknowns():
    torch.manual_seed(2)
    word2id, tag2id = {"<pad>": 0, "<unk>": 1, "a": 2, "b": 3}, {"X": 0, "Y": 1, "Z": 2}
    model = RNNTagger(4, 3, embed_dim=4, hidden_size=5)
    got = predict(model, [["a", "b", "zzz"], ["b"]], word2id, tag2id)
    logits = model(torch.tensor([[2, 3, 1], [3, 0, 0]]), torch.tensor([3, 1]))
    names = ["X", "Y", "Z"]
    assert got == [[names[i] for i in logits[0].argmax(-1).tolist()], [names[int(logits[1, 0].argmax())]]]


def test_training_is_reproducible_and_reduces_the_loss():
    sentences = read_conllu(DATA / "train.conllu")[:300]
    word2id, tag2id = build_vocab(sentences)
    runs = []
    for _ in range(2):
        torch.manual_seed(0)
        model = RNNTagger(len(word2id), len(tag2id), embed_dim=8, hidden_size=16)
        runs.append(train_tagger(model, sentences, word2id, tag2id, epochs=4, lr=0.05, batch_size=32))
    assert runs[0] == runs[1] and len(runs[0]) == 4 * math.ceil(300 / 32)
    assert sum(runs[0][-3:]) < 0.5 * sum(runs[0][:3]), runs[0]


def test_a_bidirectional_rnn_is_not_padding_invariant_without_packing():
    """Why packing matters: the same weights, run over the padding, change a sentence's outputs."""
    torch.manual_seed(3)
    rnn = nn.RNN(4, 5, batch_first=True, bidirectional=True)
    x = torch.randn(1, 3, 4)
    padded = torch.cat([x, torch.zeros(1, 2, 4)], dim=1)
    assert not torch.allclose(rnn(x)[0], rnn(padded)[0][:, :3], atol=1e-4)
