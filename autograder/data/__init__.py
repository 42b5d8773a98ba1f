"""Data the kit makes itself: corpora drawn from known generative models, so that the best
achievable score is computable exactly."""
