"""The storefront's web application: pages, the JSON API beside them, pictures and events.

Starlette with Jinja2 templates (every value escaped), served by uvicorn (``__main__``). Routes:

- ``GET /`` and ``/?user=USER_ID``: the home page, anonymous or as a shopper;
- ``GET /products/ITEM_ID``: a product, its two item-to-item shelves; viewing it sends a View;
- ``POST /products/ITEM_ID/cart`` and ``/buy`` (form field ``user``): AddToCart and Purchase;
- ``GET /api/home``, ``/api/products/ITEM_ID``, ``/api/shoppers``; ``POST /api/events``: JSON;
- ``GET /images/ITEM_ID.svg``: the product's picture; ``/static/…``: the style sheet.

Every event names the shelf it came from as its metric attribution source: a card links to its
product with ``?from=<shelf key>``, the product page's forms carry it on, and ``POST /api/events``
takes an optional ``source``; an event reached otherwise is credited to ``storefront``.

Bad input never reaches a recommender: an id that is malformed or too long is a 400, an unknown
shopper or product a 404, each with a page (or JSON) that says which.
"""

from __future__ import annotations

import contextlib
import functools
import json
import logging
import re
import urllib.parse
import uuid
from pathlib import Path

import anyio
from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from helpers import aws
from helpers.storefront import backend, images, shelves
from helpers.storefront.shop import EVENT_TYPES, Product, Shop, categories_label

HERE = Path(__file__).resolve().parent
MAX_ID = 256
"""Longest user or item id accepted (Personalize's own limit for both)."""

MAX_BODY = 4_096
"""Largest request body accepted, in bytes (a form or an event is far smaller)."""

THREADS = {"local": 1, "aws": 32}
"""Blocking calls in flight at once per worker process, by backend (see ``blocking``)."""

SESSION_COOKIE = "sid"
_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:@-]*")
log = logging.getLogger(__name__)
templates = Environment(
    loader=FileSystemLoader(HERE / "templates"), autoescape=select_autoescape(), auto_reload=False
)


class SafeJSONResponse(JSONResponse):
    """JSON with ``<``, ``>`` and ``&`` as ``\\u`` escapes: the same data, never markup in a page."""

    def render(self, content) -> bytes:
        text = json.dumps(content, ensure_ascii=False, separators=(",", ":"))
        return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026").encode()


async def blocking(fn, *args):
    """Run a blocking call (boto3, SQLite) in a worker thread, as many at once as ``app.state.threads``.

    On AWS a call mostly waits for the network, so many threads overlap; locally it computes under
    the GIL, where more than one thread only adds switching and a long tail of latencies.
    """
    return await anyio.to_thread.run_sync(functools.partial(fn, *args), limiter=app.state.threads)


def check_id(value: str, what: str) -> str:
    """Return ``value`` if it is a well-formed id, else raise a 400 naming ``what``."""
    if len(value) > MAX_ID:
        raise HTTPException(
            400, f"The {what} id is {len(value):,} characters long; at most {MAX_ID} are allowed."
        )
    if not _ID.fullmatch(value):
        raise HTTPException(
            400, f"The {what} id {value!r} is malformed: use letters, digits and - _ . : @ only."
        )
    return value


def shopper(shop: Shop, value: str | None) -> str | None:
    """The shopper a request names (None for an anonymous visitor); 400 or 404 if it is bad."""
    if not value:
        return None
    user = check_id(value, "shopper")
    if not shop.knows_user(user):
        raise HTTPException(
            404, f"We do not know a shopper with id {user!r}. Pick one in the persona picker."
        )
    return user


def product_id(shop: Shop, value: str) -> str:
    """The product a request names; 400 or 404 if it is bad."""
    item = check_id(value, "product")
    if not shop.knows_item(item):
        raise HTTPException(404, f"There is no product with id {item!r} in our catalogue.")
    return item


def _shop(request: Request) -> Shop:
    return request.app.state.shop


def _html(name: str, shop: Shop, **context) -> str:
    """Render a page template with what every page shows (the picker, the shopper's header)."""
    user = context.get("user")
    context.update(
        personas=shop.personas,
        real_shoppers=shop.real_shoppers,
        query=f"?user={urllib.parse.quote(user, safe='')}" if user else "",
        likes=categories_label(shop.profile(user).favourites) if user else "",
        backend_name=aws.backend(),
    )
    return templates.get_template(name).render(context)


