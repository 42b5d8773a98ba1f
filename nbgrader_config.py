# The course, as nbgrader and the kit's `autograder` command both read it.
c = get_config()  # noqa: F821 (provided by traitlets when nbgrader loads this file)

c.CourseDirectory.course_id = "rnn-course"
c.CourseDirectory.source_directory = "assignments"
c.CourseDirectory.release_directory = "release"
c.CourseDirectory.submitted_directory = "submitted"
c.CourseDirectory.autograded_directory = "autograded"
c.CourseDirectory.feedback_directory = "feedback"
# Kept out of release/ and off nbgrader's copy into autograded/.
c.CourseDirectory.ignore = [".ipynb_checkpoints", "*.pyc", "__pycache__", "feedback", ".pytest_cache"]

# Seconds one cell may run before nbgrader (and the kit's engine) calls it a timeout.
c.Execute.timeout = 60
c.Execute.interrupt_on_timeout = True
# Seconds one whole submission may take in the kit's engine: code that spins in every function
# then holds a grading process minutes, not an hour (its remaining tests are recorded as timed out).
c.RNNKit.submission_timeout = 180

# Torch writes harmless warnings to stderr; nbgrader would score such a cell as zero.
c.IgnorePattern.enabled = True
c.IgnorePattern.pattern = r"(UserWarning|DeprecationWarning|FutureWarning|warnings\.warn)"

# Feedback pages (`nbgrader generate_feedback`): nbgrader's template with long lines wrapped and
# maths rendered offline by the installed jupyter-server-mathjax (autograder/feedback_page.py).
try:
    from autograder.feedback_page import configure as configure_feedback_page
except ImportError:  # nbgrader run outside the kit's environment: nbgrader's own page
    pass
else:
    configure_feedback_page(c)
