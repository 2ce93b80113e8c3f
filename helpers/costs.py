"""A pricing model of Amazon Personalize: what a month of the shop's set-up costs, and what it earns.

Amazon Personalize bills along these dimensions (the pricing page,
https://aws.amazon.com/personalize/pricing/):

- **data ingestion**, per GB uploaded: bulk imports from S3 *and* events streamed with PutEvents;
- **training**, per training hour, one hour of 4 vCPU and 8 GiB; Personalize may train on larger
  machines, so billed hours can exceed elapsed hours (custom solution versions; like the
  article, this model bills a domain recommender by the hour only, its weekly retraining included);
- **recommenders** (domain use cases), per hour while ACTIVE, for a throughput of at least
  ``minRecommendationRequestsPerSecond``: the bill is the greater of that minimum and the requests
  actually served (a stopped, INACTIVE recommender bills nothing);
- **campaigns** (custom solutions), per TPS-hour: the greater of the minimum provisioned TPS and the
  actual TPS (averaged over 5-minute windows), in tiers;
- **batch inference**, per 1,000 recommendations, in tiers;
- a **free tier** for the first two months of an account's use of Personalize.

Every rate is a field of :class:`Rates`, and :data:`RATE_SOURCES` says where each figure comes
from and whether we could check it, so that a reader can put today's list price in and rerun.
:data:`READ_ON` is the day we consulted the page. This project is built without internet access:
our stored copy of the page gives the billing dimensions above but **none of the figures**, so no
default figure was checked against today's page. They are the article's (whose date we do not
know) and older list prices; check each on the page or in the AWS Pricing Calculator
(:data:`CALCULATOR`) before budgeting.

:class:`Footprint` and :func:`footprint_month` price what the series can leave billing on AWS
(recommenders, campaigns, automatic and one-off training, storage, ingestion);
``helpers.aws.cost_estimate`` prints that before the first billable call of each notebook.

The article's estimate is **USD 270.05 per recommender per month** — 6,000 users, 1 GB ingested a
month, 720 hours — and **USD 540.10** for two. :func:`article_estimate` reproduces both. Where the
article's assumptions differ from how the page bills (see :data:`ARTICLE_DIFFERENCES`): it counts
the 1 GB of ingestion once *per recommender* although a dataset group ingests its data once for all
its recommenders, it takes a month as 720 hours (AWS's calculator uses 730), it assumes traffic never
exceeds the minimum 1 request per second, and it ignores the free tier.

Pure arithmetic: no AWS calls. Amounts are US dollars, unrounded; round when displaying.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

SOURCE = "https://aws.amazon.com/personalize/pricing/"
"""Where the rates come from."""

READ_ON = "2026-12-01"
"""The day we consulted the pricing page (its billing dimensions; the figures as noted above)."""

CALCULATOR = "https://calculator.aws/"
"""The AWS Pricing Calculator (add the Amazon Personalize service): today's rates of a region."""

RATE_SOURCES = {
    "ingestion_per_gb": "the article; not checked here",
    "training_per_hour": "an older list price; not checked here",
    "recommender_per_hour": "implied by the article's USD 270.05; not checked here",
    "campaign_tps_hour": "older list prices; not checked here",
    "batch_per_1000": "older list prices; not checked here",
    "s3_storage_per_gb_month": "S3 Standard's older us-east-1 rate; not checked here",
    "free tier": "the AWS Free Tier's former Personalize amounts; not checked here",
}
"""Where each default figure of :class:`Rates` comes from, and that none could be checked here
(the pricing page's figures were not in our offline copy; the article gives no date)."""

ARTICLE_USERS = 6_000
ARTICLE_GB_PER_MONTH = 1.0
ARTICLE_HOURS_PER_MONTH = 720
ARTICLE_PER_RECOMMENDER = 270.05
ARTICLE_TWO_RECOMMENDERS = 540.10
"""The article's assumptions and figures (USD per month)."""

HOURS_PER_MONTH = 730
"""Hours in an average month (8,760 / 12), as AWS's pricing calculator counts them."""

ARTICLE_DIFFERENCES = {
    "ingestion": "counted once per recommender; Personalize bills the GB a dataset group ingests, "
    "once for all of its recommenders",
    "hours": "720 hours (30 days); an average month has 730, and a 31-day month 744",
    "throughput": "exactly the minimum 1 request per second; traffic above it is billed too",
    "free tier": "ignored; the first two months include free ingestion, training and inference",
    "users": "6,000 users; the recommender rate is the article's for that size of shop",
}
"""Where the article's assumptions differ from how the pricing page bills."""

