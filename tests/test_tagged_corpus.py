"""The tagged corpus: the HMM is well formed, sampling is reproducible, CoNLL-U is valid, and
forward-backward and filtering equal brute-force enumeration over every tag sequence."""
import itertools

import numpy as np
import pytest

from autograder.data.tagged_corpus import (
    SPLITS,
    TaggedHMM,
    default_hmm,
    filter_decode,
    forward_filter,
    optimal_accuracy,
    posterior_decode,
    posteriors,
    sample_sentences,
    write_conllu,
)


def random_hmm(seed, K=3, V=4):
    """A small dense HMM with an end probability on every tag, so the end term matters."""
    rng = np.random.default_rng(seed)

    def rows(*shape):
        m = rng.random(shape) + 0.05
        return m / m.sum(axis=-1, keepdims=True)

    return TaggedHMM([f"T{k}" for k in range(K)], [f"w{v}" for v in range(V)],
                     rows(K), rows(K, K), rows(K, V), rng.uniform(0.1, 0.6, K))


def joint(hmm, tags, x, ends=True):
    """p(tag sequence, words[, the sentence stops after the last word]) straight from the definition."""
    p = hmm.start[tags[0]] * hmm.emission[tags[0], x[0]]
    for prev, tag, word in zip(tags, tags[1:], x[1:]):
        p *= (1 - hmm.end[prev]) * hmm.transition[prev, tag] * hmm.emission[tag, word]
    return p * hmm.end[tags[-1]] if ends else p


def brute_marginals(hmm, words, ends):
    x = hmm.word_ids(words)
    K = len(hmm.tags)
    marginals = np.zeros((len(x), K))
    for tags in itertools.product(range(K), repeat=len(x)):
        p = joint(hmm, tags, x, ends)
        for t, k in enumerate(tags):
            marginals[t, k] += p
    return marginals / marginals.sum(axis=1, keepdims=True)


def brute_filter(hmm, words):
    # Row t conditions on the first t+1 words only: enumerate prefixes, no end term.
    return np.stack([brute_marginals(hmm, words[:t + 1], ends=False)[t] for t in range(len(words))])


@pytest.mark.parametrize("seed", range(4))
def test_forward_backward_equals_enumeration_on_a_dense_hmm(seed):
    hmm = random_hmm(seed)
    rng = np.random.default_rng(100 + seed)
    for length in [1, 2, 3, 5]:
        words = [hmm.words[i] for i in rng.integers(0, len(hmm.words), length)]
        np.testing.assert_allclose(posteriors(hmm, words), brute_marginals(hmm, words, ends=True),
                                   rtol=1e-10, atol=1e-12, err_msg=f"posteriors of {words}")
        np.testing.assert_allclose(forward_filter(hmm, words), brute_filter(hmm, words),
                                   rtol=1e-10, atol=1e-12, err_msg=f"filtering of {words}")


def test_forward_backward_equals_enumeration_on_the_default_hmm():
    hmm = default_hmm()
    for words in [["I", "saw", "."], ["the", "light", "rain", "."], ["they", "can", "fly", "."],
                  ["that", "light", "."]]:
        np.testing.assert_allclose(posteriors(hmm, words), brute_marginals(hmm, words, ends=True),
                                   rtol=1e-9, atol=1e-12, err_msg=f"posteriors of {words}")
        np.testing.assert_allclose(forward_filter(hmm, words), brute_filter(hmm, words),
                                   rtol=1e-9, atol=1e-12, err_msg=f"filtering of {words}")


def test_right_context_decides_some_tags():
    hmm = default_hmm()
    # `to` before a verb is a particle, before a noun phrase a preposition; filtering cannot know.
    assert posterior_decode(hmm, ["I", "want", "to", "read", "."])[2] == "PART"
    assert posterior_decode(hmm, ["I", "went", "to", "the", "park", "."])[2] == "ADP"
    left = filter_decode(hmm, ["I", "went", "to", "the", "park", "."])[2]
    assert left == filter_decode(hmm, ["I", "went", "to", "read", "."])[2]
    # `light` after `the`: an adjective before a noun, a noun before a full stop.
    assert posterior_decode(hmm, ["the", "light", "car", "."])[1] == "ADJ"
    assert posterior_decode(hmm, ["I", "saw", "the", "light", "."])[3] == "NOUN"


def test_default_hmm_is_a_distribution_with_many_ambiguous_words():
    hmm = default_hmm()
    assert len(hmm.tags) == len(set(hmm.tags)) and "PUNCT" in hmm.tags
    for row in [hmm.start, *hmm.transition, *hmm.emission]:
        assert np.all(row >= 0) and abs(row.sum() - 1) < 1e-12
    tags_per_word = (hmm.emission > 0).sum(axis=0)
    ambiguous = {w for w, n in zip(hmm.words, tags_per_word) if n > 1}
    assert {"book", "can", "fly", "saw", "watch", "duck", "bank", "run"} <= set(hmm.words)
    assert {"book", "can", "fly", "saw", "watch", "duck", "run", "to", "that"} <= ambiguous
    assert len(ambiguous) >= 40, f"only {len(ambiguous)} ambiguous words"


def test_sampling_is_reproducible_and_matches_the_model():
    hmm = default_hmm()
    a = sample_sentences(hmm, 300, seed=5)
    assert a == sample_sentences(hmm, 300, seed=5)
    assert a != sample_sentences(hmm, 300, seed=6)
    assert all(s[-1][1] == "PUNCT" and all(t != "PUNCT" for _, t in s[:-1]) for s in a)
    assert all(hmm.emission[hmm.tags.index(t), hmm.word_index[w]] > 0 for s in a for w, t in s)
    # The first tags follow `start` (3000 draws: a 4-sigma band).
    first = [s[0][1] for s in sample_sentences(hmm, 3000, seed=9)]
    for k, tag in enumerate(hmm.tags):
        p = hmm.start[k]
        assert abs(first.count(tag) / 3000 - p) <= 4 * np.sqrt(p * (1 - p) / 3000) + 1e-9, tag


def test_forward_backward_beats_filtering_by_several_points():
    hmm = default_hmm()
    sentences = sample_sentences(hmm, 1500, seed=11)
    posterior = optimal_accuracy(hmm, sentences, "posterior")
    filtering = optimal_accuracy(hmm, sentences, "filtering")
    assert 0.95 < posterior < 0.995, posterior
    assert posterior - filtering > 0.03, f"posterior {posterior:.4f}, filtering {filtering:.4f}"


def test_write_conllu_is_valid(tmp_path):
    hmm = default_hmm()
    sentences = sample_sentences(hmm, 20, seed=3)
    path = tmp_path / "x.conllu"
    write_conllu(sentences, path)
    text = path.read_text(encoding="utf-8")
    assert text.endswith("\n\n")
    blocks = text.strip("\n").split("\n\n")
    assert len(blocks) == len(sentences)
    for i, (block, sentence) in enumerate(zip(blocks, sentences), start=1):
        lines = block.split("\n")
        assert lines[0] == f"# sent_id = hmm-{i}"
        assert lines[1] == "# text = " + " ".join(w for w, _ in sentence)
        rows = [line.split("\t") for line in lines[2:]]
        assert all(len(row) == 10 for row in rows)
        assert [row[0] for row in rows] == [str(j) for j in range(1, len(sentence) + 1)]
        assert [(row[1], row[3]) for row in rows] == sentence
        assert sum(row[6] == "0" for row in rows) == 1  # one root


def test_public_splits_are_named_and_distinct():
    assert set(SPLITS) == {"train", "dev"}
    assert len({seed for _, seed in SPLITS.values()}) == 2
