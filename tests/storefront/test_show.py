"""Notebook 07's pictures of the shop where the machine has no browser: the page's HTML, and why."""

from __future__ import annotations

import html

from IPython.display import HTML

from helpers import browser
from helpers.storefront import server


def test_show__without_a_browser_gives_the_pages_html(storefront, tmp_path, monkeypatch):
    monkeypatch.setenv(browser.CHROMIUM_VARIABLE, "none")
    shown = server.show(storefront + "/?user=nobody-we-know", tmp_path / "page.png")
    assert isinstance(shown, HTML)
    assert "No screenshot</b> (RECSYS_CHROMIUM=none asks for no browser)" in shown.data
    assert "(HTTP 404)" in shown.data
    page = html.unescape(shown.data.split('srcdoc="', 1)[1])
    assert page.startswith("<!doctype html>") and f'<base href="{storefront}/">' in page
    assert not (tmp_path / "page.png").exists()


def test_show__after_a_warm_up_without_a_browser_gives_the_pages_html(storefront, tmp_path, monkeypatch):
    """What ``running(photographs=True)`` does first is harmless where no browser can be had."""
    monkeypatch.setenv(browser.CHROMIUM_VARIABLE, "none")
    server._camera.warm_up()
    shown = server.show(storefront + "/", tmp_path / "page.png")
    assert isinstance(shown, HTML)
    assert "No screenshot</b> (RECSYS_CHROMIUM=none asks for no browser)" in shown.data
    assert "(HTTP 200)" in shown.data and not (tmp_path / "page.png").exists()
