"""HTTP tests of every page and API route of the storefront, served by uvicorn on a small shop."""

from __future__ import annotations

import http.client
import json
import re
import socket
import sqlite3
import time
from urllib.parse import quote
from xml.etree import ElementTree

import pytest

from helpers import aws, config
from helpers.localaws import Store
from helpers.localaws.personalize import streams
from helpers.storefront import limits
from helpers.storefront.server import get
from tests.contract.conftest import wait_for
from tests.storefront.shopstate import as_json

RFY = "recommended-for-you"


def _request(base: str, method: str, path: str, body: bytes = b"", headers: dict | None = None):
    host, port = base.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=10)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        return response.status, dict(response.getheaders()), response.read().decode()
    finally:
        conn.close()


def _post_form(base: str, path: str, fields: dict) -> tuple[int, dict, str]:
    body = "&".join(f"{k}={quote(v, safe='')}" for k, v in fields.items()).encode()
    return _request(base, "POST", path, body, {"Content-Type": "application/x-www-form-urlencoded"})


def _shelf(page: str, key: str) -> str:
    match = re.search(rf'<section class="shelf" id="{key}".*?</section>', page, re.S)
    assert match, f"no shelf {key}"
    return match.group(0)


def _items(html: str) -> list[str]:
    return re.findall(r'<li class="card" data-item="([^"]+)"', html)


@pytest.fixture(scope="module")
def shoppers(storefront):
    return as_json(get(storefront, "/api/shoppers")[1])["shoppers"]


@pytest.fixture(scope="module")
def user(shoppers):
    return shoppers[0]["userId"]


@pytest.fixture(scope="module")
def item(storefront):
    return as_json(get(storefront, "/api/home")[1])["shelves"][0]["items"][0]["itemId"]


def _log(shop_root, user_id: str) -> list[tuple[str, str]]:
    with sqlite3.connect(shop_root / "data" / "storefront" / "events.sqlite") as db:
        return db.execute(
            "SELECT item_id, event_type FROM events WHERE user_id = ? ORDER BY id", (user_id,)
        ).fetchall()


# --- pages ------------------------------------------------------------------------------------
def test_home__anonymous(storefront, shoppers):
    status, page = get(storefront, "/")
    assert status == 200
    assert "Popular right now" in page
    assert "Inspired by your shopping trends" not in page and "Because you" not in page
    assert len(_items(_shelf(page, "popular"))) == 12
    assert all(f'value="{s["userId"]}"' in page for s in shoppers)
    assert "Browsing anonymously" in page


def test_home__shopper(storefront, shoppers, user):
    status, page = get(storefront, f"/?user={user}")
    assert status == 200
    inspired = _shelf(page, RFY)
    assert "Inspired by your shopping trends" in inspired
    reasons = re.findall(r'<p class="reason">([^<]+)</p>', inspired)
    assert len(reasons) == len(_items(inspired)) > 0
    assert all(r.startswith("Because you") for r in reasons)
    assert "Best sellers" in _shelf(page, "best-sellers")
    assert "Popular right now" not in page
    persona = shoppers[0]
    assert f"Shopping as shopper {user}, who likes {persona['label'].replace('&', '&amp;')}" in page
    assert f'href="/products/{_items(inspired)[0]}?user={user}&amp;from={RFY}"' in inspired


def test_home__personal_shelf_follows_the_persona(storefront, shoppers):
    untouched = [s for s in shoppers if s["kind"] == "persona"][5:8]  # no test sends events for these
    assert len(untouched) == 3
    for persona in untouched:
        page = get(storefront, f"/?user={persona['userId']}")[1]
        categories = re.findall(r'data-category="([^"]+)"', _shelf(page, RFY))
        share = sum(c in persona["categories"] for c in categories) / len(categories)
        assert share >= 0.5, (persona, categories)


def test_product_page(storefront, item):
    status, headers, page = _request(storefront, "GET", f"/products/{item}")
    assert status == 200
    assert f'<article class="product" id="product" data-item="{item}">' in page
    assert "Customers who viewed this also viewed" in _shelf(page, "customers-who-viewed-x")
    assert "Frequently bought together" in _shelf(page, "frequently-bought-together")
    assert item not in _items(_shelf(page, "customers-who-viewed-x"))
    assert "sid=" in headers.get("set-cookie", "")
    assert "Choose a shopper" in page and 'id="buy"' not in page


