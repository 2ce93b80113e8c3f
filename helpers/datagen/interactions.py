"""Synthetic shopping sessions: views driven by personas, a purchase funnel, daily and weekly rhythm.

Everything is vectorised with numpy: no Python loop runs per event, only per category group,
so 675,000 events take well under ten seconds and ten times as many fit in memory.
"""

from __future__ import annotations

from datetime import datetime

import numpy as np
import pandas as pd

from .vocabulary import CATEGORIES, PRICE_SENSITIVITIES

EVENT_TYPES: tuple[str, ...] = ("View", "AddToCart", "Purchase")
"""The funnel, in order."""

PERSONA_MIX: tuple[float, float, float] = (0.60, 0.25, 0.15)
"""How a shopper's sessions split over the persona's first, second and third category."""

NOISE = 0.06
"""Share of sessions in a random category, outside the persona: curiosity, gifts."""

SESSION_VIEWS = 5.0
"""Mean number of product views in one session."""

NEIGHBOUR_SHARE = 0.45
"""Chance that a view after the first in a session is a neighbour of the product viewed before."""

CART_RATE = 0.06
"""AddToCart events per View."""

PURCHASE_RATE = 0.20
"""Purchases per AddToCart: about 1 % of all events are purchases."""

PRICE_BETA: dict[str, float] = {"low": -0.2, "medium": 0.4, "high": 1.2}
"""Exponent of (price / category median) ** -beta in a shopper's choice: high means cheap wins."""

GENDER_MISMATCH = 0.05
"""Relative weight of a product made for the other gender (``U`` products always fit)."""

WEEKDAY_RHYTHM = (1.0, 0.95, 0.95, 1.0, 1.1, 1.3, 1.25)
"""Relative traffic Monday … Sunday."""

HOUR_RHYTHM = (
    0.3,
    0.2,
    0.15,
    0.1,
    0.1,
    0.15,
    0.3,
    0.6,
    0.8,
    0.9,
    1.0,
    1.0,
    1.1,
    1.0,
    0.9,
    0.9,
    1.0,
    1.2,
    1.4,
    1.6,
    1.7,
    1.5,
    1.0,
    0.6,
)
"""Relative traffic by hour of day (UTC): a lunch bump and an evening peak."""

INTERACTION_COLUMNS: tuple[str, ...] = ("USER_ID", "ITEM_ID", "TIMESTAMP", "EVENT_TYPE")
"""Columns of ``make_interactions``: exactly the INTERACTIONS schema."""


def _is_count(x) -> bool:
    return not isinstance(x, bool) and isinstance(x, int | np.integer)


def funnel_counts(n_interactions: int) -> dict[str, int]:
    """Split a total into exact View, AddToCart and Purchase counts following the funnel rates.

    Args:
        n_interactions: total number of events, at least 0.

    Returns:
        ``{"View": v, "AddToCart": c, "Purchase": p}`` with v + c + p == n_interactions.
    """
    n = int(n_interactions)
    carts = int(round(n * CART_RATE / (1 + CART_RATE + CART_RATE * PURCHASE_RATE)))
    purchases = int(round(carts * PURCHASE_RATE))
    return {"View": n - carts - purchases, "AddToCart": carts, "Purchase": purchases}


def choice_weights(items: pd.DataFrame, gender: str, sensitivity: str) -> np.ndarray:
    """How likely a shopper of this gender and price sensitivity picks each product of a category.

    The weight is the product's popularity, times its price relative to the category median to
    the power ``-PRICE_BETA[sensitivity]``, times ``GENDER_MISMATCH`` for products made for the
    other gender; it is then normalised to sum to 1 within each category. New products weigh 0.

    Args:
        items: a frame from ``make_items`` (needs ``CATEGORY_L1``, ``PRICE``, ``GENDER``,
            ``POPULARITY``).
        gender: ``M`` or ``F``.
        sensitivity: ``low``, ``medium`` or ``high``.

    Returns:
        Array of shape (len(items),), in [0, 1], summing to 1 over each category's products.
    """
    if sensitivity not in PRICE_BETA:
        raise ValueError(f"sensitivity must be one of {list(PRICE_BETA)}, not {sensitivity!r}")
    cat = items["CATEGORY_L1"].to_numpy()
    price = items["PRICE"].to_numpy(dtype=float)
    median = items.groupby("CATEGORY_L1")["PRICE"].transform("median").to_numpy(dtype=float)
    w = items["POPULARITY"].to_numpy(dtype=float) * (price / median) ** -PRICE_BETA[sensitivity]
    g = items["GENDER"].to_numpy()
    w = w * np.where((g == "U") | (g == gender), 1.0, GENDER_MISMATCH)
    total = pd.Series(w).groupby(cat).transform("sum").to_numpy()
    return np.divide(w, total, out=np.zeros_like(w), where=total > 0)


