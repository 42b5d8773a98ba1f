"""The `autograder` command: release, grade, sync, roster, report, demo, mutate."""
import argparse
import contextlib
import os
import sys

from autograder.course import Course


def cmd_release(args):
    from autograder.release.generate import LeakError, release

    course = Course(args.course)
    for name in args.names or course.assignment_names():
        try:
            target = release(course, name)
        except LeakError as error:
            print(error, file=sys.stderr)
            return 1
        print(f"released {name} -> {target.relative_to(course.root)} (leak scan clean)")
    return 0


def cmd_grade(args):
    from autograder.gradebook import GradebookMismatch
    from autograder.grading.batch import Options, Pool, default_workers
    from autograder.grading.launchers import SandboxUnavailable, isolation_summary

    course = Course(args.course)
    sandbox = "bwrap" if args.require_sandbox else args.sandbox
    try:
        isolation_summary(sandbox)  # before any grading process starts: refuse at once
    except SandboxUnavailable as error:
        print(error, file=sys.stderr)
        return 2
    workers = args.workers or default_workers()
    # One set of grading processes for every assignment named: their start is paid once.
    pool = Pool(workers, sandbox) if workers > 1 and not args.dask else None
    status = 0
    try:
        with pool or contextlib.nullcontext():
            for name in args.names:
                options = Options(workers=workers, force=args.force, dask=args.dask, sandbox=sandbox,
                                  test_timeout=args.timeout, submission_timeout=args.submission_timeout,
                                  progress=not args.quiet)
                status = max(status, grade_one(course, name, options, pool, args))
    except SandboxUnavailable as error:
        print(error, file=sys.stderr)
        return 2
    except GradebookMismatch as error:
        print(error, file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted: every submission graded so far is in the gradebook; "
              "run the same command again to grade the rest", file=sys.stderr)
        return 130
    return status


def grade_one(course, name, options, pool, args):
    from autograder.feedback import report
    from autograder.grading.batch import grade_assignment, summary_line

    if len(args.names) > 1:
        print(f"== {name}")
    results = grade_assignment(course, name, options=options, pool=pool)
    if not results:
        print(f"no submissions under {course.submitted_dir}/<student>/{name}/", file=sys.stderr)
        return 1
    for result in results:
        print(report(result) if args.verbose else
              f"{result.student:>20}  {result.score:g} / {result.max_score:g}")
    print(summary_line(results, options.skipped))
    return 0


def cmd_sync(args):
    from autograder.notebook.sync import sync_solutions

    course = Course(args.course)
    for name in args.names or course.assignment_names():
        changed = sync_solutions(course.assignment(name))
        print(f"{name}: {'solution regions rewritten from solutions/' if changed else 'already in sync'}")
    return 0


def cmd_roster(args):
    from autograder import gradebook  # noqa: F401 (puts nbgrader's alembic on PATH)
    from autograder.roster import RosterError, import_roster

    try:
        added, updated = import_roster(Course(args.course), args.csv)
    except RosterError as error:
        print(error, file=sys.stderr)
        return 1
    print(f"roster {args.csv}: {added} students added, {updated} updated in the gradebook")
    return 0


def cmd_report(args):
    from autograder import gradebook  # noqa: F401 (puts nbgrader's alembic on PATH)
    from autograder.report import write_reports

    course = Course(args.course)
    for name in args.names:
        course.assignment(name)  # an unknown name stops here, with the names there are
    for page in write_reports(course, args.names, args.out):
        print(f"report: {page}")
    return 0


def cmd_demo(args):
    from autograder.demo import run_demo

    return run_demo(args.names or None, keep=args.keep)


def cmd_mutate(args):
    from autograder.mutation import report
    from autograder.mutation.score import score_assignments

    course = Course(args.course)
    names = args.names or course.assignment_names()
    for name in names:
        course.assignment(name)  # an unknown name stops here, naming the ones that exist
    scores = score_assignments(course, names, size=args.sample, seed=args.seed,
                               workers=args.workers or default_workers(), progress=mutate_progress)
    for score in scores.values():
        print(report.summary(score))
        text = report.survivors(score, diffs=not args.no_diffs)
        if text:
            print(text)
    if args.table:
        print(report.table(scores.values()))
    return 1 if any(score.new_survivors for score in scores.values()) else 0


def mutate_progress(name, done, total):
    if not sys.stderr.isatty():
        return  # a log gets the summary lines only
    print(f"\r{name}: {done} of {total} mutants graded", end="\n" if done == total else "",
          file=sys.stderr, flush=True)


def default_workers():
    from autograder.grading.batch import default_workers

    return default_workers()


