"""The leak scan compares every release with EVERY assignment's solution and hidden tests, and
birnn's release answers none of pos_tagger's questions."""
import ast
import inspect
import json
import shutil

import pytest

import solutions.pos_tagger
from autograder.notebook.regions import BEGIN_SOLUTION
from autograder.release.leaks import COMMONPLACE, instructor_sources, scan

# Lines of one assignment's instructor code, each planted into another assignment's release.
PLANTED = [
    ('            if "-" in columns[0] or "." in columns[0]:', "solutions/pos_tagger.py"),  # read_conllu
    ("    return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), tags.reshape(-1), "
     "ignore_index=IGNORE)", "solutions/pos_tagger.py"),  # masked_loss
    ("    correct = (logits.argmax(dim=-1) == tags) & real", "solutions/pos_tagger.py"),  # accuracy
    ("            lines.append(\"# newpar\")", "autograder/hidden/pos_tagger.py"),
    ("    return torch.tensor([stoi[ch] for ch in text], dtype=torch.long)", "solutions/char_lm.py"),
]


def source_of(origin):
    return next(source for path, _, source in instructor_sources() if path == origin)


@pytest.fixture
def birnn_copy(kit, tmp_path):
    copy = tmp_path / "birnn"
    shutil.copytree(kit.release_dir / "birnn", copy)
    return copy


def add_cell(release, cell_type, text):
    path = release / "birnn.ipynb"
    notebook = json.loads(path.read_text(encoding="utf-8"))
    cell = {"cell_type": cell_type, "metadata": {}, "source": text.splitlines(keepends=True)}
    if cell_type == "code":
        cell.update(execution_count=None, outputs=[])
    notebook["cells"].append(cell)
    path.write_text(json.dumps(notebook, indent=1), encoding="utf-8")


@pytest.mark.parametrize("line, origin", PLANTED, ids=[f"{o}:{i}" for i, (_, o) in enumerate(PLANTED)])
@pytest.mark.parametrize("where", ["code cell", "markdown cell", "python file"])
def test_a_line_of_another_assignment_planted_in_birnns_release_is_reported(kit, birnn_copy, line, origin, where):
    assert line in source_of(origin), f"the planted line is no longer in {origin}: update PLANTED"
    assert scan(kit, "birnn", birnn_copy) == [], "the committed release of birnn should be clean"
    if where == "python file":
        (birnn_copy / "test_birnn.py").write_text(
            (birnn_copy / "test_birnn.py").read_text(encoding="utf-8") + "\n\ndef helper():\n" + line + "\n",
            encoding="utf-8")
    else:
        add_cell(birnn_copy, where.split()[0], "Some text before.\n" + line + "\nand after.")
    leaks = scan(kit, "birnn", birnn_copy)
    assert any(origin in leak and line.strip() in leak for leak in leaks), (
        f"a line of {origin} planted in a {where} of release/birnn should be reported, naming "
        f"{origin}; the scan said {leaks}")


def test_a_whole_function_of_pos_tagger_pasted_into_birnn_is_reported_line_by_line(kit, birnn_copy):
    add_cell(birnn_copy, "code", inspect.getsource(solutions.pos_tagger.encode_batch))
    leaks = [leak for leak in scan(kit, "birnn", birnn_copy) if "solutions/pos_tagger.py" in leak]
    assert len(leaks) >= 4, f"encode_batch pasted whole should be reported many times; got {leaks}"


def test_commonplace_lines_are_exempt_only_in_another_assignments_release(kit, birnn_copy, tmp_path):
    # birnn's fit_tagger builds its optimizer like char_lm's and pos_tagger's references: fine.
    line = "optimizer = torch.optim.Adam(model.parameters(), lr=lr)"
    assert line in COMMONPLACE and line in (birnn_copy / "birnn.ipynb").read_text(encoding="utf-8")
    assert scan(kit, "birnn", birnn_copy) == []
    # In char_lm's own release the same line would give away its train_char_lm.
    char_lm = tmp_path / "char_lm"
    shutil.copytree(kit.release_dir / "char_lm", char_lm)
    (char_lm / "notes.py").write_text(f"def train():\n    {line}\n", encoding="utf-8")
    assert any("solutions/char_lm.py" in leak for leak in scan(kit, "char_lm", char_lm))


@pytest.mark.parametrize("line", sorted(COMMONPLACE))
def test_every_commonplace_line_is_a_plain_statement_still_in_some_instructor_module(line):
    from autograder.release.leaks import distinctive_lines

    origins = [path for path, _, source in instructor_sources() if line in distinctive_lines(source)]
    assert origins, f"{line!r} is in no instructor module any more: remove it from COMMONPLACE"
    statement = ast.parse(line).body
    assert len(statement) == 1 and not isinstance(statement[0], (ast.FunctionDef, ast.ClassDef)), (
        f"{line!r}: only single everyday statements may be COMMONPLACE")


def test_the_scan_knows_every_assignments_instructor_modules(kit):
    origins = {path for path, _, _ in instructor_sources()}
    for name in kit.assignment_names():
        assert {f"solutions/{name}.py", f"autograder/hidden/{name}.py"} <= origins, name


# ---- birnn answers none of pos_tagger's questions ----

def released_code(kit, name):
    """{where: source} of every code cell of the released notebook and every .py file."""
    release = kit.release_dir / name
    notebook = json.loads((release / f"{name}.ipynb").read_text(encoding="utf-8"))
    code = {f"{name}.ipynb cell {i}": "".join(cell["source"])
            for i, cell in enumerate(notebook["cells"]) if cell["cell_type"] == "code"}
    code.update({path.name: path.read_text(encoding="utf-8") for path in release.glob("*.py")})
    return code


def pos_tagger_questions():
    """The names pos_tagger asks students to write (functions and classes of its reference),
    and `encode`, the name birnn's helper once had."""
    return {name for name, value in vars(solutions.pos_tagger).items()
            if (inspect.isfunction(value) or inspect.isclass(value))
            and value.__module__ == solutions.pos_tagger.__name__} | {"encode"}


def test_birnn_release_defines_nothing_pos_tagger_asks_for(kit):
    questions = pos_tagger_questions()
    assert {"read_conllu", "build_vocab", "encode_batch", "masked_loss", "accuracy"} <= questions
    for where, source in released_code(kit, "birnn").items():
        if BEGIN_SOLUTION in source:
            continue  # never in a release (test_release.py); parsed below only if clean
        defined = {node.name for node in ast.walk(ast.parse(source))
                   if isinstance(node, (ast.FunctionDef, ast.ClassDef))}
        assert not defined & questions, f"release/birnn/{where} defines {sorted(defined & questions)}"
        assert "ignore_index" not in source and "conllu" not in source.lower(), (
            f"release/birnn/{where} reads CoNLL-U or spells pos_tagger's masked loss")


def test_birnn_release_shares_no_line_with_pos_tagger_and_ships_no_conllu(kit):
    release = kit.release_dir / "birnn"
    leaks = [leak for leak in scan(kit, "birnn", release) if "pos_tagger" in leak]
    assert leaks == [], f"release/birnn repeats pos_tagger's instructor code: {leaks}"
    assert not list(release.rglob("*.conllu")), "birnn ships its data pre-encoded (.npz), not as CoNLL-U"
