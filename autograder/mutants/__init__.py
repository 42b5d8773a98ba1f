"""The mutant catalog: real mistakes, and correct solutions written differently.

`autograder.mutants.<name>.catalog` holds, for one assignment, buggy variants of the
reference (each one mistake, with the plain words that name it in feedback) and
alternative correct solutions. Tests inject them into notebooks and prove that every
mutant loses points and every alternative gets full marks.
"""
import importlib

from autograder.mutants.catalog import Catalog, Variant  # noqa: F401


def catalog_for(assignment):
    return importlib.import_module(f"autograder.mutants.{assignment}").catalog
