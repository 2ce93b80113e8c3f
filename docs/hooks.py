"""MkDocs hook for the book: links between notebooks open their pages, not the .ipynb files."""

from __future__ import annotations

import re

_NOTEBOOK_LINK = re.compile(r'href="([^":]*\d\d_\w+)\.ipynb(#[^"]*)?"')


def on_post_page(output: str, page, config) -> str:
    """Rewrite ``href="NN_name.ipynb"`` to ``href="NN_name.html"`` in every built page.

    The notebooks link to each other as ``.ipynb`` files, which is right in JupyterLab; in the
    book each notebook is an ``.html`` page beside the others.

    Returns:
        The page's HTML with the links rewritten.
    """
    return _NOTEBOOK_LINK.sub(lambda m: f'href="{m.group(1)}.html{m.group(2) or ""}"', output)
