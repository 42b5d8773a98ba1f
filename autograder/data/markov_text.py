"""Text from a Markov source over characters, whose entropy rate is known exactly.

A source of order k picks each character from a distribution that depends only on the k
characters before it. Its entropy rate, in bits per character, is the best any model of
the text can do on average:

    H = sum over contexts s of  pi(s) * H(next char | s)

where pi is the stationary distribution of the chain whose states are the contexts.
The char_lm grader trains a student's model on such text and scores its bits per
character on held-out text against H.
"""
import itertools
import math
from dataclasses import dataclass

import numpy as np

ALPHABET = "aeinost "  # letters common in English, and a space so samples look like words


@dataclass(frozen=True)
class MarkovSource:
    alphabet: str
    order: int
    transitions: np.ndarray  # (V ** order, V): row = context index, column = next character

    @property
    def contexts(self):
        """Every context, in the order of the rows of `transitions`."""
        return ["".join(c) for c in itertools.product(self.alphabet, repeat=self.order)]

    def context_index(self, context):
        V = len(self.alphabet)
        index = 0
        for ch in context:
            index = index * V + self.alphabet.index(ch)
        return index

    def context_chain(self):
        """(V**k, V**k) transition matrix between contexts: s -> s[1:] + c with P(c | s)."""
        V, n = len(self.alphabet), len(self.transitions)
        chain = np.zeros((n, n))
        for s in range(n):
            for c in range(V):
                chain[s, (s * V) % n + c] += self.transitions[s, c]
        return chain

    def stationary(self):
        """pi with pi @ chain == pi and sum(pi) == 1, by a linear solve (the chain is irreducible)."""
        chain = self.context_chain()
        n = len(chain)
        # pi (P - I) = 0 has rank n-1; replace one equation by the normalisation.
        A = (chain - np.eye(n)).T
        A[-1, :] = 1.0
        b = np.zeros(n)
        b[-1] = 1.0
        return np.linalg.solve(A, b)

    def entropy_rate(self):
        """Exact entropy rate in bits per character."""
        return float(self.stationary() @ conditional_entropies(self.transitions))

    def sample(self, length, seed):
        """`length` characters, the first context drawn from the stationary distribution."""
        rng = np.random.default_rng(seed)
        n, V = self.transitions.shape
        state = int(rng.choice(n, p=self.stationary()))
        out = list(self.contexts[state])
        cumulative = np.cumsum(self.transitions, axis=1)
        uniforms = rng.random(max(0, length - self.order))
        for u in uniforms:
            c = min(int(np.searchsorted(cumulative[state], u, side="right")), V - 1)
            out.append(self.alphabet[c])
            state = (state * V) % n + c
        return "".join(out[:length])

    def log_loss(self, text):
        """Bits per character the true source pays on `text`, after its first `order` characters."""
        V, n = len(self.alphabet), len(self.transitions)
        state = self.context_index(text[: self.order])
        total = 0.0
        for ch in text[self.order:]:
            c = self.alphabet.index(ch)
            total -= math.log2(self.transitions[state, c])
            state = (state * V) % n + c
        return total / max(1, len(text) - self.order)


def conditional_entropies(transitions):
    """H(next | context) in bits for each row; 0 log 0 counts as 0."""
    p = np.asarray(transitions, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(p > 0, -p * np.log2(p), 0.0)
    return terms.sum(axis=1)


def random_source(seed, alphabet=ALPHABET, order=2, concentration=0.25):
    """A seeded source whose rows are Dirichlet(concentration) draws: small concentration makes
    each context favour a few characters, so there is structure to learn; every probability
    stays positive, so the chain is irreducible and aperiodic."""
    rng = np.random.default_rng(seed)
    V = len(alphabet)
    rows = rng.dirichlet(np.full(V, concentration), size=V ** order)
    rows = np.maximum(rows, 1e-4)  # keep every transition possible (and log-losses finite)
    rows /= rows.sum(axis=1, keepdims=True)
    return MarkovSource(alphabet, order, rows)


def context_entropy(source, k):
    """H(next | the k characters before it), in bits, for k <= order, with the text stationary:
    what the best model that looks back only k characters can reach (k = order: the entropy rate)."""
    if not 0 <= k <= source.order:
        raise ValueError(f"k must be between 0 and the order {source.order}")
    V, order = len(source.alphabet), source.order
    joint = source.stationary()[:, None] * source.transitions  # P(context, next)
    # Forget the oldest order - k characters of the context: sum the rows that share the rest.
    joint = joint.reshape(V ** (order - k), V ** k, V).sum(axis=0)
    marginal = joint.sum(axis=1, keepdims=True)
    return float(marginal[:, 0] @ conditional_entropies(joint / marginal))