Tiers = tuple[tuple[float, float], ...]
"""``((units in the tier, USD per unit), …)``, cheapest last; the last tier's size may be ``inf``."""


@dataclass(frozen=True)
class Rates:
    """Amazon Personalize's rates (USD, us-east-1), one field per billing dimension.

    Attributes:
        ingestion_per_gb: per GB ingested (bulk or streamed).
        training_per_hour: per training hour (4 vCPU, 8 GiB) of a custom solution version.
        recommender_per_hour: per hour of an ACTIVE recommender at 1 request per second; the
            article's rate: (270.05 − 1 GB × 0.05) / 720 h.
        campaign_tps_hour: tiers of TPS-hours per month for campaigns.
        batch_per_1000: tiers of batch recommendations per month, price per 1,000.
        free_months: months of the free tier from the first use.
        free_ingestion_gb: GB of ingestion free each free month.
        free_training_hours: training hours free each free month.
        free_tps_hours: campaign TPS-hours free each free month. The free-tier amounts are those
            the AWS Free Tier listed for Personalize; the tier may not cover every dimension.
        s3_storage_per_gb_month: S3 Standard storage per GB and month (the CSVs, batch output).
        source: where the rates come from (per figure: :data:`RATE_SOURCES`).
        read_on: when they were read.
    """

    ingestion_per_gb: float = 0.05
    training_per_hour: float = 0.24
    recommender_per_hour: float = 0.375
    campaign_tps_hour: Tiers = ((20_000, 0.20), (180_000, 0.10), (math.inf, 0.05))
    batch_per_1000: Tiers = ((20_000_000, 0.067), (180_000_000, 0.058), (math.inf, 0.05))
    free_months: int = 2
    free_ingestion_gb: float = 20.0
    free_training_hours: float = 100.0
    free_tps_hours: float = 50.0
    s3_storage_per_gb_month: float = 0.023
    source: str = SOURCE
    read_on: str = READ_ON

    def __post_init__(self) -> None:
        for name in (
            "ingestion_per_gb",
            "training_per_hour",
            "recommender_per_hour",
            "s3_storage_per_gb_month",
        ):
            _non_negative(name, getattr(self, name))
        for name in ("campaign_tps_hour", "batch_per_1000"):
            tiers = getattr(self, name)
            if not tiers or any(size <= 0 or price < 0 for size, price in tiers):
                raise ValueError(f"{name} must be non-empty (size > 0, price >= 0) tiers, not {tiers!r}")


@dataclass(frozen=True)
class Recommender:
    """One recommender's month: how long it is ACTIVE and at what throughput.

    Attributes:
        hours: hours ACTIVE in the month (0–744).
        min_rps: its ``minRecommendationRequestsPerSecond`` (at least 1).
        actual_rps: the average requests per second it serves; billed when above ``min_rps``.
    """

    hours: float = ARTICLE_HOURS_PER_MONTH
    min_rps: float = 1.0
    actual_rps: float = 0.0

    def __post_init__(self) -> None:
        _non_negative("hours", self.hours)
        _non_negative("actual_rps", self.actual_rps)
        if self.min_rps < 1:
            raise ValueError(f"min_rps must be at least 1 (Personalize's minimum), not {self.min_rps!r}")

    @property
    def billed_rps(self) -> float:
        """The throughput billed: the greater of the minimum and the actual requests per second."""
        return max(self.min_rps, self.actual_rps)


@dataclass(frozen=True)
class Usage:
    """A month of use of Amazon Personalize.

    Attributes:
        gb_ingested: GB imported or streamed into the dataset groups this month.
        recommenders: the recommenders and their hours and throughput.
        training_hours: training hours of custom solution versions.
        campaign_tps_hours: TPS-hours of campaigns (billed TPS × hours, summed).
        batch_recommendations: recommendations produced by batch inference jobs.
    """

    gb_ingested: float = 0.0
    recommenders: Sequence[Recommender] = field(default_factory=tuple)
    training_hours: float = 0.0
    campaign_tps_hours: float = 0.0
    batch_recommendations: float = 0.0

    def __post_init__(self) -> None:
        for name in ("gb_ingested", "training_hours", "campaign_tps_hours", "batch_recommendations"):
            _non_negative(name, getattr(self, name))


