"""SIMS' hyperparameter search: trials run two at a time, the choice is still the first of the best."""

from __future__ import annotations

import time

from helpers.localaws.personalize import algorithms, solutions
from helpers.localaws.personalize.training import usecases


def test_the_first_of_the_best_pairs_wins_whichever_trial_ends_first(monkeypatch):
    asked = []

    def validation_ndcg(ev, fitter):
        values = fitter(ev, None).values  # the trial's settings, as fit_recipe receives them
        asked.append(values)
        time.sleep(0.05 if len(asked) % 2 else 0.0)  # later trials finish before earlier ones
        return 0.5 if values["min_cointeraction_count"] >= 2 else 0.25  # ties among the best

    monkeypatch.setattr(solutions, "fit_recipe", lambda ev, recipe, mask, config: config)
    monkeypatch.setattr(usecases, "validation_ndcg", validation_ndcg)
    chosen = solutions.tune_sims(None, None)
    discounts, counts = (algorithms.hpo_values("aws-sims", None, name) for name in solutions.SIMS_TUNED)
    assert len(asked) == len(discounts) * len(counts)
    first_best = next((d, c) for d in discounts for c in counts if c >= 2)  # in the search's order
    assert (chosen["popularity_discount_factor"], chosen["min_cointeraction_count"]) == first_best
