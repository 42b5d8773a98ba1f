"""The RNN course kit: release, grade and report nbgrader assignments on recurrent networks."""
