"""The same grading on Dask distributed (a LocalCluster here), the gradebook written by us alone."""
import distributed  # noqa: F401 (a dependency of the kit: a missing one must fail, not skip)

from autograder import gradebook, synthetic
from autograder.grading.batch import Options, grade_assignment
from autograder.mutants import catalog_for
from tests.test_engine import NAME, make_course


def test_grading_on_a_local_dask_cluster_matches_grading_here(kit, tmp_path):
    students = {"perfect": synthetic.perfect, "mutant": synthetic.variant(catalog_for(NAME)["one_bias"])}
    (tmp_path / "dask").mkdir()
    (tmp_path / "here").mkdir()
    on_dask, here = make_course(tmp_path / "dask", kit, students), make_course(tmp_path / "here", kit, students)

    remote = grade_assignment(on_dask, NAME, options=Options(dask="local:1", progress=False))
    local = grade_assignment(here, NAME, options=Options(workers=1, progress=False))
    def outcome(result):  # messages may differ: pytest rewrites the public checks' asserts here
        return [(c.grade_id, c.status, c.points, [(t.name, t.status) for t in c.tests]) for c in result.cells]

    assert [r.student for r in remote] == [r.student for r in local]
    for got, expected in zip(remote, local):
        assert outcome(got) == outcome(expected), f"{got.student}: on Dask {outcome(got)}, here {outcome(expected)}"
    assert gradebook.scores(on_dask, NAME) == gradebook.scores(here, NAME)
    assert sum(gradebook.scores(on_dask, NAME)["perfect"].values()) == 8
