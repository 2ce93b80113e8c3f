"""The benchmark record: fitted exponents, goals from partial results, and the page they make."""

from __future__ import annotations

import sys

import pytest

from helpers import config, series

sys.path.insert(0, str(config.ROOT / "bench"))
import record  # noqa: E402


def test_exponent__recovers_the_power_of_a_power_law():
    sizes = [1e5, 4e5, 1.6e6]
    assert record.exponent(sizes, [2e-6 * s**1.5 for s in sizes]) == pytest.approx(1.5, abs=0.01)
    assert record.exponent([1e5], [1.0]) is None  # one point fits no line


def test_goals__missing_results_are_not_measured_and_a_partial_series_is_no_series():
    partial = {"notebooks": {"00_recsys_concepts": {"seconds": 5.0}}, "total_seconds": 5.0}
    empty = {
        "series": partial,
        "serving": None,
        "storefront": None,
        "scale": {"recommended-for-you": [], "exponents": {}},
    }
    goals = record.goals(empty)
    assert all(g["met"] is None and g["measured"] == "not measured" for g in goals)
    whole = {nb.stem: {"seconds": 9.0} for nb in series.notebooks()}
    empty["series"] = {"notebooks": whole, "total_seconds": 9.0 * len(whole)}
    assert record.goals(empty)[0]["met"] is (9.0 * len(whole) <= 90)


def test_page__states_machine_date_and_commit_and_every_section():
    machine = {"cpu": "cpu", "cores": 2, "memory_gb": 8.0, "python": "3.11", "date": "d", "commit": "abc"}
    scale = {"models": None, "recommended-for-you": [], "large": None, "exponents": {}}
    quality = dict.fromkeys(("synthetic", "synthetic_10x", "movielens", "movielens_boto3"))
    text = record.page({"machine": machine, "goals": [], "series": None, "serving": None, "storefront": None,
                        "scale": scale, "quality": quality})  # fmt: skip
    assert "commit `abc`" in text and "2 cores" in text
    for section in ("## Goals", "## Series", "## Serving", "## Scale", "## Quality"):
        assert section in text


def test_quality_section__shows_every_protocol_of_quality_json_with_its_rows_and_ratio():
    rfy = {"l2": 727.367, "half_life_days": None, "combination": "weighted", "ranker_kept": False}
    protocol = {
        "name": "random", "title": "Random 75/25 per user", "protocol": "a random 25% is the test",
        "n_test_users": 943, "best_other": "EASE, λ tuned on the answer", "ratio_to_best_other": 0.994,
        "rows": [
            {"key": "ease_tuned_on_answer", "model": "EASE, λ tuned on the answer", "ndcg_at_10": 0.48,
             "recall_at_10": 0.22, "chosen": {"l2": 400}},
            {"key": "recommended_for_you", "model": "Recommended for you", "ndcg_at_10": 0.4767,
             "recall_at_10": 0.2169, "chosen": [rfy]},
        ],
    }  # fmt: skip
    quality = dict.fromkeys(("synthetic", "synthetic_10x", "movielens", "movielens_boto3"))
    quality["movielens_protocols"] = {"genres": "19 genres", "protocols": [protocol]}
    text = record.quality_section(quality)
    assert "*Random 75/25 per user* (a random 25% is the test): 943 test users." in text
    assert "| EASE, λ tuned on the answer | 0.4800 | 0.2200 | l2 400 |" in text
    assert "| Recommended for you | 0.4767 | 0.2169 | λ 727.367, ranker not kept |" in text
    assert "(EASE, λ tuned on the answer): **0.994×** NDCG@10" in text
    assert "Not measured" not in text


def test_update_docs__writes_the_record_s_times_into_the_guide_the_readme_and_the_notebooks(tmp_path):
    (tmp_path / "notebooks").mkdir()
    (tmp_path / "docs").mkdir()
    notebook = tmp_path / "notebooks" / "09_evaluation.ipynb"
    notebook.write_text('{"source": ["*Time: the code runs in 59 s on the local backend (measured)*"]}')
    (tmp_path / "docs" / "facilitator.md").write_text(
        "| [09_evaluation](notebooks/09_evaluation.ipynb) | 20 min | 59.3 s |\n"
        "| **the series** | **20 min** | **59.3 s** |\n"
    )
    (tmp_path / "README.md").write_text("`make run` then takes about three minutes for the 13 notebooks")
    record.update_docs({"notebooks": {"09_evaluation": {"seconds": 33.9}}, "total_seconds": 125.04}, tmp_path)
    assert "the code runs in 34 s on the local backend" in notebook.read_text()
    assert (tmp_path / "docs" / "facilitator.md").read_text().count("33.9 s") == 1
    assert "**125.0 s**" in (tmp_path / "docs" / "facilitator.md").read_text()
    assert "about 125 seconds for the 13" in (tmp_path / "README.md").read_text()
