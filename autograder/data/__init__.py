"""Data the kit makes itself: text and corpora drawn from known generative models, so that
the best achievable score (an HMM's optimal accuracy, a Markov source's entropy rate) is exact."""
