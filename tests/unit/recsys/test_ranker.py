"""The ranker of Recommended for you on small hand-made data where the right answer is known."""

import numpy as np
import pytest
import scipy.sparse as sp

from helpers.recsys import personalization, ranker

DAY = 86_400


def test_field_codes_take_each_fields_first_value_and_mark_missing():
    tokens = [["CAT=shoes", "GENDER=f", "light"], ["CAT=bags"], [], ["CAT=shoes", "CAT=sale"]]
    codes = ranker.field_codes(tokens, n_fields=3)
    assert codes[0].tolist() == [0, 1, -1, 0]  # words and the second value of a field do not count
    assert codes[1].tolist() == [0, -1, -1, -1]
    assert codes[2].tolist() == [-1, -1, -1, -1]


def test_item_stats_see_a_rising_item_and_shares_within_its_group():
    # item 0: steady over 60 days; item 1: only in the last week (rising); item 2: old, in group 1
    ts = np.array([d * DAY for d in range(0, 60, 2)] + [d * DAY for d in range(54, 60)] * 5 + [DAY])
    items = np.array([0] * 30 + [1] * 30 + [2])
    fields = np.array([[0, 0, 1]])
    stats = ranker.item_stats(items, ts, 3, fields, created=np.array([np.nan, 50 * DAY, np.nan]))
    assert stats.trend[1] > 0 > stats.trend[0]
    assert stats.within_group.tolist() == pytest.approx([0.5, 0.5, 1.0])
    assert stats.age_days[1] == pytest.approx(59 - 50)
    assert stats.age_days[0] == pytest.approx(59)  # no creation time: its first event


def test_candidates_leave_out_excluded_items_and_count_an_item_once():
    ease = np.array([[5.0, 4.0, 3.0, 0.0, 0.0]])
    popular = np.array([[0.0, 0.0, 9.0, 8.0, 1.0]])
    excluded = np.array([[True, False, False, False, False]])
    cands = ranker.candidates(ease, popular, excluded, n=2)
    got = sorted(c for c in cands[0].tolist() if c >= 0)
    assert got == [1, 2, 3]


RISING = 25


def _shop(rng, n_users=600, n_items=40):
    """Shoppers who pick products by a fixed popularity for fifty days; then one product that
    hardly sold before (``RISING``) takes off, and nearly everyone turns to it next."""
    popularity = 1.0 / (1 + np.arange(n_items)) ** 1.2
    popularity[RISING] = 0.0
    p = popularity / popularity.sum()
    users, items, ts = [], [], []
    for u in range(n_users):
        picks = rng.choice(n_items, size=10, p=p).tolist() + [RISING]
        users += [u] * len(picks)
        items += picks
        ts += sorted(rng.integers(0, 50 * DAY, size=10).tolist()) + [int(rng.integers(55 * DAY, 60 * DAY))]
    tokens = [[f"CAT=g{i % 2}"] for i in range(n_items)]
    return np.array(users), np.array(items), np.array(ts), tokens, n_items


@pytest.fixture(scope="module")
def rising():
    """The rising-product shop and the ranker learned on it."""
    users, items, ts, tokens, n_items = _shop(np.random.default_rng(3))
    args = (users, items, ts, np.ones(len(users), np.float32), users.max() + 1, n_items)
    kwargs = dict(combination="binary", relative_l2=1.0, fields=ranker.field_codes(tokens), created=None)
    return args, kwargs, ranker.learn(*args, **kwargs, rng=np.random.default_rng(7))


def test_learn_beats_ease_where_shoppers_turn_to_a_rising_product(rising):
    _, _, fitted = rising
    assert fitted is not None and fitted.rounds >= 1
    assert fitted.validation_ndcg_at_10 > fitted.base_ndcg_at_10


def test_learn_judges_both_hold_outs(rising):
    _, _, fitted = rising
    assert 0 < fitted.random_base_ndcg_at_10 <= 1 and 0 < fitted.random_ndcg_at_10 <= 1


def test_learn_is_deterministic_and_declines_too_few_shoppers(rising):
    args, kwargs, first = rising
    assert first == ranker.learn(*args, **kwargs, rng=np.random.default_rng(7))
    users, items, ts, weights, _, n_items = args
    few = users < 50
    small = (users[few], items[few], ts[few], weights[few], 50, n_items)
    assert ranker.learn(*small, **kwargs, rng=np.random.default_rng(7)) is None


def _base(rising):
    """The rising shop's binary user × item matrix and the base models fitted on it."""
    (users, items, ts, weights, n_users, n_items), kwargs, _ = rising
    x = sp.csr_matrix((np.ones(len(users)), (users, items)), shape=(n_users, n_items))
    x.data[:] = 1.0
    base = ranker.fit_base(
        users, items, ts, weights, n_users, n_items, ease_matrix=x, l2=50.0,
        fields=kwargs["fields"], created=None,
    )  # fmt: skip
    return x, base


def test_score_one_puts_the_rising_product_first(rising):
    *_, fitted = rising
    x, base = _base(rising)
    n_items = x.shape[1]
    history = (np.array([0, 1, 4]), np.ones(3, np.float32))
    ease = personalization.score_items(base.ease, *history)
    excluded = np.isin(np.arange(n_items), history[0])
    cands, scores = ranker.score_one(base, fitted.booster(), ease, history, history[0], excluded)
    assert cands[np.argmax(scores)] == RISING


def test_candidate_features_in_blocks_equal_those_of_every_shopper_at_once(rising, monkeypatch):
    x, base = _base(rising)
    excluded = (x > 0).toarray()
    monkeypatch.setattr(ranker, "BLOCK_USERS", x.shape[0])
    whole = ranker.candidate_features(base, x, x, excluded)
    monkeypatch.setattr(ranker, "BLOCK_USERS", 7)  # blocks of different widths, padded alike
    blocked = ranker.candidate_features(base, x, x, excluded)
    assert np.array_equal(whole[0], blocked[0])
    assert np.array_equal(whole[1], blocked[1], equal_nan=True)


@pytest.mark.parametrize(
    ("newest", "random", "kept"),
    [
        ((0.30, 0.25), (0.40, 0.40), True),
        ((0.30, 0.25), (0.38, 0.40), False),
        ((0.25, 0.25), (0.5, 0.4), False),
    ],
)
def test_a_ranker_serves_only_if_it_wins_next_and_costs_little_else(newest, random, kept):
    fitted = ranker.Fitted("", 3, newest[0], newest[1], random[0], random[1])
    assert fitted.kept is kept
