"""Release: what a student receives, generated from assignments/ and scanned for leaks."""