def test_product_page__as_shopper_records_a_view(storefront, shop_root, shoppers, item):
    user = shoppers[1]["userId"]
    status, page = get(storefront, f"/products/{item}?user={user}")
    assert status == 200 and 'id="buy"' in page and 'id="add-to-cart"' in page
    assert (item, "View") in _log(shop_root, user)


def test_product_page__a_malformed_session_cookie_is_replaced(storefront, item):
    status, headers, _ = _request(
        storefront, "GET", f"/products/{item}", headers={"Cookie": "sid=" + "<" * 300}
    )
    assert status == 200
    assert re.fullmatch(r"sid=[0-9a-f]{32}; HttpOnly; Path=/; SameSite=lax", headers["set-cookie"])


def test_add_to_cart(storefront, shop_root, shoppers, item):
    user = shoppers[2]["userId"]
    status, headers, _ = _post_form(storefront, f"/products/{item}/cart", {"user": user})
    assert status == 303
    assert headers["location"] == f"/products/{item}?user={user}&added=1"
    assert "Added to your cart" in get(storefront, headers["location"])[1]
    assert (item, "AddToCart") in _log(shop_root, user)


def _sources(shop_root, user_id: str) -> list[tuple[str, str, str]]:
    """The shopper's streamed events as ``(item, event type, attribution source)``, oldest first."""
    store = Store(shop_root / "state")
    ((group, _),) = store.items("dataset-group")
    rows = store.records(streams.stream_of(store, group, "Interactions"))
    return [
        (r["ITEM_ID"], r["EVENT_TYPE"], r.get("EVENT_ATTRIBUTION_SOURCE"))
        for _, _, r in rows
        if r["USER_ID"] == user_id
    ]


def test_events_name_the_shelf_they_came_from(storefront, shop_root, shoppers, item):
    user = shoppers[6]["userId"]
    card = re.search(
        r'href="(/products/([^?"]+)\?user=[^"&]+&amp;from=best-sellers)"',
        get(storefront, f"/?user={user}")[1],
    )
    status, page = get(storefront, card.group(1).replace("&amp;", "&"))
    assert status == 200 and '<input type="hidden" name="from" value="best-sellers">' in page
    _post_form(storefront, f"/products/{card.group(2)}/buy", {"user": user, "from": "best-sellers"})
    get(storefront, f"/products/{item}?user={user}")  # reached directly, not from a shelf
    assert _sources(shop_root, user)[-3:] == [
        (card.group(2), "View", "best-sellers"),
        (card.group(2), "Purchase", "best-sellers"),
        (item, "View", "storefront"),
    ]


def test_buy__thanks_and_the_purchase_explains(storefront, shop_root, shoppers):
    user = shoppers[3]["userId"]
    before = get(storefront, f"/?user={user}")[1]
    # a product of a category the shopper does not favour, so that it stands out in the history
    other = next(
        i
        for i in as_json(get(storefront, "/api/home")[1])["shelves"][0]["items"]
        if i["category"] not in shoppers[3]["categories"]
    )
    status, headers, _ = _post_form(storefront, f"/products/{other['itemId']}/buy", {"user": user})
    assert status == 303
    assert headers["location"] == f"/?user={user}&bought={other['itemId']}"
    status, after = get(storefront, headers["location"])
    assert status == 200
    assert f"Thank you for buying {other['name']}!" in after
    assert (other["itemId"], "Purchase") in _log(shop_root, user)
    assert _shelf(after, RFY) != _shelf(before, RFY)


def test_picture(storefront, item):
    status, headers, body = _request(storefront, "GET", f"/images/{item}.svg")
    assert status == 200 and headers["content-type"].startswith("image/svg+xml")
    svg = ElementTree.fromstring(body)
    assert svg.tag == "{http://www.w3.org/2000/svg}svg"
    assert svg.find("{http://www.w3.org/2000/svg}title").text


