"""The measurements behind birnn's hidden tagging margins (docs/birnn.md).

Trains the locked cell's tagger, as the hidden test does, on the public train split and scores
it on the hidden test split: the one-way baseline, the reference BiRNN and the mutants of
BiRNN that hurt training, over several training seeds; then, at the graded seed, every
mutant and alternative of BiRNN. Not a test: it takes minutes.

    .venv/bin/python benchmarks/birnn_tagger_margins.py [--seeds 0 1 2 3 4 5]
"""
import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import solutions.birnn  # noqa: E402
from autograder.hidden.birnn import (  # noqa: E402
    EPOCHS,
    TRAIN_SEED,
    locked_helpers,
    tag_accuracy,
    tagging_task,
)
from autograder.mutants.birnn import catalog  # noqa: E402
from autograder.mutants.catalog import rerun  # noqa: E402

HURT_TRAINING = ["FlipPaddedBatch", "BackwardNotReReversed"]


def accuracy(namespace, bidirectional, seed):
    """Test accuracy of the locked cell's tagger built on namespace's BiRNN."""
    task = tagging_task()
    helpers = locked_helpers()
    helpers.update(BiRNN=namespace["BiRNN"], reverse_padded=namespace["reverse_padded"])
    model, _ = helpers["fit_tagger"](*task["train"], task["vocab_size"], task["num_tags"],
                                     bidirectional=bidirectional, epochs=EPOCHS, seed=seed)
    words, tags, lengths = task["test"]
    return tag_accuracy(helpers["predict_tags"](model, words, lengths), tags)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", type=int, nargs="*", default=list(range(6)))
    args = parser.parse_args()
    task = tagging_task()
    print(f"test split: {int((task['test'][1] != -100).sum())} words, forward-backward optimum "
          f"{task['posterior']:.2%}, filtering optimum {task['filtering']:.2%}")
    reference = rerun(solutions.birnn)
    variants = {name: catalog[name].namespace(solutions.birnn) for name in HURT_TRAINING}
    print(f"{'seed':>4} {'one-way':>8} {'reference':>9} " + " ".join(f"{n:>22}" for n in variants))
    for seed in args.seeds:
        row = [accuracy(reference, False, seed), accuracy(reference, True, seed)]
        row += [accuracy(namespace, True, seed) for namespace in variants.values()]
        print(f"{seed:>4} " + " ".join(f"{a:>8.2%}" for a in row[:2]) + " "
              + " ".join(f"{a:>22.2%}" for a in row[2:]), flush=True)
    print(f"at the graded seed {TRAIN_SEED}, every variant of BiRNN:")
    for variant in catalog.mutants + catalog.alternatives:
        if "BiRNN" in variant.sources:
            print(f"  {variant.kind:<11} {variant.name:<24} "
                  f"{accuracy(variant.namespace(solutions.birnn), True, TRAIN_SEED):.2%}", flush=True)


if __name__ == "__main__":
    main()
