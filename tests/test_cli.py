"""The `autograder` command: every subcommand explains itself."""
import subprocess
import sys

import pytest

from autograder.cli import build_parser

COMMANDS = sorted(build_parser()._subparsers._group_actions[0].choices)


@pytest.mark.parametrize("command", [[], *[[c] for c in COMMANDS]])
def test_help_is_available_for_every_command(command):
    run = subprocess.run([sys.executable, "-m", "autograder", *command, "--help"],
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert "usage: autograder" in run.stdout


def test_grading_an_unknown_assignment_names_the_ones_that_exist():
    run = subprocess.run([sys.executable, "-m", "autograder", "grade", "no_such_thing"],
                         capture_output=True, text=True, timeout=120)
    assert run.returncode != 0
    assert "param_count" in run.stderr, run.stderr