def _non_negative(name: str, value: float) -> None:
    if not isinstance(value, int | float) or not value >= 0:
        raise ValueError(f"{name} must be a number >= 0, not {value!r}")


def tiered(quantity: float, tiers: Tiers) -> float:
    """Price ``quantity`` units through volume tiers, the first units at the first tier's price.

    Args:
        quantity: units used in the month (>= 0).
        tiers: ``((units in the tier, USD per unit), …)``; units beyond the last tier pay its price.

    Returns:
        The charge in USD.
    """
    _non_negative("quantity", quantity)
    charge, left = 0.0, float(quantity)
    for size, price in tiers:
        used = min(left, size)
        charge += used * price
        left -= used
        if left <= 0:
            break
    return charge + left * tiers[-1][1]


def _tier_labels(tiers: Tiers, unit: str) -> list[str]:
    labels, done = [], 0.0
    for i, (size, _) in enumerate(tiers):
        if math.isinf(size):
            labels.append(f"{unit}, over {done:,.0f}")
        else:
            labels.append(f"{unit}, {'first' if i == 0 else 'next'} {size:,.0f}")
            done += size
    return labels


def rates_table(rates: Rates = Rates()) -> list[dict]:
    """The rates as rows ``{"dimension", "unit", "usd", "source"}``, one per rate and tier, for display.

    ``source`` is the figure's :data:`RATE_SOURCES` label, or "given" where ``rates`` changed it.
    """
    default = Rates()

    def source(name: str) -> str:
        return RATE_SOURCES[name] if getattr(rates, name) == getattr(default, name) else "given"

    rows = [
        {"dimension": "data ingestion", "unit": "GB (bulk or streamed)", "usd": rates.ingestion_per_gb},
        {"dimension": "training", "unit": "training hour (4 vCPU, 8 GiB)", "usd": rates.training_per_hour},
        {"dimension": "recommender", "unit": "hour ACTIVE at 1 request/s", "usd": rates.recommender_per_hour},
    ]
    for row, name in zip(
        rows, ("ingestion_per_gb", "training_per_hour", "recommender_per_hour"), strict=True
    ):
        row["source"] = source(name)
    tiered_rates = (
        ("campaign", "TPS-hours a month", "campaign_tps_hour"),
        ("batch inference (per 1,000)", "recommendations a month", "batch_per_1000"),
    )
    for dimension, unit, name in tiered_rates:
        tiers = getattr(rates, name)
        for label, (_, price) in zip(_tier_labels(tiers, unit), tiers, strict=True):
            rows.append({"dimension": dimension, "unit": label, "usd": price, "source": source(name)})
    return rows


def ingestion_cost(gb: float, rates: Rates = Rates()) -> float:
    """USD for ingesting ``gb`` GB (bulk imports and streamed events)."""
    _non_negative("gb", gb)
    return gb * rates.ingestion_per_gb


def training_cost(hours: float, rates: Rates = Rates()) -> float:
    """USD for ``hours`` training hours of custom solution versions."""
    _non_negative("hours", hours)
    return hours * rates.training_per_hour


def recommender_cost(recommender: Recommender, rates: Rates = Rates()) -> float:
    """USD for one recommender's month: hours × billed requests per second × the hourly rate.

    Throughput above 1 request per second is priced at the same rate per request per second
    (linear): an upper bound where the page discounts higher throughput.
    """
    return recommender.hours * recommender.billed_rps * rates.recommender_per_hour


def campaign_cost(tps_hours: float, rates: Rates = Rates()) -> float:
    """USD for ``tps_hours`` TPS-hours of campaigns in one month, through the tiers."""
    return tiered(tps_hours, rates.campaign_tps_hour)


def batch_cost(n_recommendations: float, rates: Rates = Rates()) -> float:
    """USD for ``n_recommendations`` recommendations from batch inference in one month."""
    return tiered(
        n_recommendations / 1_000, tuple((size / 1_000, price) for size, price in rates.batch_per_1000)
    )


