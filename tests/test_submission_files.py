"""What a submission is on disk: huge notebooks are graded on their code, links are refused by
name, limits are named, and odd student ids and crowded folders change nothing."""
import json

import pytest

from autograder import gradebook, synthetic
from autograder.grading.batch import Options, grade_assignment
from autograder.grading.results import ERROR
from tests.conftest import explain
from tests.test_engine import NAME, make_course

pytestmark = pytest.mark.sandbox  # run again by CI with bubblewrap hidden

OUTPUT_MB = 80  # past the 64 MiB a grading process is sent, and the 8 MiB kept with outputs


def with_huge_outputs(name, released):
    notebook = json.loads(synthetic.perfect(name, released))
    tensor = {"output_type": "stream", "name": "stdout", "text": ["tensor([0.1234, 0.5678])\n"] * 40_000}
    code = [cell for cell in notebook["cells"] if cell["cell_type"] == "code"]
    per_cell = OUTPUT_MB * 2**20 // (len(code) * len(json.dumps(tensor))) + 1
    for cell in code:
        cell["outputs"] = [tensor] * per_cell
    return json.dumps(notebook)


def with_too_much_code(name, released):
    notebook = json.loads(synthetic.perfect(name, released))
    notebook["cells"].append({"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [],
                              "source": "DATA = " + repr("x" * (5 << 20)) + "\n"})
    return json.dumps(notebook)


ODD_IDS = ["with space", "quo'te\"s", "-leading-dash", "étudiant", "学生"]


@pytest.fixture(scope="module", params=[1, 2], ids=["inline", "pool"])
def graded(request, tmp_path_factory, kit):
    root = tmp_path_factory.mktemp("course")
    # Inline, the notebook is read where it lies; in a pool it is shipped to a grading process.
    # Only the notebooks themselves differ between the two.
    students = {"huge-outputs": with_huge_outputs, "too-much-code": with_too_much_code, "linked": synthetic.perfect}
    if request.param > 1:
        students.update({"many-files": synthetic.perfect, **{student: synthetic.perfect for student in ODD_IDS}})
    course = make_course(root, kit, students)
    notebook = course.submitted_dir / "linked" / NAME / f"{NAME}.ipynb"
    target = root / "gradebook-lookalike.db"
    notebook.rename(target)
    notebook.symlink_to(target)
    if "many-files" in students:
        crowded = course.submitted_dir / "many-files" / NAME / "extra"
        crowded.mkdir()
        for i in range(20_000):
            (crowded / f"{i:05d}.txt").write_bytes(b"x")
    options = Options(workers=request.param, progress=False)
    return course, {r.student: r for r in grade_assignment(course, NAME, options=options)}


def test_a_notebook_huge_only_for_its_outputs_is_graded_on_its_code(graded):
    _, results = graded
    result = results["huge-outputs"]
    assert result.score == result.max_score, f"a {OUTPUT_MB} MB notebook of outputs:\n{explain(result)}"


def test_a_linked_notebook_is_refused_and_the_message_says_it_is_a_link(graded):
    _, results = graded
    result = results["linked"]
    assert result.score == 0 and {c.status for c in result.cells} == {ERROR}, explain(result)
    said = " ".join(result.problems)
    assert "symbolic link" in said and "submit the notebook file itself" in said, said
    assert "No such file" not in said, said


def test_code_past_the_limit_is_refused_with_the_limit_named(graded):
    _, results = graded
    result = results["too-much-code"]
    assert result.score == 0, explain(result)
    said = " ".join(result.problems)
    assert "of code, past the limit of 4 MiB" in said, said


def in_a_pool(results, student):
    if student not in results:
        pytest.skip("graded in the pool only")
    return results[student]


def test_a_folder_of_20000_extra_files_is_graded_and_the_limit_is_named(graded):
    _, results = graded
    result = in_a_pool(results, "many-files")
    assert result.score == result.max_score, explain(result)
    assert any("at most 200 files" in problem for problem in result.problems), result.problems


@pytest.mark.parametrize("student", ODD_IDS)
def test_odd_student_ids_are_graded_and_recorded(graded, student):
    course, results = graded
    result = in_a_pool(results, student)
    assert result.score == result.max_score, explain(result)
    assert sum(gradebook.scores(course, NAME)[student].values()) == result.max_score
    assert (course.autograded_dir / student / NAME / "feedback.txt").is_file()


