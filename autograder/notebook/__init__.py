"""Notebooks as the kit reads and writes them: safe reading, nbgrader regions, code injection."""
