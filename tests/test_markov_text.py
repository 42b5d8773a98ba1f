"""The Markov text source: its entropy rate is exact, checked two independent ways."""
import itertools
import math

import numpy as np
import pytest

from autograder.data.markov_text import MarkovSource, context_entropy, random_source


def joint_entropy_brute_force(source, n):
    """H(X_1 .. X_n) in bits, by listing every string of length n with its probability
    (first `order` characters from the stationary distribution)."""
    pi = source.stationary()
    V, order = len(source.alphabet), source.order
    total = 0.0
    for string in itertools.product(range(V), repeat=n):
        state = 0
        for c in string[:order]:
            state = state * V + c
        p = pi[state]
        for c in string[order:]:
            p *= source.transitions[state, c]
            state = (state * V) % len(pi) + c
        if p > 0:
            total -= p * math.log2(p)
    return total


@pytest.mark.parametrize("order, alphabet", [(1, "ab"), (1, "xyz"), (2, "ab"), (2, "abc")])
def test_entropy_rate_equals_brute_force_entropy_increment(order, alphabet):
    # For a stationary Markov chain of order k, H(X_1..X_n) - H(X_1..X_{n-1}) = H(X_n | X_{n-k}..X_{n-1})
    # for every n > k: exactly the entropy rate, computed here without the stationary formula's sum.
    source = random_source(3, alphabet=alphabet, order=order, concentration=0.7)
    n = order + 3
    increment = joint_entropy_brute_force(source, n) - joint_entropy_brute_force(source, n - 1)
    assert abs(increment - source.entropy_rate()) < 1e-10, (
        f"brute force gives {increment:.12f} bits per character, entropy_rate() {source.entropy_rate():.12f}")


def test_entropy_rate_of_known_chains():
    # A fair coin: 1 bit. A deterministic cycle a -> b -> a: 0 bits.
    coin = MarkovSource("ab", 1, np.array([[0.5, 0.5], [0.5, 0.5]]))
    assert abs(coin.entropy_rate() - 1.0) < 1e-12
    cycle = MarkovSource("ab", 1, np.array([[0.0, 1.0], [1.0, 0.0]]))
    assert abs(cycle.entropy_rate()) < 1e-12
    # A sticky two-state chain: stationary (b, a) weights (q, p) / (p + q).
    p, q = 0.1, 0.3
    sticky = MarkovSource("ab", 1, np.array([[1 - p, p], [q, 1 - q]]))
    h = lambda x: -x * math.log2(x) - (1 - x) * math.log2(1 - x)  # noqa: E731
    expected = (q * h(p) + p * h(q)) / (p + q)
    assert abs(sticky.entropy_rate() - expected) < 1e-12


def test_stationary_distribution_is_stationary():
    source = random_source(11)
    pi = source.stationary()
    assert np.all(pi > 0) and abs(pi.sum() - 1) < 1e-12
    assert np.abs(pi @ source.context_chain() - pi).max() < 1e-12


def test_true_model_log_loss_on_a_long_sample_matches_the_entropy_rate():
    source = random_source(5)
    text = source.sample(200_000, seed=1)
    # Per-character log-losses have a standard deviation of about 1.5 bits; on 200,000 correlated
    # characters the mean's standard error is well under 0.01 bits.
    assert abs(source.log_loss(text) - source.entropy_rate()) < 0.02, (
        f"the true model pays {source.log_loss(text):.4f} bits per character on a long sample; "
        f"the entropy rate is {source.entropy_rate():.4f}")


def test_sample_is_seeded_and_uses_the_alphabet():
    source = random_source(2)
    assert source.sample(500, seed=9) == source.sample(500, seed=9)
    assert source.sample(500, seed=9) != source.sample(500, seed=10)
    assert set(source.sample(2000, seed=1)) == set(source.alphabet)
    assert len(source.sample(1, seed=1)) == 1


def test_longer_context_never_hurts_and_the_full_context_is_the_entropy_rate():
    source = random_source(7)
    entropies = [context_entropy(source, k) for k in range(source.order + 1)]
    assert entropies[0] <= math.log2(len(source.alphabet)) + 1e-12
    assert entropies[0] >= entropies[1] >= entropies[2]
    assert abs(entropies[2] - source.entropy_rate()) < 1e-12
    # The graded source has real second-order structure: one character of context is far from enough.
    assert entropies[1] - entropies[2] > 0.5
