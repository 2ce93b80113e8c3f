"""The pricing model against the article's figures and hand-computed bills."""

from __future__ import annotations

import math

import pytest

from helpers import costs
from helpers.costs import Rates, Recommender, Usage


def test_article_estimate__one_recommender():
    # 1 GB x 0.05 + 720 h x 0.375 = 0.05 + 270.00
    assert costs.article_estimate(1) == pytest.approx(270.05)
    assert costs.article_estimate(1) == pytest.approx(costs.ARTICLE_PER_RECOMMENDER)


def test_article_estimate__two_recommenders():
    assert costs.article_estimate(2) == pytest.approx(540.10)
    assert costs.article_estimate(2) == pytest.approx(costs.ARTICLE_TWO_RECOMMENDERS)


def test_article_estimate__follows_the_rates():
    rates = Rates(ingestion_per_gb=0.10, recommender_per_hour=0.5)
    assert costs.article_estimate(3, rates) == pytest.approx(3 * (0.10 + 720 * 0.5))


def test_shop_month__ingests_once_for_all_recommenders():
    # the article's hours: five recommenders share the dataset group's 1 GB
    bill = costs.shop_month(5, gb_ingested=1, hours=720)
    assert bill["ingestion"] == pytest.approx(0.05)
    assert bill["recommenders"] == pytest.approx(5 * 270.0)
    assert bill["total"] == pytest.approx(1350.05)
    assert bill["total"] < 5 * costs.article_estimate(1)  # 1350.25 the article's way


def test_shop_month__average_month():
    assert costs.shop_month(1)["total"] == pytest.approx(0.05 + 730 * 0.375)  # 273.80


def test_recommender_cost__billed_at_the_greater_of_minimum_and_actual():
    assert costs.recommender_cost(Recommender(10, min_rps=2, actual_rps=0.5)) == pytest.approx(10 * 2 * 0.375)
    assert costs.recommender_cost(Recommender(10, min_rps=1, actual_rps=3)) == pytest.approx(10 * 3 * 0.375)
    assert costs.recommender_cost(Recommender(0)) == 0


def test_recommender__minimum_is_one_request_per_second():
    with pytest.raises(ValueError, match="min_rps"):
        Recommender(720, min_rps=0.5)


def test_tiered__fills_tiers_in_order():
    tiers = ((10, 2.0), (20, 1.0), (math.inf, 0.5))
    assert costs.tiered(5, tiers) == 10.0
    assert costs.tiered(10, tiers) == 20.0
    assert costs.tiered(25, tiers) == 20 + 15 * 1.0
    assert costs.tiered(40, tiers) == 20 + 20 + 10 * 0.5


def test_tiered__beyond_a_finite_last_tier_pays_its_price():
    assert costs.tiered(15, ((10, 2.0), (3, 1.0))) == 20 + 3 + 2 * 1.0


def test_campaign_cost__tiers():
    # 1 TPS all month: 720 TPS-hours in the first tier
    assert costs.campaign_cost(720) == pytest.approx(144.0)
    # 30,000 TPS-hours: 20,000 x 0.20 + 10,000 x 0.10
    assert costs.campaign_cost(30_000) == pytest.approx(5_000.0)


def test_batch_cost__per_thousand():
    assert costs.batch_cost(1_000_000) == pytest.approx(67.0)
    assert costs.batch_cost(25_000_000) == pytest.approx(20_000 * 0.067 + 5_000 * 0.058)


def test_monthly_cost__line_items_add_up():
    usage = Usage(
        gb_ingested=2,
        recommenders=(Recommender(100),),
        training_hours=10,
        campaign_tps_hours=720,
        batch_recommendations=1_000_000,
    )
    bill = costs.monthly_cost(usage)
    assert bill == pytest.approx(
        {
            "ingestion": 0.10,
            "training": 2.40,
            "recommenders": 37.5,
            "campaigns": 144.0,
            "batch": 67.0,
            "total": 0.10 + 2.40 + 37.5 + 144.0 + 67.0,
        }
    )


def test_monthly_cost__free_tier_in_the_first_months_only():
    usage = Usage(gb_ingested=25, training_hours=120, campaign_tps_hours=770, recommenders=(Recommender(10),))
    first = costs.monthly_cost(usage, month=1)
    assert first["ingestion"] == pytest.approx(5 * 0.05)
    assert first["training"] == pytest.approx(20 * 0.24)
    assert first["campaigns"] == pytest.approx((770 - 50) * 0.20)
    assert first["recommenders"] == pytest.approx(10 * 0.375)  # not in the free tier
    third = costs.monthly_cost(usage, month=3)
    assert third["ingestion"] == pytest.approx(25 * 0.05)


