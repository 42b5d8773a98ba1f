"""A catalog of variants of the reference: mutants (one mistake each) and alternatives."""
import inspect
import textwrap
from dataclasses import dataclass, field


@dataclass
class Variant:
    name: str
    kind: str  # "mutant" or "alternative"
    says: str = ""  # for a mutant: the mistake in plain words, as feedback shows it
    sources: dict = field(default_factory=dict)  # function name -> source defining it
    cells: tuple = ()  # grade ids where the kit's tests grade it (all cells when empty)

    def namespace(self, reference):
        """The reference module re-run with this variant's functions swapped in."""
        return rerun(reference, self.sources.values(), f"{self.kind} {self.name}")


def rerun(reference, sources=(), label="variant"):
    """Fresh globals from running the reference module's source, then `sources` after it.
    Re-running (not copying its names) makes the reference's other functions call the swapped-in
    ones, as they would in a student's notebook."""
    names = {"__name__": f"{reference.__name__}_rerun"}
    exec(compile(inspect.getsource(reference), reference.__file__, "exec"), names)
    for source in sources:
        exec(compile(source, f"<{label}>", "exec"), names)
    return names


class Catalog:
    def __init__(self, assignment):
        self.assignment = assignment
        self._variants = {}

    def _add(self, kind, name, replaces, says, function, cells=()):
        variant = self._variants.setdefault(name, Variant(name, kind, says, cells=tuple(cells)))
        variant.sources[replaces] = renamed_source(function, replaces)
        return function

    def mutant(self, replaces, says, cells=()):
        """Decorator: the function is a buggy `replaces`; its own name names the mistake.

        `cells`: the test cells that must catch it. The kit's tests grade only those, which
        keeps them fast where other cells train a model; by default they grade every cell."""
        return lambda function: self._add("mutant", function.__name__, replaces, says, function, cells)

    def alternative(self, name, replaces, cells=()):
        """Decorator: part of the correct solution `name`, standing in for `replaces`."""
        return lambda function: self._add("alternative", name, replaces, "", function, cells)

    @property
    def mutants(self):
        return [v for v in self._variants.values() if v.kind == "mutant"]

    @property
    def alternatives(self):
        return [v for v in self._variants.values() if v.kind == "alternative"]

    def __getitem__(self, name):
        return self._variants[name]


def renamed_source(function, new_name):
    """The function's source, undecorated, defining `new_name` instead of its own name."""
    lines = textwrap.dedent(inspect.getsource(function)).splitlines()
    while lines[0].startswith("@"):
        lines.pop(0)
    # A decorator's arguments can run over several lines.
    while not lines[0].lstrip().startswith(("def ", "class ")):
        lines.pop(0)
    lines[0] = lines[0].replace(f" {function.__name__}(", f" {new_name}(", 1)
    return "\n".join(lines) + "\n"
