"""Tests for helpers.recsys.content."""

import numpy as np
import pytest

from helpers.recsys import content

# Four items: two shoes, a shoe-like boot, and a lamp without a description.
CATEGORY = ["shoes", "shoes|outdoor", "outdoor", "home"]
TEXT = ["Red running shoes", "Trail running boots for the hills", "Hiking boots", None]


def _tokens():
    return content.item_tokens(4, {"CATEGORY": CATEGORY}, {"DESCRIPTION": TEXT})


def test_item_tokens():
    tokens = _tokens()
    assert tokens[0] == ["CATEGORY=shoes", "red", "running", "shoes"]
    assert tokens[1] == [
        "CATEGORY=shoes",
        "CATEGORY=outdoor",
        "trail",
        "running",
        "boots",
        "hills",
    ]  # no "for", "the"
    assert tokens[3] == ["CATEGORY=home"]


def test_item_tokens__lengths_must_match():
    with pytest.raises(ValueError, match="CATEGORY has 2 values"):
        content.item_tokens(4, {"CATEGORY": CATEGORY[:2]})


def test_fit_content__tf_idf_rows_are_unit_vectors():
    model = content.fit_content(_tokens())
    assert model.features.shape == (4, len(model.vocabulary))
    np.testing.assert_allclose(np.sqrt(model.features.multiply(model.features).sum(axis=1)).A1, 1, rtol=1e-6)
    idf = dict(zip(model.vocabulary.tolist(), model.idf.tolist(), strict=True))
    # log((1 + 4) / (1 + df)) + 1: rarer tokens weigh more
    assert idf["hills"] == pytest.approx(np.log(5 / 2) + 1)
    assert idf["running"] == pytest.approx(np.log(5 / 3) + 1) and idf["running"] < idf["hills"]


def test_profile_scores__ranks_by_similarity_to_the_history():
    model = content.fit_content(_tokens())
    scores = content.profile_scores(model.features, np.array([0]), np.array([1.0]))
    assert scores.argmax() == 0 and scores[0] == pytest.approx(1)
    assert scores[1] > 0 == scores[2] == scores[3]  # item 1 shares shoes and running; 2 and 3 nothing


def test_profile_scores__new_items_and_empty_history():
    model = content.fit_content(_tokens())
    new = content.transform(model, content.item_tokens(2, {"CATEGORY": ["home", "garden"]}))
    scores = content.profile_scores(model.features, np.array([3]), np.array([2.0]), new)
    assert scores[0] == pytest.approx(1) and scores[1] == 0  # an unknown category counts nothing
    assert not content.profile_scores(model.features, np.array([], dtype=int), np.array([])).any()


def test_content_model__round_trip():
    model = content.fit_content(_tokens())
    again = content.ContentModel.from_arrays(model.to_arrays())
    assert again.vocabulary.tolist() == model.vocabulary.tolist()
    assert (again.features != model.features).nnz == 0


def test_content_similarity__is_the_cosine_of_the_vectors():
    model = content.fit_content(_tokens())
    sims = content.content_similarity(model, neighbors=2).matrix.toarray()
    cosine = (model.features @ model.features.T).toarray()
    np.fill_diagonal(cosine, 0)
    assert sims[0, 1] == pytest.approx(cosine[0, 1]) and sims[1, 2] == pytest.approx(cosine[1, 2])
    assert (np.diag(sims) == 0).all() and not sims[3].any()  # the lamp shares nothing
    assert ((sims > 0).sum(axis=1) <= 2).all()