def test_static_style_sheet(storefront):
    status, headers, body = _request(storefront, "GET", "/static/shop.css")
    assert status == 200 and headers["content-type"].startswith("text/css") and ".card" in body


# --- bad input ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "path, status, says",
    [
        ("/?user=%3Cscript%3Ealert(1)%3C%2Fscript%3E", 400, "malformed"),
        ("/?user=" + "x" * 5000, 400, "5,000 characters long"),
        ("/?user=no-such-shopper", 404, "We do not know a shopper with id &#39;no-such-shopper&#39;"),
        ("/products/does-not-exist-123", 404, "no product with id &#39;does-not-exist-123&#39;"),
        ("/products/%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E", 400, "malformed"),
        ("/products/" + "y" * 300, 400, "at most 256"),
        ("/?bought=nothing-like-it", 404, "no product with id"),
        ("/images/does-not-exist.svg", 404, "no product with id"),
        ("/no/such/page", 404, "Not found"),
    ],
)
def test_bad_input__clear_4xx_page(storefront, path, status, says):
    got, page = get(storefront, path)
    assert got == status
    assert says in page
    assert "<script>alert(1)</script>" not in page and "<img src=x onerror=alert(1)>" not in page
    assert page.startswith("<!doctype html>")


def test_bad_input__buy_without_shopper(storefront, item):
    status, _, page = _post_form(storefront, f"/products/{item}/buy", {})
    assert status == 400 and "Choose a shopper" in page


def test_bad_input__unknown_action(storefront, item, user):
    status, _, page = _post_form(storefront, f"/products/{item}/steal", {"user": user})
    assert status == 404 and "added to the cart" in page


def test_bad_input__get_on_buy(storefront, item):
    status, _, _ = _request(storefront, "GET", f"/products/{item}/buy")
    assert status == 405


def test_bad_input__oversized_form(storefront, item, user):
    status, _, page = _post_form(storefront, f"/products/{item}/buy", {"user": user, "pad": "z" * 10_000})
    assert status == 413 and "larger than 4,096 bytes" in page


