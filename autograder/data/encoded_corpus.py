"""The tagged corpus already encoded as padded arrays of ids, for an assignment that must not
hand out the reading and encoding that pos_tagger asks students to write (birnn).

A split is one `.npz` file (numpy's own format; plain arrays, so it loads without pickle):

- `words` (N, T) int64: word ids, padded with 0 (`<pad>`); 1 is `<unk>`;
- `tags` (N, T) int64: tag ids, padded with -100;
- `lengths` (N,) int64: the number of real words of each sentence;
- `vocab` (V,) and `tag_names` (K,) unicode: the word and the tag of each id.

Every split is encoded with the train split's vocabulary by pos_tagger's reference, so the
ids are those a correct pos_tagger would give.
"""
from pathlib import Path

import numpy as np

from autograder.data.tagged_corpus import default_hmm, public_splits, write_dev_optima

ARRAYS = ("words", "tags", "lengths", "vocab", "tag_names")


def encode_splits(splits):
    """{name: {array name: array}} for tagged sentences {name: [[(word, tag), ...], ...]},
    which must include "train" (the vocabulary's source)."""
    from solutions.pos_tagger import build_vocab, encode_batch

    word2id, tag2id = build_vocab(splits["train"])
    names = {"vocab": np.array(list(word2id)), "tag_names": np.array(list(tag2id))}
    assert all(list(ids.values()) == list(range(len(ids))) for ids in (word2id, tag2id)), \
        "ids must count up from 0 in order for the name arrays to index them"
    encoded = {}
    for name, sentences in splits.items():
        words, tags, lengths = (tensor.numpy() for tensor in encode_batch(sentences, word2id, tag2id))
        encoded[name] = {"words": words, "tags": tags, "lengths": lengths, **names}
    return encoded


def write_encoded_data(directory):
    """The files birnn ships: train.npz, dev.npz and dev_optima.json; returns the optima."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    hmm = default_hmm()
    splits = public_splits(hmm)
    for name, arrays in encode_splits(splits).items():
        np.savez_compressed(directory / f"{name}.npz", **arrays)
    return write_dev_optima(directory, hmm, splits["dev"])


def read_encoded(path):
    """The arrays of one split file, loaded without pickle."""
    with np.load(path, allow_pickle=False) as split:
        return {name: split[name] for name in split.files}


if __name__ == "__main__":
    import sys

    print(write_encoded_data(sys.argv[1] if len(sys.argv) > 1 else "assignments/birnn/data"))
