"""nbgrader's `generate_feedback`, configured for the kit's feedback pages (read by
nbgrader_config.py): nbgrader's own template with code that wraps and maths that renders offline.
"""
from pathlib import Path

TEMPLATES = Path(__file__).resolve().parent / "templates"


def configure(c):
    """Set GenerateFeedback's HTML exporter in the traitlets config `c`. Only that converter's:
    formgrader keeps its own template."""
    import nbgrader

    formgrader = Path(nbgrader.__file__).parent / "server_extensions" / "formgrader"
    exporter = c.GenerateFeedback.HTMLExporter
    exporter.template_name = "kit_feedback"
    exporter.extra_template_basedirs = [str(TEMPLATES), str(formgrader / "templates")]
    # Where `extends 'feedback/...'` and nbgrader's `include_css('bootstrap.min.css')` look.
    exporter.extra_template_paths = [str(formgrader / "templates"),
                                     str(formgrader / "static" / "node_modules" / "bootstrap" / "dist" / "css")]
    exporter.mathjax_url = mathjax_url()


def mathjax_url():
    """The file: URL of MathJax.js as the jupyter-server-mathjax package installed it."""
    import jupyter_server_mathjax

    return (Path(jupyter_server_mathjax.__file__).parent / "static" / "MathJax.js").as_uri()
