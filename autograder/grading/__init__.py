"""The grading engine: a submission in, per-test results out, one writer to the gradebook."""
