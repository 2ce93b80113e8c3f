"""MkDocs hooks for the book: a contents table of every notebook found, and links between pages."""

from __future__ import annotations

import json
import re
from pathlib import Path

CONTENTS_MARKER = "<!-- contents -->"
_NOTEBOOK = re.compile(r"notebooks/\d\d_\w+\.ipynb")
_NOTEBOOK_LINK = re.compile(r'href="([^":]*\d\d_\w+)\.ipynb(#[^"]*)?"')
_TIME = re.compile(r"\*Time: about (\d+) minutes to read; the code runs in (\d+) s")


def _summary(notebook: Path) -> tuple[str, str]:
    """Return a notebook's title (its first ``#`` heading) and its measured time, as the book shows them."""
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    text = "".join(cells[0]["source"]) if cells else ""
    title = next((line[2:].strip() for line in text.splitlines() if line.startswith("# ")), notebook.stem)
    time = _TIME.search(text)
    return title, f"{time[1]} min to read, {time[2]} s to run" if time else ""


def on_page_markdown(markdown: str, page, config, files) -> str:
    """Replace ``<!-- contents -->`` on the front page with a table of every notebook in the book.

    The table is made from the notebooks found when the book is built, so a new notebook appears
    in it without editing the front page.

    Returns:
        The page's Markdown, with the table in place of the marker.
    """
    if CONTENTS_MARKER not in markdown:
        return markdown
    rows = [
        f"| [{title}]({f.src_uri}) | {time} |"
        for f in sorted(files, key=lambda f: f.src_uri)
        if _NOTEBOOK.fullmatch(f.src_uri)
        for title, time in [_summary(Path(f.abs_src_path))]
    ]
    return markdown.replace(CONTENTS_MARKER, "| notebook | time |\n|---|---|\n" + "\n".join(rows))


def on_post_page(output: str, page, config) -> str:
    """Rewrite ``href="NN_name.ipynb"`` to ``href="NN_name.html"`` in every built page.

    The notebooks link to each other as ``.ipynb`` files, which is right in JupyterLab; in the
    book each notebook is an ``.html`` page beside the others.

    Returns:
        The page's HTML with the links rewritten.
    """
    return _NOTEBOOK_LINK.sub(lambda m: f'href="{m.group(1)}.html{m.group(2) or ""}"', output)
