"""What runs on the student's side of the wall: the worker and the plain-data wire between.

This package imports nothing else from the kit, so the sandbox can be given it alone.
"""
