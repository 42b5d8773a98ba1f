"""The reference solutions: one module per assignment, the single source of the solution code.

The notebooks' solution regions are checked against these modules (`autograder sync`
writes them in); the hidden tests compute their expected values from them, live.
"""