def _check(rng, users, items, now, n_interactions, n_days):
    if not isinstance(rng, np.random.Generator):
        raise TypeError(f"rng must be a numpy.random.Generator, not {type(rng).__name__}")
    need_u = {"USER_ID", "GENDER", "PERSONA", "PRICE_SENSITIVITY", "ACTIVITY"}
    if not isinstance(users, pd.DataFrame) or not need_u <= set(users.columns) or len(users) == 0:
        raise ValueError(f"users must be a non-empty frame from make_users with columns {sorted(need_u)}")
    need_i = {"ITEM_ID", "CATEGORY_L1", "PRICE", "GENDER", "POPULARITY", "NEIGHBOURS", "IS_NEW"}
    if not isinstance(items, pd.DataFrame) or not need_i <= set(items.columns) or len(items) == 0:
        raise ValueError(f"items must be a non-empty frame from make_items with columns {sorted(need_i)}")
    if not isinstance(now, datetime) or now.tzinfo is None:
        raise ValueError(f"now must be a timezone-aware datetime, not {now!r}")
    if not _is_count(n_days) or n_days < 1:
        raise ValueError(f"n_days must be a positive integer, not {n_days!r}")
    if not _is_count(n_interactions) or n_interactions < 1:
        raise ValueError(f"n_interactions must be a positive integer, not {n_interactions!r}")
    views = funnel_counts(n_interactions)["View"]
    if views < 2 * len(users):
        least = next(
            n for n in range(2 * len(users), 4 * len(users)) if funnel_counts(n)["View"] >= 2 * len(users)
        )
        raise ValueError(
            f"n_interactions={n_interactions} is too few for {len(users)} users: each needs two views,"
            f" so n_interactions must be at least {least}"
        )
    most = len(users) * int(n_days) * 1_440
    if n_interactions > most:
        raise ValueError(
            f"n_interactions={n_interactions} cannot be placed: at most one event per user per minute"
            f" over n_days={n_days} allows {most}"
        )
    established = items.loc[~items["IS_NEW"].astype(bool) & (items["POPULARITY"] > 0), "CATEGORY_L1"]
    wanted = {c for p in users["PERSONA"] for c in p.split("_")} | set(CATEGORIES)
    missing = sorted(wanted - set(established))
    if missing:
        raise ValueError(f"items has no established products in the categories {missing}")


def _day_weights(now: datetime, n_days: int) -> np.ndarray:
    start_weekday = (now.weekday() - n_days) % 7
    weekday = (start_weekday + np.arange(n_days)) % 7
    trend = 1 + 0.3 * np.arange(n_days) / n_days  # the shop grows a little
    w = np.asarray(WEEKDAY_RHYTHM)[weekday] * trend
    return w / w.sum()


