"""The storefront in a real browser: the headless Chromium ``helpers.browser`` finds, driven by Playwright.

A shopper picks a persona and sees the header and the personal shelf turn to that persona's
categories, opens a product, buys it, and sees the recommendations change. A screenshot of each
step is kept in ``tests/browser/artefacts/`` (git-ignored) for a person to look at.

Where the machine has no Chromium, the module is skipped with one line saying why; on CI
(``CI=true``, where ``.ci/run`` installs Debian's ``chromium``) that is an error instead.
"""

from __future__ import annotations

import os
import re
import time

import pytest

from helpers import browser as browsers
from helpers import config
from helpers.storefront import server

pytestmark = pytest.mark.browser

ARTEFACTS = config.ROOT / "tests" / "browser" / "artefacts"

try:
    CHROMIUM = browsers.find()
except browsers.ChromiumNotFoundError as missing:
    if os.environ.get("CI", "").lower() in ("true", "1", "yes"):
        pytest.fail(f"CI must run the browser tests, but {missing}", pytrace=False)
    pytest.skip(f"browser tests did not run: {missing}", allow_module_level=True)


@pytest.fixture(scope="module")
def browser():
    """The Chromium ``helpers.browser`` found, headless."""
    from playwright.sync_api import sync_playwright

    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(**CHROMIUM.launch_options())
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    tab = browser.new_page(viewport={"width": 1280, "height": 900})
    tab.set_default_timeout(15_000)
    yield tab
    tab.close()


def _shelf(page, key: str) -> list[dict]:
    return page.locator(f"#{key} .card").evaluate_all(
        """cards => cards.map(c => ({item: c.dataset.item, category: c.dataset.category,
            name: c.querySelector('.name').textContent,
            reason: (c.querySelector('.reason') || {}).textContent || null}))"""
    )


def test_persona_product_purchase(page, storefront):
    page.goto(storefront + "/")
    assert page.inner_text("#who") == "Browsing anonymously"
    assert len(_shelf(page, "popular")) == 12
    assert page.locator("#recommended-for-you").count() == 0
    page.screenshot(path=ARTEFACTS / "1-anonymous.png", full_page=True)

    # pick the first persona (the HTTP tests only read its pages): choosing reloads the page as them
    option = page.locator("#user optgroup").first.locator("option").first
    label, user = option.inner_text(), option.get_attribute("value")
    categories = re.split(r", | & ", label)
    page.select_option("#user", user)
    page.wait_for_url(f"**/?user={user}")
    assert page.inner_text("#who") == f"Shopping as shopper {user}, who likes {label}"
    assert page.locator("#popular").count() == 0
    before = _shelf(page, "recommended-for-you")
    assert len(before) == 12
    assert all(card["reason"].startswith("Because you") for card in before)
    in_persona = sum(card["category"] in categories for card in before) / len(before)
    assert in_persona >= 0.5, (categories, [card["category"] for card in before])
    assert page.locator("#best-sellers .card").count() > 0
    page.screenshot(path=ARTEFACTS / "2-persona.png", full_page=True)

    # open a best seller from outside the persona's categories, and buy it
    target = next(card for card in _shelf(page, "best-sellers") if card["category"] not in categories)
    page.locator(f'#best-sellers .card[data-item="{target["item"]}"] a').click()
    page.wait_for_url(f"**/products/{target['item']}?user={user}&from=best-sellers")
    assert page.inner_text("#product h1") == target["name"]
    assert page.locator("#customers-who-viewed-x .card").count() > 0
    page.screenshot(path=ARTEFACTS / "3-product.png", full_page=True)
    page.click("#buy")
    page.wait_for_url(f"**/?user={user}&bought={target['item']}")
    assert target["name"] in page.inner_text("#thanks")
    after = _shelf(page, "recommended-for-you")
    assert [c["item"] for c in after] != [c["item"] for c in before]
    page.screenshot(path=ARTEFACTS / "4-after-purchase.png", full_page=True)


def test_error_page_in_the_browser(page, storefront):
    response = page.goto(storefront + "/products/%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E")
    assert response.status == 400
    assert "malformed" in page.inner_text("#detail")
    assert page.locator("img").count() == 0


def test_camera_warm_up_opens_the_browser_before_the_first_photograph(storefront, tmp_path):
    camera = server._Camera()
    camera.warm_up()
    try:
        deadline = time.monotonic() + 60
        while camera._browser is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert camera._browser is not None  # open, though nobody asked for a photograph yet
        assert camera.photograph(storefront + "/", tmp_path / "home.png", 400, 300).stat().st_size > 0
    finally:
        camera.close()
    assert camera._browser is None and camera._playwright is None
