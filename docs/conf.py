"""Sphinx configuration of the skaug documentation."""

import os
import sys

sys.path.insert(0, os.path.abspath(".."))
os.environ.setdefault("MPLBACKEND", "Agg")

import skaug

project = "skaug"
author = "skaug developers"
copyright = "2026, skaug developers"
version = release = skaug.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "numpydoc",
    "myst_parser",
]

source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
exclude_patterns = ["_build", "scripts", "generated/*.md"]
templates_path = ["_templates"]

autosummary_generate = True
autodoc_default_options = {"members": True, "inherited-members": False}
numpydoc_show_class_members = False
numpydoc_validation_checks = set()
myst_heading_anchors = 3

html_theme = "alabaster"
html_static_path = ["_static"]
html_theme_options = {"description": "Data augmentation for traffic classification"}


def _skip_foreign_member(app, what, name, obj, skip, options):
    """Document only members written in skaug, not those inherited from libraries."""
    module = getattr(obj, "__module__", None) or ""
    if what == "class" and callable(obj) and not module.startswith("skaug"):
        return True
    return None


def setup(app):
    app.connect("autodoc-skip-member", _skip_foreign_member)