def make_interactions(
    rng: np.random.Generator,
    users: pd.DataFrame,
    items: pd.DataFrame,
    *,
    now: datetime,
    n_interactions: int = 675_000,
    n_days: int = 90,
) -> pd.DataFrame:
    """Simulate ``n_interactions`` events of ``users`` on ``items`` over the ``n_days`` before ``now``.

    How the data is made, and why each step matters for recommendations:

    1. **Activity**: every user gets two views, the rest is shared out in proportion to
       ``ACTIVITY`` (log-normal), so a few heavy shoppers and many light ones exist.
    2. **Sessions** of on average ``SESSION_VIEWS`` views. Each session stays in one category,
       drawn from the persona (``PERSONA_MIX``) or, with chance ``NOISE``, any category: the
       *personalisation* signal.
    3. **Products**: a view follows ``choice_weights`` (Zipf popularity, price sensitivity,
       gender) or, after the first of a session and with chance ``NEIGHBOUR_SHARE``, is one of
       the previous product's ``NEIGHBOURS``: the *also viewed* / *bought together* signal.
    4. **Funnel**: exact counts from ``funnel_counts``; carts go preferably to high-intent
       sessions and promoted products, a cart follows its view by seconds to minutes, a
       purchase follows its cart.
    5. **Time**: sessions start on days weighted by ``WEEKDAY_RHYTHM`` and a slight growth,
       at hours weighted by ``HOUR_RHYTHM``; views are seconds to minutes apart. Every
       timestamp lies in [now - n_days, now).

    Args:
        rng: the random generator; the same state gives the same events, byte for byte.
        users: from ``make_users`` (ground-truth columns included).
        items: from ``make_items`` (ground-truth columns included). New products get no events.
        now: the shop's "now", timezone-aware; the clock is never read.
        n_interactions: exact number of rows, at least enough for two views per user.
        n_days: length of the history in days, at least 1.

    Returns:
        Exactly ``n_interactions`` rows, columns ``INTERACTION_COLUMNS``: ``USER_ID`` and
        ``ITEM_ID`` (strings), ``TIMESTAMP`` (int64 Unix seconds), ``EVENT_TYPE`` (``View``,
        ``AddToCart``, ``Purchase``); sorted by time, then user, then funnel step.

    Raises:
        ValueError: an argument is out of range or cannot be satisfied (the message names it).
        TypeError: ``rng`` is not a ``numpy.random.Generator``.
    """
    _check(rng, users, items, now, n_interactions, n_days)
    n_days = int(n_days)
    counts = funnel_counts(n_interactions)
    n_views, n_users = counts["View"], len(users)
    cat_names = list(CATEGORIES)
    cat_index = {c: i for i, c in enumerate(cat_names)}
    item_cat = items["CATEGORY_L1"].map(cat_index).to_numpy()
    id_index = pd.Series(np.arange(len(items)), index=items["ITEM_ID"].to_numpy())
    neighbours = (
        id_index.loc[np.concatenate(items["NEIGHBOURS"].to_numpy())].to_numpy().reshape(len(items), -1)
    )

    # 1. views per user: two each, the rest by activity
    activity = users["ACTIVITY"].to_numpy(dtype=float)
    per_user = 2 + rng.multinomial(n_views - 2 * n_users, activity / activity.sum())
    row_user = np.repeat(np.arange(n_users), per_user)

    # 2. sessions: a new one starts with chance 1/SESSION_VIEWS, and always at a user's first view
    starts = rng.random(n_views) < 1 / SESSION_VIEWS
    starts[np.concatenate([[0], np.cumsum(per_user)[:-1]])] = True
    row_session = np.cumsum(starts) - 1
    first_row = np.flatnonzero(starts)
    n_sessions = len(first_row)
    position = np.arange(n_views) - first_row[row_session]
    session_user = row_user[first_row]

    persona = np.array([[cat_index[c] for c in p.split("_")] for p in users["PERSONA"]])
    pick = rng.choice(3, size=n_sessions, p=np.asarray(PERSONA_MIX) / sum(PERSONA_MIX))
    session_cat = persona[session_user, pick]
    noisy = rng.random(n_sessions) < NOISE
    session_cat[noisy] = rng.integers(len(cat_names), size=int(noisy.sum()))

    # 3. products: a fresh draw per view from the (category, gender, sensitivity) distribution ...
    gender = (users["GENDER"].to_numpy() == "M").astype(int)
    sens = users["PRICE_SENSITIVITY"].map({s: i for i, s in enumerate(PRICE_SENSITIVITIES)}).to_numpy()
    row_cat = session_cat[row_session]
    group = (row_cat * 2 + gender[row_user]) * len(PRICE_SENSITIVITIES) + sens[row_user]
    u = rng.random(n_views)
    row_item = np.empty(n_views, dtype=np.int64)
    order = np.argsort(group, kind="stable")
    bounds = np.flatnonzero(np.diff(group[order])) + 1
    weights = {  # per (gender, sensitivity): the same for every category
        (gi, si): choice_weights(items, "FM"[gi], s)
        for gi in range(2)
        for si, s in enumerate(PRICE_SENSITIVITIES)
    }
    for rows in np.split(order, bounds):
        g = group[rows[0]]
        c, rest = divmod(g, 2 * len(PRICE_SENSITIVITIES))
        w = weights[divmod(rest, len(PRICE_SENSITIVITIES))]
        members = np.flatnonzero((item_cat == c) & (w > 0))
        cdf = np.cumsum(w[members])
        row_item[rows] = members[np.minimum(np.searchsorted(cdf, u[rows] * cdf[-1]), len(members) - 1)]
    # ... and later views often a neighbour of the product viewed just before (one step per position)
    hop = (position > 0) & (rng.random(n_views) < NEIGHBOUR_SHARE)
    which = rng.integers(neighbours.shape[1], size=n_views)
    hops = np.flatnonzero(hop)
    by_position = hops[np.argsort(position[hops], kind="stable")]
    for rows in np.split(by_position, np.flatnonzero(np.diff(position[by_position])) + 1):
        row_item[rows] = neighbours[row_item[rows - 1], which[rows]]

    # 5. time: session start by day and hour rhythm, then gaps of seconds to minutes
    now_s = int(now.timestamp())
    t0 = now_s - n_days * 86_400
    day = rng.choice(n_days, size=n_sessions, p=_day_weights(now, n_days))
    hours = np.asarray(HOUR_RHYTHM) / sum(HOUR_RHYTHM)
    hour = rng.choice(24, size=n_sessions, p=hours)
    session_start = t0 + day * 86_400 + hour * 3_600 + rng.integers(3_600, size=n_sessions)
    gap = np.minimum(5 + rng.exponential(40.0, size=n_views), 900).astype(np.int64)
    gap[first_row] = 0
    elapsed = np.cumsum(gap)
    elapsed -= elapsed[first_row][row_session]
    session_end = np.zeros(n_sessions, dtype=np.int64)
    np.maximum.at(session_end, row_session, elapsed)
    # a session that would run past "now" starts earlier (room for a cart and purchase left)
    session_start = np.minimum(session_start, now_s - 3_600 - session_end)
    view_ts = session_start[row_session] + elapsed

    # 4. funnel: carts on views, weighted by session intent, promotion and price fit
    intent = rng.lognormal(0.0, 1.2, size=n_sessions)
    promoted = items["PROMOTED"].to_numpy() == "Y"
    w_cart = intent[row_session] * np.where(promoted[row_item], 1.5, 1.0)
    cart_rows = _weighted_sample(rng, w_cart, counts["AddToCart"])
    w_buy = intent[row_session[cart_rows]]
    bought = cart_rows[_weighted_sample(rng, w_buy, counts["Purchase"])]
    cart_ts = view_ts[cart_rows] + rng.integers(5, 180, size=len(cart_rows))
    buy_ts = cart_ts[np.searchsorted(cart_rows, bought)] + rng.integers(30, 900, size=len(bought))

    user_idx = np.concatenate([row_user, row_user[cart_rows], row_user[bought]])
    item_idx = np.concatenate([row_item, row_item[cart_rows], row_item[bought]])
    ts = np.minimum(np.concatenate([view_ts, cart_ts, buy_ts]), now_s - 1).astype(np.int64)
    kind = np.repeat(np.arange(3), [n_views, len(cart_rows), len(bought)])
    out = np.lexsort((item_idx, kind, user_idx, ts))
    return pd.DataFrame(
        {
            "USER_ID": users["USER_ID"].to_numpy(dtype=object)[user_idx[out]],
            "ITEM_ID": items["ITEM_ID"].to_numpy(dtype=object)[item_idx[out]],
            "TIMESTAMP": ts[out],
            "EVENT_TYPE": np.asarray(EVENT_TYPES, dtype=object)[kind[out]],
        }
    )


def _weighted_sample(rng: np.random.Generator, weights: np.ndarray, k: int) -> np.ndarray:
    """Indices of ``k`` distinct positions drawn with probability proportional to ``weights``, sorted."""
    if k <= 0:
        return np.zeros(0, dtype=np.int64)
    keys = -np.log(rng.random(len(weights))) / weights  # Efraimidis-Spirakis
    return np.sort(np.argpartition(keys, k - 1)[:k])
