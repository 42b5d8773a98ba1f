"""Data the kit makes itself: seeded generators whose best achievable scores are computable."""