def monthly_cost(usage: Usage, rates: Rates = Rates(), month: int = 3) -> dict[str, float]:
    """The month's bill, line by line.

    Args:
        usage: what was used in the month.
        rates: the rates; the defaults are the list prices noted in this module.
        month: which month of the account's use of Personalize this is (1 = the first); the free
            tier applies while ``month <= rates.free_months``. It covers ingestion, training and
            campaigns' TPS-hours, not recommenders.

    Returns:
        ``{"ingestion", "training", "recommenders", "campaigns", "batch", "total"}`` in USD.
    """
    if not isinstance(month, int) or month < 1:
        raise ValueError(f"month must be an integer >= 1, not {month!r}")
    free = month <= rates.free_months
    gb = max(0.0, usage.gb_ingested - (rates.free_ingestion_gb if free else 0.0))
    hours = max(0.0, usage.training_hours - (rates.free_training_hours if free else 0.0))
    tps_hours = max(0.0, usage.campaign_tps_hours - (rates.free_tps_hours if free else 0.0))
    bill = {
        "ingestion": ingestion_cost(gb, rates),
        "training": training_cost(hours, rates),
        "recommenders": sum(recommender_cost(r, rates) for r in usage.recommenders),
        "campaigns": campaign_cost(tps_hours, rates),
        "batch": batch_cost(usage.batch_recommendations, rates),
    }
    bill["total"] = sum(bill.values())
    return bill


def article_estimate(n_recommenders: int = 1, rates: Rates = Rates()) -> float:
    """The article's monthly figure for ``n_recommenders``: each with its own 1 GB and 720 hours.

    ``article_estimate(1)`` is USD 270.05 and ``article_estimate(2)`` USD 540.10 at the default rates.
    """
    if not isinstance(n_recommenders, int) or n_recommenders < 0:
        raise ValueError(f"n_recommenders must be an integer >= 0, not {n_recommenders!r}")
    one = Usage(gb_ingested=ARTICLE_GB_PER_MONTH, recommenders=(Recommender(ARTICLE_HOURS_PER_MONTH),))
    return n_recommenders * monthly_cost(one, rates)["total"]


def shop_month(
    n_recommenders: int,
    gb_ingested: float = ARTICLE_GB_PER_MONTH,
    hours: float = HOURS_PER_MONTH,
    min_rps: float = 1.0,
    rates: Rates = Rates(),
) -> dict[str, float]:
    """A month of one dataset group with ``n_recommenders`` running all month: data ingested once.

    Args:
        n_recommenders: recommenders ACTIVE all month.
        gb_ingested: GB the dataset group ingests in the month.
        hours: hours in the month (730 on average).
        min_rps: each recommender's minimum requests per second.
        rates: the rates.

    Returns:
        The bill as :func:`monthly_cost` gives it (after the free tier).
    """
    if not isinstance(n_recommenders, int) or n_recommenders < 0:
        raise ValueError(f"n_recommenders must be an integer >= 0, not {n_recommenders!r}")
    usage = Usage(gb_ingested=gb_ingested, recommenders=(Recommender(hours, min_rps),) * n_recommenders)
    return monthly_cost(usage, rates)


@dataclass(frozen=True)
class Footprint:
    """What a run leaves billing on AWS until it is deleted: the resources, and the training.

    Attributes:
        recommenders: each ACTIVE recommender's ``minRecommendationRequestsPerSecond``.
        campaigns: each ACTIVE campaign's ``minProvisionedTPS``.
        training_hours: training hours of the solution versions trained once (HPO included).
        auto_training: one ``(days between trainings, training hours each)`` per solution with
            ``performAutoTraining`` (AWS's default: every 7 days).
        gb_stored: GB kept in S3.
        gb_ingested: GB imported and streamed in a month.
    """

    recommenders: Sequence[float] = ()
    campaigns: Sequence[float] = ()
    training_hours: float = 0.0
    auto_training: Sequence[tuple[float, float]] = ()
    gb_stored: float = 0.0
    gb_ingested: float = 0.0

    def __post_init__(self) -> None:
        if any(rps < 1 for rps in self.recommenders) or any(tps < 1 for tps in self.campaigns):
            raise ValueError("recommenders and campaigns each need a minimum throughput of at least 1")
        if any(not 1 <= days <= 30 or hours < 0 for days, hours in self.auto_training):
            raise ValueError(
                f"auto_training must be (1-30 days, hours >= 0) pairs, not {self.auto_training!r}"
            )
        for name in ("training_hours", "gb_stored", "gb_ingested"):
            _non_negative(name, getattr(self, name))


