"""A tagged English corpus drawn from a hidden Markov model over Universal POS tags.

Because the generator is an HMM, the best possible tagging accuracy on any split is
computable exactly:

- posterior decoding (forward-backward): the most probable tag of each token given the
  whole sentence, the ceiling of a bidirectional tagger;
- filtering (forward only): the most probable tag given the words so far, the ceiling of
  a left-to-right tagger that must commit at each word.

The lexicon is real English with many ambiguous words (`book`, `can`, `fly`, `saw`,
`watch`, ...). Some of them are decided only by the words that FOLLOW: `to` before a
verb is a particle and before a noun phrase a preposition; `that` is a determiner before
a noun, a pronoun before a verb or a full stop, a conjunction before a clause; `light`
after `the` is an adjective before a noun and a noun before a verb. That is what makes
forward-backward beat filtering by several points.

A sentence is generated as: tag_1 ~ start; word_t ~ emission[tag_t]; after tag_t the
sentence ends with probability end[tag_t], otherwise tag_{t+1} ~ transition[tag_t].
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

# The public splits. The test split's seed is kit-only (autograder/hidden/pos_tagger.py).
SPLITS = {"train": (2000, 101), "dev": (500, 202)}

TAGS = ["DET", "ADJ", "NOUN", "PROPN", "PRON", "VERB", "AUX", "ADV", "ADP", "PART",
        "CCONJ", "SCONJ", "NUM", "PUNCT"]

# Unnormalised transition weights: the tag that follows each tag. "<s>" is the start.
TRANSITIONS = {
    "<s>": {"DET": 35, "PRON": 25, "PROPN": 12, "NOUN": 6, "ADJ": 3, "ADV": 5, "ADP": 7,
            "NUM": 3, "SCONJ": 4},
    "DET": {"NOUN": 50, "ADJ": 45, "NUM": 3, "ADV": 2},
    "ADJ": {"NOUN": 80, "ADJ": 10, "CCONJ": 4, "PUNCT": 6, "ADP": 4},
    "NOUN": {"VERB": 24, "AUX": 12, "ADP": 18, "PUNCT": 30, "CCONJ": 4, "NOUN": 8,
             "SCONJ": 3, "ADV": 2, "PART": 2},
    "PROPN": {"VERB": 40, "AUX": 20, "PUNCT": 25, "ADP": 8, "CCONJ": 5, "PROPN": 3},
    "PRON": {"VERB": 55, "AUX": 35, "ADV": 10},
    "VERB": {"DET": 30, "PRON": 12, "ADP": 18, "PART": 12, "ADV": 10, "PUNCT": 20,
             "NOUN": 4, "PROPN": 5, "ADJ": 3, "SCONJ": 6},
    "AUX": {"VERB": 60, "ADV": 12, "ADJ": 10, "DET": 10, "PART": 8},
    "ADV": {"VERB": 35, "ADJ": 15, "PUNCT": 35, "ADP": 10, "ADV": 3, "AUX": 2},
    "ADP": {"DET": 55, "PROPN": 15, "NOUN": 12, "PRON": 10, "NUM": 5, "ADJ": 3},
    "PART": {"VERB": 85, "ADV": 10, "ADJ": 5},
    "CCONJ": {"PRON": 30, "DET": 25, "NOUN": 10, "VERB": 15, "ADJ": 10, "PROPN": 10},
    "SCONJ": {"PRON": 40, "DET": 35, "PROPN": 15, "NOUN": 10},
    "NUM": {"NOUN": 85, "ADJ": 10, "PUNCT": 5},
    "PUNCT": {"DET": 1},  # never used: a full stop ends the sentence
}

# Probability that the sentence ends right after a word with this tag.
END = {"PUNCT": 1.0}

# Unnormalised emission weights. Words listed under several tags are the ambiguous ones.
LEXICON = {
    "DET": {"the": 40, "a": 20, "an": 4, "this": 5, "that": 7, "these": 2, "those": 2,
            "every": 2, "some": 3, "no": 2, "each": 1.5, "another": 1, "all": 1.5},
    "ADJ": {"old": 6, "new": 6, "big": 4, "small": 4, "good": 5, "little": 3, "young": 3,
            "red": 2, "happy": 2, "quiet": 2, "long": 3, "short": 2, "dark": 2, "warm": 2,
            "light": 8, "cold": 6, "fine": 5, "green": 5, "kind": 4, "plain": 4, "square": 4,
            "last": 3, "past": 2, "clean": 2, "open": 2, "free": 2, "fast": 2, "right": 2,
            "round": 1.5, "well": 1, "present": 1.5, "content": 1, "close": 2, "back": 1},
    "NOUN": {"man": 5, "woman": 5, "dog": 4, "cat": 4, "house": 4, "city": 3, "car": 3,
             "child": 3, "teacher": 2, "river": 2, "garden": 2, "letter": 2, "story": 2,
             "book": 5, "fly": 3, "watch": 3, "duck": 3, "bank": 4, "run": 3, "saw": 2,
             "can": 2, "park": 4, "fish": 4, "play": 3, "walk": 3, "plan": 3, "work": 4,
             "rain": 2, "light": 9, "cold": 8, "fine": 5, "green": 6, "kind": 6, "plain": 5,
             "square": 7, "train": 3, "ring": 2, "rose": 2, "match": 2, "record": 2,
             "present": 2, "object": 1.5, "content": 1.5, "back": 2, "right": 1.5, "round": 1,
             "time": 4, "day": 4, "year": 3, "water": 3, "school": 3, "table": 2, "door": 2,
             "window": 2, "morning": 2, "music": 2, "film": 2, "question": 2, "bird": 2,
             "tree": 2, "paper": 2, "coffee": 2, "friend": 3, "doctor": 2, "week": 2, "Monday": 1},
    "PROPN": {"Anna": 4, "Tom": 4, "London": 3, "Paris": 3, "Mary": 3, "John": 3,
              "Berlin": 2, "Sam": 2, "Lisa": 2, "Rome": 2, "May": 1.5, "Bill": 1.5, "Will": 1},
    "PRON": {"I": 8, "you": 7, "he": 6, "she": 6, "it": 7, "we": 5, "they": 6,
             "that": 4, "this": 2, "someone": 1, "everyone": 1, "them": 2, "him": 2, "me": 2,
             "us": 1, "her": 2, "nothing": 1, "all": 0.5},
    "VERB": {"saw": 5, "book": 2, "fly": 3, "watch": 4, "duck": 1, "run": 4, "can": 0.3,
             "park": 1, "fish": 2, "play": 4, "walk": 3, "plan": 2, "work": 3, "rain": 0.5,
             "light": 1, "train": 2, "ring": 1, "rose": 1, "match": 1, "record": 2,
             "present": 1, "object": 1, "back": 0.5, "round": 0.3, "open": 2, "close": 2,
             "clean": 1.5, "free": 0.5, "right": 0.2, "like": 4, "see": 5, "take": 4, "make": 4,
             "find": 3, "give": 3, "read": 4, "write": 3, "eat": 3, "leave": 2, "help": 3,
             "want": 4, "know": 4, "think": 3, "love": 3, "bought": 2, "found": 2, "told": 2,
             "said": 3, "went": 3, "came": 3, "left": 2, "sang": 1, "swim": 2, "sleep": 2,
             "talk": 2, "call": 2, "need": 2, "keep": 2, "show": 2, "sell": 1, "wait": 2, "fell": 1},
    "AUX": {"can": 8, "will": 8, "must": 4, "should": 4, "may": 4, "might": 3, "is": 8,
            "was": 6, "are": 5, "were": 3, "has": 4, "had": 4, "did": 3, "could": 4, "would": 4},
    "ADV": {"not": 2, "very": 5, "often": 3, "never": 3, "always": 3, "still": 3,
            "now": 3, "then": 3, "here": 3, "there": 3, "back": 2, "up": 3, "out": 3,
            "down": 2, "off": 2, "away": 2, "well": 3, "fast": 2, "round": 1, "right": 1,
            "close": 1, "too": 2, "so": 2, "just": 3, "only": 2, "later": 2},
    "ADP": {"to": 18, "in": 12, "on": 8, "at": 7, "with": 7, "from": 5, "for": 6, "of": 10,
            "by": 4, "about": 3, "into": 3, "like": 3, "up": 3, "out": 2, "down": 3, "off": 2,
            "over": 2, "round": 1, "near": 2, "after": 2, "before": 2, "since": 1},
    "PART": {"to": 30, "not": 8},
    "CCONJ": {"and": 10, "but": 5, "or": 4, "so": 1},
    "SCONJ": {"that": 12, "because": 3, "if": 4, "when": 4, "while": 2, "after": 1.5,
              "before": 1.5, "since": 1, "so": 1, "as": 2, "like": 0.5},
    "NUM": {"two": 4, "three": 3, "ten": 2, "one": 3, "five": 2, "seven": 1, "2026": 1, "40": 1},
    "PUNCT": {".": 10, "!": 1, "?": 1},
}


@dataclass
class TaggedHMM:
    """An HMM over UPOS tags. Rows of `transition` and `emission` sum to 1; `end[k]` is the
    probability that the sentence stops right after a word tagged k (`transition[k]` is then
    the next tag's distribution given that it goes on)."""

    tags: list[str]
    words: list[str]
    start: np.ndarray       # (K,)
    transition: np.ndarray  # (K, K)
    emission: np.ndarray    # (K, V)
    end: np.ndarray         # (K,)

    def __post_init__(self):
        K, V = len(self.tags), len(self.words)
        assert self.start.shape == (K,) and self.transition.shape == (K, K)
        assert self.emission.shape == (K, V) and self.end.shape == (K,)
        for name, rows in [("start", self.start[None]), ("transition", self.transition),
                           ("emission", self.emission)]:
            assert np.allclose(rows.sum(axis=-1), 1.0), f"{name} rows must sum to 1"
        self.word_index = {w: i for i, w in enumerate(self.words)}

    def word_ids(self, words):
        try:
            return np.array([self.word_index[w] for w in words], dtype=np.int64)
        except KeyError as missing:
            raise ValueError(f"word {missing} is not in the HMM's vocabulary") from None


def default_hmm() -> TaggedHMM:
    """The kit's HMM: 14 UPOS tags over a few hundred real English words."""
    words = sorted({w for emitted in LEXICON.values() for w in emitted})
    col = {w: j for j, w in enumerate(words)}
    K = len(TAGS)
    start = np.array([TRANSITIONS["<s>"].get(t, 0.0) for t in TAGS], dtype=np.float64)
    transition = np.array([[TRANSITIONS[a].get(b, 0.0) for b in TAGS] for a in TAGS], dtype=np.float64)
    emission = np.zeros((K, len(words)))
    for k, tag in enumerate(TAGS):
        for word, weight in LEXICON[tag].items():
            emission[k, col[word]] = weight
    end = np.array([END.get(t, 0.0) for t in TAGS], dtype=np.float64)

    def normalise(m):
        return m / m.sum(axis=-1, keepdims=True)

    return TaggedHMM(TAGS[:], words, normalise(start), normalise(transition), normalise(emission), end)


def _draw(rng, cumulative):
    # One categorical draw; the explicit cumsum keeps samples identical across numpy versions.
    return min(int(np.searchsorted(cumulative, rng.random(), side="right")), len(cumulative) - 1)


def sample_sentences(hmm: TaggedHMM, n_sentences: int, seed: int) -> list[list[tuple[str, str]]]:
    """n_sentences sentences [(word, UPOS), ...] drawn from the HMM, reproducible from the seed."""
    rng = np.random.default_rng(seed)
    start_cdf = np.cumsum(hmm.start)
    transition_cdf = np.cumsum(hmm.transition, axis=1)
    emission_cdf = np.cumsum(hmm.emission, axis=1)
    sentences = []
    for _ in range(n_sentences):
        tag = _draw(rng, start_cdf)
        sentence = []
        while True:
            sentence.append((hmm.words[_draw(rng, emission_cdf[tag])], hmm.tags[tag]))
            if rng.random() < hmm.end[tag]:
                break
            tag = _draw(rng, transition_cdf[tag])
        sentences.append(sentence)
    return sentences


def write_conllu(sentences, path, prefix="hmm"):
    """Write sentences as CoNLL-U: ten tab-separated columns, `# sent_id` and `# text` comments,
    a blank line after each sentence. Only FORM and UPOS are known; HEAD is a flat chain
    (token 1 is the root) so that the file is structurally valid."""
    lines = []
    for i, sentence in enumerate(sentences, start=1):
        lines.append(f"# sent_id = {prefix}-{i}")
        lines.append("# text = " + " ".join(word for word, _ in sentence))
        for j, (word, tag) in enumerate(sentence, start=1):
            head, deprel = (0, "root") if j == 1 else (j - 1, "dep")
            lines.append("\t".join([str(j), word, "_", tag, "_", "_", str(head), deprel, "_", "_"]))
        lines.append("")
    Path(path).write_text("\n".join(lines) + "\n", encoding="utf-8")


def forward_filter(hmm: TaggedHMM, words) -> np.ndarray:
    """(T, K): row t is p(tag_t | w_1..t), the left-context posterior."""
    x = hmm.word_ids(words)
    alpha = np.empty((len(x), len(hmm.tags)))
    a = hmm.start * hmm.emission[:, x[0]]
    alpha[0] = a / a.sum()
    go_on = hmm.transition * (1.0 - hmm.end)[:, None]  # the sentence went on past t-1
    for t in range(1, len(x)):
        a = (alpha[t - 1] @ go_on) * hmm.emission[:, x[t]]
        alpha[t] = a / a.sum()
    return alpha


def posteriors(hmm: TaggedHMM, words) -> np.ndarray:
    """(T, K): row t is p(tag_t | w_1..T, the sentence ends after w_T), by forward-backward."""
    alpha = forward_filter(hmm, words)
    x = hmm.word_ids(words)
    go_on = hmm.transition * (1.0 - hmm.end)[:, None]
    beta = np.empty_like(alpha)
    beta[-1] = hmm.end  # the sentence stops here
    for t in range(len(x) - 2, -1, -1):
        b = go_on @ (hmm.emission[:, x[t + 1]] * beta[t + 1])
        beta[t] = b / b.sum()  # scaling per step does not change the normalised product
    gamma = alpha * beta
    return gamma / gamma.sum(axis=1, keepdims=True)


def posterior_decode(hmm: TaggedHMM, words) -> list[str]:
    """Most probable tag of each word given the whole sentence (both sides of context)."""
    return [hmm.tags[k] for k in posteriors(hmm, words).argmax(axis=1)]


def filter_decode(hmm: TaggedHMM, words) -> list[str]:
    """Most probable tag of each word given the words up to it (left context only)."""
    return [hmm.tags[k] for k in forward_filter(hmm, words).argmax(axis=1)]


def optimal_accuracy(hmm: TaggedHMM, sentences, method="posterior") -> float:
    """Token accuracy of the Bayes-optimal tagger on tagged sentences: "posterior" (both
    sides of context) or "filtering" (left context only)."""
    decode = {"posterior": posterior_decode, "filtering": filter_decode}[method]
    correct = total = 0
    for sentence in sentences:
        words, gold = zip(*sentence)
        correct += sum(p == g for p, g in zip(decode(hmm, list(words)), gold))
        total += len(gold)
    return correct / total


def public_splits(hmm: TaggedHMM) -> dict[str, list[list[tuple[str, str]]]]:
    """The public splits of `SPLITS`, sampled from `hmm`."""
    return {name: sample_sentences(hmm, n, seed) for name, (n, seed) in SPLITS.items()}


def write_dev_optima(directory, hmm: TaggedHMM, dev) -> dict[str, float]:
    """dev_optima.json: the two optima of the dev split, what a notebook compares a tagger with."""
    import json

    optima = {method: round(optimal_accuracy(hmm, dev, method), 6) for method in ("filtering", "posterior")}
    (Path(directory) / "dev_optima.json").write_text(json.dumps(optima, indent=1) + "\n", encoding="utf-8")
    return optima


def write_assignment_data(directory):
    """The files the pos_tagger assignment ships: the public splits as CoNLL-U, and the two
    optima of the dev split (what the notebook compares the student's tagger with)."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    hmm = default_hmm()
    splits = public_splits(hmm)
    for name, sentences in splits.items():
        write_conllu(sentences, directory / f"{name}.conllu", prefix=name)
    return splits, write_dev_optima(directory, hmm, splits["dev"])


if __name__ == "__main__":
    import sys

    print(write_assignment_data(sys.argv[1] if len(sys.argv) > 1 else "assignments/pos_tagger/data")[1])
