"""Seconds the engine takes to grade one honest submission of each assignment.

Not a test (timings depend on the machine). The first grading in a process also starts the
warm sandbox (numpy and torch imported once); the figure that matters per submission is the
steady one, reported as the best of the repeats.

    .venv/bin/python benchmarks/grade_one.py [NAME ...] [--repeats 3]
"""
import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from autograder import synthetic  # noqa: E402
from autograder.course import Course  # noqa: E402
from autograder.grading.engine import grade_notebook  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("names", nargs="*", help="assignments (default: all)")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    kit = Course()
    print(f"{'assignment':<12} {'first s':>8} {'best s':>8}  score")
    with tempfile.TemporaryDirectory(prefix="rnn-grade-one-") as scratch:
        for name in args.names or kit.assignment_names():
            released = json.loads((kit.release_dir / name / f"{name}.ipynb").read_text(encoding="utf-8"))
            path = Path(scratch) / name / f"{name}.ipynb"
            path.parent.mkdir(parents=True)
            path.write_text(synthetic.perfect(name, released), encoding="utf-8")
            seconds = []
            for _ in range(args.repeats):
                started = time.perf_counter()
                result = grade_notebook(kit.assignment(name), "honest", path, test_timeout=kit.cell_timeout)
                seconds.append(time.perf_counter() - started)
            print(f"{name:<12} {seconds[0]:>8.2f} {min(seconds):>8.2f}  {result.score:g}/{result.max_score:g}")


if __name__ == "__main__":
    main()