def footprint_month(footprint: Footprint, rates: Rates = Rates(), hours: float = HOURS_PER_MONTH) -> dict:
    """A month of what a run left running, line by line (no free tier, no traffic above the minimums).

    Args:
        footprint: what is left.
        rates: the rates.
        hours: hours in the month (730 on average).

    Returns:
        ``{"recommenders", "campaigns", "automatic training", "training", "storage", "ingestion",
        "total"}`` in USD; ``training`` is the one-off training, billed once.
    """
    _non_negative("hours", hours)
    days = hours / 24
    bill = {
        "recommenders": sum(
            recommender_cost(Recommender(hours, rps), rates) for rps in footprint.recommenders
        ),
        "campaigns": campaign_cost(sum(footprint.campaigns) * hours, rates),
        "automatic training": sum(
            days / every * each * rates.training_per_hour for every, each in footprint.auto_training
        ),
        "training": training_cost(footprint.training_hours, rates),
        "storage": footprint.gb_stored * rates.s3_storage_per_gb_month,
        "ingestion": ingestion_cost(footprint.gb_ingested, rates),
    }
    bill["total"] = sum(bill.values())
    return bill


HOURS_PER_VERSION = 1.0
"""Training hours we assume one solution version of the series bills on AWS (its data is small);
an assumption, not a measurement: ``trainingHours`` of each version tells the real figure."""

HPO_TRAINING_JOBS = 40
"""Training jobs of a version trained with HPO, at most (``maxNumberOfTrainingJobs`` may not exceed
40): the upper bound we price, each at :data:`HOURS_PER_VERSION`."""


def series_footprint(
    n_recommenders: int,
    n_campaigns: int = 6,
    n_versions: int = 7,
    n_hpo_versions: int = 1,
    n_auto_training: int = 0,
    min_throughput: float = 1.0,
    gb_stored: float = 0.1,
    gb_ingested: float = 1.0,
) -> Footprint:
    """What the series can leave billing: notebook 05's recommenders and notebook 11's solutions.

    Args:
        n_recommenders: recommenders left ACTIVE (notebook 05 creates 5).
        n_campaigns: campaigns left ACTIVE (notebook 11 creates 6 and deletes them at its end unless
            asked to keep them).
        n_versions: solution versions trained once (notebook 11 trains 7).
        n_hpo_versions: of them, trained with HPO (1), priced at :data:`HPO_TRAINING_JOBS` jobs.
        n_auto_training: solutions left with ``performAutoTraining`` (the notebooks create none).
        min_throughput: each recommender's and campaign's minimum requests per second.
        gb_stored: GB in S3 (the CSVs are about 0.05 GB at full scale).
        gb_ingested: GB imported and streamed.
    """
    hpo_hours = n_hpo_versions * HPO_TRAINING_JOBS * HOURS_PER_VERSION
    return Footprint(
        recommenders=(min_throughput,) * n_recommenders,
        campaigns=(min_throughput,) * n_campaigns,
        training_hours=(n_versions - n_hpo_versions) * HOURS_PER_VERSION + hpo_hours,
        auto_training=((7.0, HOURS_PER_VERSION),) * n_auto_training,
        gb_stored=gb_stored,
        gb_ingested=gb_ingested,
    )


def revenue_uplift(revenue: float, uplift: float) -> float:
    """Extra revenue a month from recommendations: ``revenue × uplift``.

    Args:
        revenue: the shop's revenue per month without recommendations (USD, >= 0).
        uplift: the relative increase, e.g. 0.10 for 10 % (>= 0).
    """
    _non_negative("revenue", revenue)
    _non_negative("uplift", uplift)
    return revenue * uplift


def break_even_revenue(monthly_cost_usd: float, uplift: float) -> float:
    """The monthly revenue at which an ``uplift`` pays for ``monthly_cost_usd``: cost / uplift.

    Raises:
        ValueError: ``uplift`` is not > 0.
    """
    _non_negative("monthly_cost_usd", monthly_cost_usd)
    if not isinstance(uplift, int | float) or not uplift > 0:
        raise ValueError(f"uplift must be > 0, not {uplift!r}")
    return monthly_cost_usd / uplift


def net_benefit(revenue: float, uplift: float, monthly_cost_usd: float) -> float:
    """Extra revenue minus the bill, USD a month (negative: the recommenders cost more than they earn)."""
    _non_negative("monthly_cost_usd", monthly_cost_usd)
    return revenue_uplift(revenue, uplift) - monthly_cost_usd