def build_parser():
    parser = argparse.ArgumentParser(prog="autograder", description=__doc__)
    parser.add_argument("--course", default=None,
                        help="course root (default: as nbgrader finds it, the current folder or the "
                             "nearest one above it that holds nbgrader_config.py)")
    commands = parser.add_subparsers(dest="command", required=True)

    release = commands.add_parser("release", help="generate release/<name>/ and scan it for leaks")
    release.add_argument("names", nargs="*", help="assignments (default: all)")
    release.set_defaults(run=cmd_release)

    grade = commands.add_parser("grade", help="grade submitted/<student>/<name>/ into gradebook.db")
    grade.add_argument("names", nargs="+", metavar="name",
                       help="the assignment (several: graded one after another by the same grading processes)")
    grade.add_argument("-v", "--verbose", action="store_true", help="print each student's feedback")
    grade.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    grade.add_argument("--workers", type=int, default=None,
                       help="grading processes in parallel (default: the number of cores)")
    grade.add_argument("--force", action="store_true", help="regrade every submission, changed or not")
    grade.add_argument("--dask", metavar="ADDRESS", default=None,
                       help="grade on Dask distributed: a scheduler address (tcp://host:8786) or local:N")
    grade.add_argument("--sandbox", choices=["auto", "bwrap", "none"], default=None,
                       help="auto (default, or $RNN_GRADE_SANDBOX): bubblewrap if it works here, else, as "
                            "root, namespaces of its own; refused otherwise. none: no sandbox at all")
    grade.add_argument("--require-sandbox", action="store_true",
                       help="refuse to grade unless bubblewrap can sandbox the student's code")
    grade.add_argument("--timeout", type=float, default=None,
                       help="seconds per test (default: Execute.timeout in nbgrader_config.py)")
    grade.add_argument("--submission-timeout", type=float, default=None, metavar="S",
                       help="seconds for one whole submission; its remaining tests are then recorded as "
                            "timed out (default: RNNKit.submission_timeout in nbgrader_config.py, else "
                            "three tests' time)")
    grade.set_defaults(run=cmd_grade)

    sync = commands.add_parser("sync", help="write solutions/<name>.py into the notebook's solution regions")
    sync.add_argument("names", nargs="*", help="assignments (default: all)")
    sync.set_defaults(run=cmd_sync)

    roster = commands.add_parser("roster", help="import a class roster CSV (id, first name, last name, "
                                               "email) into the gradebook")
    roster.add_argument("csv", help="the roster file; one student per row, a header row first")
    roster.set_defaults(run=cmd_roster)

    report = commands.add_parser("report", help="an HTML course report per assignment (figures, tables), "
                                               "a per-cell CSV and an LMS grade CSV")
    report.add_argument("names", nargs="+", metavar="name", help="the assignments")
    report.add_argument("--out", default=None, help="folder for the pages and CSV files (default: reports/)")
    report.set_defaults(run=cmd_report)

    mutate = commands.add_parser(
        "mutate", help="grade generated mutants of the references: a mutation score per assignment",
        description="Mutate each assignment's reference one site at a time, grade every mutant with the "
                    "engine, and list the survivors; exit 1 if one is not in the equivalence list.")
    mutate.add_argument("names", nargs="*", help="assignments (default: all)")
    mutate.add_argument("--sample", type=int, default=None, metavar="N",
                        help="grade a fixed-seed sample of N mutants per assignment (default: all)")
    mutate.add_argument("--seed", type=int, default=0, help="the sample's seed (default: 0)")
    mutate.add_argument("--workers", type=int, default=None,
                        help="grading processes in parallel (default: the number of cores)")
    mutate.add_argument("--no-diffs", action="store_true", help="list new survivors without their diffs")
    mutate.add_argument("--table", action="store_true", help="end with the markdown table of scores")
    mutate.set_defaults(run=cmd_mutate)

    demo = commands.add_parser("demo", help="a scratch course with synthetic students, released and graded")
    demo.add_argument("names", nargs="*", help="assignments (default: all)")
    demo.add_argument("--keep", action="store_true", help="keep the scratch course and print its path")
    demo.set_defaults(run=cmd_demo)
    return parser


def main(argv=None):
    args = build_parser().parse_args(argv)
    if args.course is None:
        from autograder.course import find_root

        args.course = find_root(os.getcwd())
        if args.course is None:
            sys.exit(f"autograder: no course here: neither {os.getcwd()} nor a folder above it holds "
                     "nbgrader_config.py; run it inside a course, or pass --course PATH")
    sys.exit(args.run(args))
