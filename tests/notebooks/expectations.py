"""What each notebook's ``results`` cell must show at small scale (config.SMALL_SCALE).

One dict per notebook stem: result key → predicate. Tolerances are wide enough for
small-scale noise and narrow enough to catch a broken notebook.
"""

from __future__ import annotations

from helpers import config

SMALL = config.SMALL_SCALE


def between(low: float, high: float):
    """Return a predicate true for numbers in [low, high]."""
    return lambda value: isinstance(value, int | float) and low <= value <= high


def equals(expected):
    """Return a predicate true for exactly ``expected``."""
    return lambda value: value == expected


def at(**checks):
    """Return a predicate true for a dict whose entries pass the given checks, e.g. ``at(a=equals(1))``."""
    return lambda value: (
        isinstance(value, dict) and all(k in value and c(value[k]) for k, c in checks.items())
    )


EXPECTED: dict[str, dict] = {
    "00_recsys_concepts": {
        "n_items": equals(12),
        "n_shoppers": equals(8),
        "matrix_empty_share": between(0.5, 0.9),
    },
    "01_prepare_users": {"n_users": equals(600), "n_personas": equals(16)},
    "02_prepare_items": {"n_items": equals(400), "n_categories": equals(20), "n_new_items": between(1, 40)},
    "03_prepare_interactions": {
        "n_interactions": equals(100_000),
        "purchase_share": between(0.002, 0.05),
        "span_days": between(25, 30),
        "top3_category_share": between(0.7, 1.0),
        "top10pct_items_share": between(0.25, 1.0),
        "co_view_lift": between(1.3, 100),
        "min_events_per_user": between(2, 10_000),
    },
    "05_create_recommenders": {
        "n_active": equals(5),
        "rfy_over_most_viewed_ndcg_at_10": between(2.0, 100.0),
        "ssm_parameters": equals(7),
        "stopped_status": equals("INACTIVE"),
        "restarted_status": equals("ACTIVE"),
    },
    "06_test_recommenders": {
        "n_sampled": equals(200),
        "rfy_persona_share": between(0.6, 1.0),
        "most_viewed_persona_share": between(0.0, 0.4),
        "popular_same_for_any_user": equals(True),
        "cwvx_same_category_share": between(0.5, 1.0),
        "cold_start_overlap_with_most_viewed": between(3, 10),
        "error_code": equals("InvalidInputException"),
    },
    "09_evaluation": {
        "n_eval_users": equals(600),
        "rfy_over_most_viewed_ndcg_at_10": between(3.0, 100.0),
        "rfy_over_favourite_category_ndcg_at_10": between(0.7, 1.5),
        "ab_ctr_ratio_vs_most_viewed": between(1.5, 10.0),
        "ab_p_value_vs_most_viewed": between(0.0, 0.001),
        "sessions_needed_for_14pct": between(1_000, 1_000_000),
        "persona_share": at(**{"recommended-for-you": between(0.4, 1.0), "most-viewed": between(0.0, 0.3)}),
        "drift_ndcg_kept": at(
            **{"no retraining, no events": between(0.2, 0.9), "retrain weekly": between(0.5, 1.0)}
        ),
        "drift_loss_recovered": at(**{"streamed events only": between(0.1, 1.0)}),
    },
    "10_cost_benefit": {
        "article_per_recommender": equals(270.05),
        "article_two_recommenders": equals(540.1),
        "five_recommenders_720h": equals(1350.05),
        "uplift_low": equals(20_000),
        "uplift_high": equals(50_000),
        "break_even_revenue_at_low": between(13_000, 14_000),
    },
    "11_custom_recipes": {
        "n_solutions": equals(3),
        "n_tuned_params": equals(2),  # SIMS: popularity_discount_factor, min_cointeraction_count
        "n_active_versions": equals(3),
        "n_active_campaigns": equals(3),
        "n_campaigns_made": equals(6),  # three in section 2, Similar-Items in 4.2, two in section 7
        "n_campaigns_deleted": equals(0),  # KEEP_CAMPAIGNS=None: kept locally (free), deleted on AWS
        "n_solutions_auto_training": equals(0),  # every solution created with performAutoTraining=False
        "campaign_month_usd": equals(144.0),
        "ranking_is_permutation": equals(True),
        "top5_favourite_before": equals(0.0),
        "top5_favourite_after": between(0.6, 1.0),
        "n_related": equals(5),
        "similar_items_campaign": equals("ACTIVE"),
        "new_item_same_category_share": between(0.6, 1.0),
        "batch_status": equals("ACTIVE"),
        "batch_lines": equals(50),
        "segment_job_status": equals("ACTIVE"),
        "segment_sizes": equals([50, 50]),
        "segment_hit_at_1_percent": between(0.5, 1.0),
        # the segments are made of the shoppers whose persona holds the category, unlike shoppers at large
        "segment_persona_share": at(**{"outdoor gear": between(0.7, 1.0), "jackets": between(0.7, 1.0)}),
        "all_shoppers_persona_share": at(
            **{"outdoor gear": between(0.05, 0.35), "jackets": between(0.05, 0.35)}
        ),
        # section 7: the custom dataset group of Semantic-Similarity and Next-Best-Action
        "newer_imports": equals(
            dict.fromkeys(("Interactions", "Items", "Actions", "Action_Interactions"), "ACTIVE")
        ),
        "newer_campaigns": equals(2),
        "semantic_shared_word_share": between(0.6, 1.0),  # related by text: a word of the name in common
        "nba_favourite_share": between(0.7, 1.0),  # the hidden favourite first, against 0.25 by chance
    },
    "99_cleanup": {
        "left": equals(0),
        "recommenders_deleted": between(5, 15),
        "dataset_groups_deleted": between(1, 5),
    },
    "08_realtime_events_cold_start": {
        "tracker_status": equals("ACTIVE"),
        "browsed_share_cold": between(0.0, 0.2),
        "browsed_share_after_views": between(0.4, 1.0),
        "anonymous_share": between(0.4, 1.0),
        "signed_in_share": between(0.4, 1.0),
        "put_items_error": equals("InvalidInputException"),
        "launch_in_list": equals(True),
        "exploration_weight": equals(0.3),
        "explored_share": between(0.05, 0.25),
        "launch_neighbours_share_after": between(0.3, 1.0),
        "filter_bought_before": equals(2),
        "filter_bought_after": equals(0),
        "filter_category_share": equals(1.0),
        "filter_category_n": between(5, 10),
        "filter_max_price_after": between(0.0, 25.0),
        "filter_error": equals("InvalidInputException"),
    },
    "07_storefront": {
        "n_personas": equals(8),
        "same_as_boto3": equals(True),
        "explained_share": equals(1.0),
        "tracker_status": equals("ACTIVE"),
        "ssm_parameters": equals(9),
        "anonymous_personal_shelves": equals(0),
        "min_persona_share": between(0.5, 1.0),
        "shelf_changed_after_purchase": equals(True),
        "bad_input_statuses": equals([400, 404, 404]),
    },
}