def test_monthly_cost__bad_month():
    with pytest.raises(ValueError, match="month"):
        costs.monthly_cost(Usage(), month=0)


def test_usage__negative_amount():
    with pytest.raises(ValueError, match="gb_ingested"):
        Usage(gb_ingested=-1)


def test_rates__bad_tiers():
    with pytest.raises(ValueError, match="campaign_tps_hour"):
        Rates(campaign_tps_hour=())


def test_benefit__the_articles_shop():
    assert costs.revenue_uplift(200_000, 0.10) == pytest.approx(20_000)
    assert costs.revenue_uplift(200_000, 0.25) == pytest.approx(50_000)
    assert costs.net_benefit(200_000, 0.10, 540.10) == pytest.approx(19_459.90)


def test_break_even_revenue():
    # 540.10 a month pays for itself at 10 % uplift on 5,401 USD of revenue
    assert costs.break_even_revenue(540.10, 0.10) == pytest.approx(5_401.0)
    with pytest.raises(ValueError, match="uplift"):
        costs.break_even_revenue(540.10, 0)


def test_rates_table():
    rows = costs.rates_table()
    assert rows[0] == {
        "dimension": "data ingestion",
        "unit": "GB (bulk or streamed)",
        "usd": 0.05,
        "source": "the article; not checked here",
    }
    assert costs.rates_table(Rates(training_per_hour=0.3))[1]["source"] == "given"
    campaign = [r["unit"] for r in rows if r["dimension"] == "campaign"]
    assert campaign == ["TPS-hours a month, first 20,000", "TPS-hours a month, next 180,000",
                        "TPS-hours a month, over 200,000"]  # fmt: skip
    assert len(rows) == 3 + 3 + 3


def test_footprint_month__recommenders_and_campaigns():
    # 5 recommenders at 1 request/s and 4 campaigns at 1 TPS, 730 h: 5 x 730 x 0.375 and
    # 4 x 730 = 2,920 TPS-hours in the first tier at 0.20; 10 h of training once; 2 GB stored
    left = costs.Footprint(
        recommenders=(1,) * 5, campaigns=(1,) * 4, training_hours=10, gb_stored=2, gb_ingested=1
    )
    bill = costs.footprint_month(left)
    assert bill["recommenders"] == pytest.approx(1368.75)
    assert bill["campaigns"] == pytest.approx(584.0)
    assert bill["training"] == pytest.approx(2.40)
    assert bill["storage"] == pytest.approx(0.046)
    assert bill["ingestion"] == pytest.approx(0.05)
    assert bill["automatic training"] == 0
    assert bill["total"] == pytest.approx(1368.75 + 584.0 + 2.40 + 0.046 + 0.05)


def test_footprint_month__campaigns_at_their_minimum_and_automatic_training():
    # a campaign at 3 TPS bills 3 TPS-hours an hour; retraining every 7 days, 2 h each: 730/24/7 x 2 h
    bill = costs.footprint_month(costs.Footprint(campaigns=(3,), auto_training=((7, 2.0),)), hours=730)
    assert bill["campaigns"] == pytest.approx(3 * 730 * 0.20)
    assert bill["automatic training"] == pytest.approx(730 / 24 / 7 * 2 * 0.24)
    assert bill["recommenders"] == 0


def test_footprint__bad_values():
    with pytest.raises(ValueError, match="at least 1"):
        costs.Footprint(campaigns=(0.5,))
    with pytest.raises(ValueError, match="auto_training"):
        costs.Footprint(auto_training=((31, 1.0),))


def test_series_footprint__what_the_series_can_leave():
    left = costs.series_footprint(5)
    assert (len(left.recommenders), len(left.campaigns), left.auto_training) == (5, 6, ())
    # 6 plain versions and one HPO version of at most 40 training jobs, 1 h each
    assert left.training_hours == 6 + costs.HPO_TRAINING_JOBS
    bill = costs.footprint_month(left)
    assert bill["campaigns"] > 0 and bill["total"] > costs.shop_month(5)["total"]


def test_rate_sources__every_rate_is_labelled():
    rates = {
        f for f in Rates.__dataclass_fields__ if not f.startswith("free_") and f not in ("source", "read_on")
    }
    assert rates <= set(costs.RATE_SOURCES)
    assert all("not checked" in label for label in costs.RATE_SOURCES.values())