async def home(request: Request) -> Response:
    shop = _shop(request)
    user = shopper(shop, request.query_params.get("user"))
    bought = request.query_params.get("bought")
    thanks = shop.products[product_id(shop, bought)] if bought else None
    if user is None and thanks is None:  # the anonymous page is the same for everyone
        page = await blocking(shelves.cached, ("page", "/"), lambda: _home_html(shop, None, None))
    else:
        page = await blocking(_home_html, shop, user, thanks)
    return HTMLResponse(page)


def _home_html(shop: Shop, user: str | None, thanks: Product | None) -> str:
    return _html("home.html", shop, user=user, shelves=shelves.home(shop, user), thanks=thanks)


async def product_page(request: Request) -> Response:
    shop = _shop(request)
    item = product_id(shop, request.path_params["item_id"])
    user = shopper(shop, request.query_params.get("user"))
    session = _session(request)
    added = request.query_params.get("added") == "1"
    source = shelves.source(request.query_params.get("from"))
    page = HTMLResponse(await blocking(_product_html, shop, user, session, item, added, source))
    page.set_cookie(SESSION_COOKIE, session, httponly=True, samesite="lax")
    return page


def _product_html(
    shop: Shop, user: str | None, session: str, item: str, added: bool, source: str | None
) -> str:
    _send(shop, user, session, item, "View", source)
    found = shelves.product(shop, item)
    return _html(
        "product.html",
        shop,
        user=user,
        product=shop.products[item],
        shelves=found,
        added=added,
        source=source,
    )


async def product_event(request: Request) -> Response:
    shop = _shop(request)
    item = product_id(shop, request.path_params["item_id"])
    if request.path_params["action"] not in ("cart", "buy"):
        raise HTTPException(404, "Products can only be added to the cart (/cart) or bought (/buy).")
    form = await _form(request)
    user = shopper(shop, form.get("user"))
    if user is None:
        raise HTTPException(
            400, "Choose a shopper in the persona picker before adding to the cart or buying."
        )
    event = "AddToCart" if request.path_params["action"] == "cart" else "Purchase"
    source = shelves.source(form.get("from"))
    await blocking(_send, shop, user, _session(request), item, event, source)
    who = urllib.parse.quote(user, safe="")
    target = f"/products/{item}?user={who}&added=1" if event == "AddToCart" else f"/?user={who}&bought={item}"
    if source and event == "AddToCart":  # the page shown again still came from that shelf
        target += f"&from={source}"
    return RedirectResponse(target, status_code=303)


def _session(request: Request) -> str:
    """The visit's id from its cookie, or a new one if it has none (or a malformed one)."""
    session = request.cookies.get(SESSION_COOKIE, "")
    return session if len(session) <= MAX_ID and _ID.fullmatch(session) else uuid.uuid4().hex


def _send(
    shop: Shop, user: str | None, session: str, item: str, event_type: str, source: str | None = None
) -> None:
    """Record the event in the shop's log and send it to Personalize, credited to the shelf it came
    from (``source``); a failed send only logs."""
    if user:
        shop.log.record(user, item, event_type)
    try:
        backend.send_event(user, session, item, event_type, source)
    except shelves.FAILURES as err:
        log.warning("PutEvents failed (%s %s): %s", event_type, item, err)


async def _body(request: Request) -> bytes:
    """The request's body, refused with a 413 past ``MAX_BODY`` bytes (declared or streamed)."""
    if int(request.headers.get("content-length") or 0) > MAX_BODY:
        raise HTTPException(413, f"The request body is larger than {MAX_BODY:,} bytes.")
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_BODY:
            raise HTTPException(413, f"The request body is larger than {MAX_BODY:,} bytes.")
    return body


async def _form(request: Request) -> dict[str, str]:
    """The fields of a URL-encoded form (the only kind the pages post)."""
    try:
        fields = urllib.parse.parse_qs(
            (await _body(request)).decode(), max_num_fields=8, strict_parsing=False
        )
    except (UnicodeDecodeError, ValueError):
        raise HTTPException(400, "The form must be URL-encoded UTF-8 with at most 8 fields.") from None
    return {name: values[-1] for name, values in fields.items()}


