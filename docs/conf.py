"""Sphinx configuration of the trueconf_sync documentation.

Build (warnings are errors, as in CI)::

    pip install -e '.[docs]'
    python -m sphinx -W --keep-going -b html docs build/docs
"""

from __future__ import annotations

import os
import sys
from typing import Any

sys.path.insert(0, os.path.abspath(".."))

from trueconf_sync import __version__

project = "trueconf_sync"
author = "trueconf_sync contributors"
copyright = "trueconf_sync contributors"
version = release = __version__

extensions = ["sphinx.ext.autodoc", "sphinx.ext.napoleon", "sphinx.ext.viewcode"]
exclude_patterns = ["_build"]
root_doc = "index"

# Docstrings use Google style ("Args:", "Returns:", "Raises:") with reST markup inside.
napoleon_google_docstring = True
napoleon_numpy_docstring = False
napoleon_use_rtype = False
napoleon_use_ivar = True  # "Attributes:" as fields: no clash with same-named members (Button.url...)
autodoc_member_order = "bysource"
autodoc_typehints = "signature"
autodoc_default_options = {"members": True, "show-inheritance": False}
# The framework integrations import their frameworks at import time; the docs build needs neither.
autodoc_mock_imports = ["flask", "django"]
# Sphinx 9 documents with a new engine that custom documenters (setup() below) do not reach yet.
autodoc_use_legacy_class_based = True

html_theme = "alabaster"
html_title = f"trueconf_sync {version}"
html_theme_options = {
    "description": "A synchronous, threaded client for the TrueConf Chatbot Connector",
    "fixed_sidebar": True,
}


def _drop_type_docstrings(app: Any, what: str, name: str, obj: Any, options: Any, lines: list[str]) -> None:
    """A constant without a doc comment would show its type's docstring (``dict``'s...): show none."""
    type_doc = getattr(type(obj), "__doc__", None)
    if what in ("data", "attribute") and lines and isinstance(type_doc, str):
        if [line.strip() for line in lines if line.strip()] == \
                [line.strip() for line in type_doc.splitlines() if line.strip()]:
            lines[:] = []


def setup(app: Any) -> None:
    """Document the client's API methods (descriptors, not functions) as methods with signatures."""
    from sphinx.ext.autodoc import MethodDocumenter
    from sphinx.util.inspect import stringify_signature

    from trueconf_sync.api.method import ApiMethod
    from trueconf_sync.files.method import FileMethod

    class ApiMethodDocumenter(MethodDocumenter):
        """``client.send_message`` and friends: rows of the method table and the file methods."""

        objtype = "apimethod"
        directivetype = "method"
        priority = MethodDocumenter.priority + 10

        @classmethod
        def can_document_member(cls, member: Any, membername: str, isattr: bool, parent: Any) -> bool:
            return isinstance(member, (ApiMethod, FileMethod))

        def format_args(self, **kwargs: Any) -> str:
            # The signature of the bound method (no ``self``), with the parsed result's type.
            return stringify_signature(self.object.bound_signature, **kwargs)

    app.add_autodocumenter(ApiMethodDocumenter)
    app.connect("autodoc-process-docstring", _drop_type_docstrings)