def _raw(base: str, head: bytes, pieces: int = 1) -> bytes:
    """Send a request head over a plain socket (in ``pieces``, as a slow client would); the answer."""
    host, port = base.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as conn:
        size = -(-len(head) // pieces)
        for start in range(0, len(head), size):
            conn.sendall(head[start : start + size])
            time.sleep(0.05)
        conn.shutdown(socket.SHUT_WR)
        return b"".join(iter(lambda: conn.recv(65536), b""))


def test_bad_input__oversized_headers(storefront):
    """RFC 6585: 431 to a request head over ``limits.MAX_HEAD_BYTES``, whole or in pieces."""
    big = {"Cookie": "shopper=" + "c" * limits.MAX_HEAD_BYTES}
    status, _, text = _request(storefront, "GET", "/", headers=big)
    assert status == 431 and "at most 16,384 bytes" in text
    never_ends = b"GET / HTTP/1.1\r\nHost: x\r\n" + b"X-Pad: " + b"p" * 20_000
    assert _raw(storefront, never_ends, pieces=4).startswith(b"HTTP/1.1 431 ")
    fits = {"Cookie": "shopper=" + "c" * (limits.MAX_HEAD_BYTES - 1_000)}
    assert _request(storefront, "GET", "/", headers=fits)[0] == 200


# --- the JSON API -------------------------------------------------------------------------------
def test_api_home(storefront, user):
    anonymous = as_json(get(storefront, "/api/home")[1])
    assert anonymous["user"] is None
    assert [s["key"] for s in anonymous["shelves"]] == ["popular"]
    personal = as_json(get(storefront, f"/api/home?user={user}")[1])
    assert [s["key"] for s in personal["shelves"]] == [RFY, "best-sellers"]
    items = personal["shelves"][0]["items"]
    assert items and all(i["reason"].startswith("Because you") for i in items)
    assert set(items[0]) == {"itemId", "name", "category", "subcategory", "price", "reason"}


def test_api_home__same_shelves_as_the_page(storefront, user):
    page = get(storefront, f"/?user={user}")[1]
    api = as_json(get(storefront, f"/api/home?user={user}")[1])
    assert [i["itemId"] for i in api["shelves"][1]["items"]] == _items(_shelf(page, "best-sellers"))


def test_api_product(storefront, item):
    got = as_json(get(storefront, f"/api/products/{item}")[1])
    assert got["product"]["itemId"] == item and got["product"]["description"]
    assert [s["key"] for s in got["shelves"]] == ["customers-who-viewed-x", "frequently-bought-together"]


def test_api_shoppers(shoppers):
    kinds = [s["kind"] for s in shoppers]
    assert kinds.count("persona") >= 3 and kinds.count("shopper") >= 1
    persona_sets = [frozenset(s["categories"]) for s in shoppers if s["kind"] == "persona"]
    assert len(set(persona_sets)) == len(persona_sets)
    assert all(len(s["categories"]) == 3 for s in shoppers)


def test_api_events(storefront, shop_root, shoppers, item):
    user = shoppers[4]["userId"]
    body = json.dumps({"userId": user, "itemId": item, "eventType": "View"}).encode()
    status, _, text = _request(storefront, "POST", "/api/events", body, {"Content-Type": "application/json"})
    assert status == 202 and as_json(text)["eventType"] == "View" and as_json(text)["source"] == "storefront"
    assert (item, "View") in _log(shop_root, user)
    body = json.dumps({"userId": user, "itemId": item, "eventType": "View", "source": "popular"}).encode()
    assert as_json(_request(storefront, "POST", "/api/events", body)[2])["source"] == "most-viewed"
    assert _sources(shop_root, user)[-2:] == [(item, "View", "storefront"), (item, "View", "most-viewed")]


@pytest.mark.parametrize(
    "body, status, says",
    [
        (b"{not json", 400, "must be a JSON object"),
        (b"[]", 400, "string userId, itemId and eventType"),
        (
            json.dumps({"userId": "1", "itemId": "x", "eventType": "Click"}).encode(),
            400,
            "eventType must be one of",
        ),
        (
            json.dumps({"userId": "1", "itemId": "x", "eventType": "View", "source": "email"}).encode(),
            400,
            "source must be a shelf's key",
        ),
        (json.dumps({"userId": "<b>", "itemId": "x", "eventType": "View"}).encode(), 400, "malformed"),
        (b"x" * 5000, 413, "larger than"),
        (
            json.dumps({"userId": "1", "itemId": "x", "eventType": "View", "sessionId": 5}).encode(),
            400,
            "sessionId",
        ),
    ],
)
def test_api_events__bad_input(storefront, body, status, says):
    got, headers, text = _request(
        storefront, "POST", "/api/events", body, {"Content-Type": "application/json"}
    )
    assert got == status and headers["content-type"] == "application/json"
    assert says in as_json(text)["error"]
    assert "<b>" not in text


def test_api__unknown_is_json_404(storefront):
    status, text = get(storefront, "/api/products/nope")
    assert status == 404 and as_json(text) == {
        "error": "There is no product with id 'nope' in our catalogue.",
        "status": 404,
    }


# --- a failing recommender ----------------------------------------------------------------------
def test_failing_recommender_degrades_the_shelf_to_popular_items(storefront, shop_root, shoppers):
    user = shoppers[-1]["userId"]  # a shopper whose shelf no other test has asked for (nor cached)
    aws.activate("local", shop_root / "state")
    personalize = aws.client("personalize")
    arn = aws.get_parameter(config.ssm_name(RFY))
    personalize.stop_recommender(recommenderArn=arn)
    wait_for(personalize.describe_recommender, "recommender", done=("INACTIVE",), recommenderArn=arn)
    try:
        status, page = get(storefront, f"/?user={user}")
        assert status == 200
        shelf = _shelf(page, RFY)
        assert "Inspired by your shopping trends is not available right now" in shelf
        popular = _items(_shelf(get(storefront, "/")[1], "popular"))
        assert _items(shelf) == popular
        assert "Best sellers" in page
    finally:
        personalize.start_recommender(recommenderArn=arn)
        wait_for(personalize.describe_recommender, "recommender", recommenderArn=arn)
    deadline = time.monotonic() + 10
    while "not available" in get(storefront, f"/?user={user}")[1]:
        assert time.monotonic() < deadline
        time.sleep(0.1)