async def picture(request: Request) -> Response:
    shop = _shop(request)
    item = product_id(shop, request.path_params["item_id"])
    headers = {"Cache-Control": "public, max-age=86400"}
    return Response(images.product_svg(shop.products[item]), media_type="image/svg+xml", headers=headers)


async def api_home(request: Request) -> Response:
    shop = _shop(request)
    user = shopper(shop, request.query_params.get("user"))
    found = await blocking(shelves.home, shop, user)
    return SafeJSONResponse({"user": user, "shelves": [s.as_json() for s in found]})


async def api_product(request: Request) -> Response:
    shop = _shop(request)
    item = product_id(shop, request.path_params["item_id"])
    found = await blocking(shelves.product, shop, item)
    return SafeJSONResponse(
        {"product": shop.products[item].as_json(), "shelves": [s.as_json() for s in found]}
    )


async def api_shoppers(request: Request) -> Response:
    shop = _shop(request)
    as_json = [
        {
            "userId": p.user_id,
            "label": p.label,
            "categories": list(p.categories),
            "events": p.events,
            "kind": kind,
        }
        for kind, group in (("persona", shop.personas), ("shopper", shop.real_shoppers))
        for p in group
    ]
    return SafeJSONResponse({"shoppers": as_json})


async def api_events(request: Request) -> Response:
    shop = _shop(request)
    try:
        body = json.loads(await _body(request))
    except ValueError:
        raise HTTPException(400, "The body must be a JSON object.") from None
    if not isinstance(body, dict) or not all(
        isinstance(body.get(k), str) for k in ("userId", "itemId", "eventType")
    ):
        raise HTTPException(400, "The body must be a JSON object with string userId, itemId and eventType.")
    if body["eventType"] not in EVENT_TYPES:
        raise HTTPException(400, f"eventType must be one of {', '.join(EVENT_TYPES)}.")
    session = body.get("sessionId") or uuid.uuid4().hex
    if not isinstance(session, str):
        raise HTTPException(400, "sessionId must be a string.")
    check_id(session, "session")
    source = shelves.source(body.get("source"))
    if body.get("source") is not None and source is None:
        raise HTTPException(
            400, f"source must be a shelf's key: one of {', '.join(sorted(shelves.SOURCES))}."
        )
    user, item = shopper(shop, body["userId"]), product_id(shop, body["itemId"])
    await blocking(_send, shop, user, session, item, body["eventType"], source)
    answer = {
        "userId": user,
        "itemId": item,
        "eventType": body["eventType"],
        "source": source or backend.DIRECT_SOURCE,
    }
    return SafeJSONResponse(answer, 202)


async def error_page(request: Request, exc: Exception) -> Response:
    status = exc.status_code if isinstance(exc, HTTPException) else 500
    detail = exc.detail if isinstance(exc, HTTPException) else "Something went wrong on our side."
    if status >= 500:
        log.exception("error on %s", request.url.path, exc_info=exc)
    if request.url.path.startswith("/api/"):
        return SafeJSONResponse({"error": detail, "status": status}, status)
    page = templates.get_template("error.html").render(status=status, detail=detail)
    return HTMLResponse(page, status)


@contextlib.asynccontextmanager
async def lifespan(app: Starlette):
    """Read the shop's data and make the clients once per worker process, before serving."""
    backend_name = aws.activate()
    app.state.threads = anyio.CapacityLimiter(THREADS[backend_name])
    for name in ("s3", "ssm", "personalize-runtime", "personalize-events"):
        backend.client(name)
    app.state.shop = await blocking(Shop.from_s3)
    yield


routes = [
    Route("/", home),
    Route("/products/{item_id}", product_page),
    Route("/products/{item_id}/{action:str}", product_event, methods=["POST"]),
    Route("/images/{item_id}.svg", picture),
    Route("/api/home", api_home),
    Route("/api/products/{item_id}", api_product),
    Route("/api/shoppers", api_shoppers),
    Route("/api/events", api_events, methods=["POST"]),
    Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
]
app = Starlette(
    routes=routes, lifespan=lifespan, exception_handlers={HTTPException: error_page, 500: error_page}
)
