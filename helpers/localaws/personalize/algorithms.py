"""Amazon Personalize algorithms and feature transformations of the custom recipes, locally.

``personalize`` answers DescribeAlgorithm and DescribeFeatureTransformation (its ``__getattr__``
finds them here) and names a recipe's ``algorithmArn`` and ``featureTransformationArn`` in
DescribeRecipe. The hyperparameters, their defaults, ranges and whether HPO may tune them are
those of each recipe's page in the Amazon Personalize Developer Guide
(https://docs.aws.amazon.com/personalize/latest/dg/working-with-predefined-recipes.html); the
ARNs are the guide's, except the feature transformations of Trending-Now, Similar-Items,
Semantic-Similarity, Next-Best-Action and the two user-segmentation recipes, for which the guide
names none (their names here are the local backend's); the segmentation and Semantic-Similarity
recipes take no hyperparameters here. Next-Best-Action's ``action_optimization_period`` (a
feature transformation parameter, in days) is the guide's; its default here is the guide's
example, 14 days, and its bounds (1 to 1,000 days) are the local backend's, as the guide gives none.

A solution's ``solutionConfig`` is checked against them when it is created
(``check_solution_config``): an ``algorithmHyperParameters`` or ``featureTransformationParameters``
name the recipe does not have, a value of the wrong type or outside its range, and an
``hpoConfig`` range over a name HPO cannot tune are InvalidInputException naming it. Names are
honoured where the local model has their analogue (``HyperParameter.effect`` says how; the
solution module applies them) and otherwise accepted, recorded and ignored: the neural
networks' sizes (``hidden_dimension``, ``bptt``, ``item_id_hidden_dimension``, …) have no
counterpart in EASE, co-occurrence or TF-IDF. A local model keeps its own settings for a name
that is not given (those of the use case of the same model), so a solution without
``solutionConfig`` trains what it always did; the defaults these operations report are
Personalize's.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from helpers.localaws.engine import errors
from helpers.localaws.engine.store import Store

__all__ = ["describe_algorithm", "describe_feature_transformation"]

_DATE = 1_546_300_800.0  # 2019-01-01, the built-in recipes' creation date
_ARN = re.compile(
    r"arn:aws:personalize:::(recipe|algorithm|feature-transformation)/([A-Za-z0-9][A-Za-z0-9_-]*)"
)
"""A built-in recipe's, algorithm's or feature transformation's ARN: no region, no account."""
_IMAGE = "amazon-personalize/{name}:latest"
"""The algorithm image the local backend names (AWS names its own registry's)."""
_RESOURCES = {"cpu_count": "1", "gpu_count": "0"}
"""``defaultResourceConfig``: the local backend trains on one CPU."""


@dataclass(frozen=True)
class HyperParameter:
    """One hyperparameter of an algorithm or feature transformation, as the guide lists it.

    Attributes:
        name: its name in ``algorithmHyperParameters`` / ``featureTransformationParameters``.
        default: the guide's default value, as the API writes values (a string).
        kind: ``"integer"``, ``"continuous"`` or ``"categorical"``.
        bounds: ``(low, high)`` of a number; the allowed values of a categorical.
        tunable: HPO may tune it (an ``hpoConfig`` range may name it).
        effect: what the local model does with it; None if it is accepted and ignored.
    """

    name: str
    default: str
    kind: str
    bounds: tuple
    tunable: bool
    effect: str | None = None

    def parse(self, value: str, where: str) -> float | str:
        """The value as a number (integer, continuous) or a lower-case string (categorical).

        Raises:
            InvalidInputException: the value is not of the kind, or outside the bounds.
        """
        text = str(value).strip()
        if self.kind == "categorical":
            allowed = [str(b).lower() for b in self.bounds]
            if text.lower() not in allowed:
                raise errors.InvalidInputException(
                    f"{where} {self.name} must be one of {', '.join(allowed)}, not {value!r}."
                )
            return text.lower()
        try:
            number = float(text)
        except ValueError:
            number = math.nan
        if self.kind == "integer" and not (math.isfinite(number) and number.is_integer()):
            raise errors.InvalidInputException(f"{where} {self.name} must be an integer, not {value!r}.")
        low, high = self.bounds
        if not low <= number <= high:  # NaN fails too
            raise errors.InvalidInputException(
                f"{where} {self.name} must be a number in [{low}, {high}], not {value!r}."
            )
        return number


def _int(name, default, low, high, tunable=True, effect=None) -> HyperParameter:
    return HyperParameter(name, str(default), "integer", (low, high), tunable, effect)


def _float(name, default, low=0.0, high=1.0, tunable=False, effect=None) -> HyperParameter:
    return HyperParameter(name, str(default), "continuous", (low, high), tunable, effect)


def _choice(name, default, values, tunable=False, effect=None) -> HyperParameter:
    return HyperParameter(name, default, "categorical", tuple(values), tunable, effect)


_HISTORY = "users whose history length is below (above) this percentile are left out of training"
_ITEM_COUNT = "items whose event count is below (above) this percentile are left out of training"
_RECENCY = "false weighs every history event equally (no half-life); true keeps the half-life"
_BOOLEAN = ("true", "false")

FEATURE_TRANSFORMATIONS: dict[str, tuple[HyperParameter, ...]] = {
    "JSON-percentile-filtering": (
        _float("min_user_history_length_percentile", "0.0", effect=_HISTORY),
        _float("max_user_history_length_percentile", "0.99", effect=_HISTORY),
    ),
    "sims": (
        _float("min_user_history_length_percentile", "0.005", effect=_HISTORY),
        _float("max_user_history_length_percentile", "0.995", effect=_HISTORY),
        _float("min_item_interaction_count_percentile", "0.01", effect=_ITEM_COUNT),
        _float("max_item_interaction_count_percentile", "0.9", effect=_ITEM_COUNT),
    ),
    "aws-trending-now": (
        _choice(
            "trend_discovery_frequency",
            "2 hours",
            ("30 minutes", "1 hour", "2 hours", "3 hours", "1 day"),
            effect="the length of the intervals whose growth makes the trend (recsys.trending)",
        ),
    ),
    "aws-similar-items": (),
    "aws-semantic-similarity": (),
    "aws-next-best-action": (
        _int(
            "action_optimization_period",
            14,
            1,
            1_000,
            tunable=False,
            effect="the days within which a propensity is the chance to take the action",
        ),
    ),
    "aws-item-affinity": (),
    "aws-item-attribute-affinity": (),
}
"""Feature transformation name → its parameters (``defaultParameters``)."""

TREND_INTERVALS = {"30 minutes": 1_800, "1 hour": 3_600, "2 hours": 7_200, "3 hours": 10_800, "1 day": 86_400}
"""Trend discovery frequency → seconds."""
TREND_DEFAULT = FEATURE_TRANSFORMATIONS["aws-trending-now"][0].default
"""Trending-Now's trend discovery frequency when the solution gives none."""


@dataclass(frozen=True)
class Algorithm:
    """A built-in algorithm: its hyperparameters and the feature transformation of its recipe."""

    hyperparameters: tuple[HyperParameter, ...]
    feature_transformation: str


_NEURAL = (
    _int("hidden_dimension", 149, 32, 256),
    _int("bptt", 32, 2, 32),
    _choice("recency_mask", "True", _BOOLEAN, tunable=True, effect=_RECENCY),
)
_V2 = (_choice("apply_recency_bias", "true", _BOOLEAN, effect=_RECENCY),)

ALGORITHMS: dict[str, Algorithm] = {
    "aws-user-personalization": Algorithm(_NEURAL, "JSON-percentile-filtering"),
    "aws-user-personalization-v2": Algorithm(_V2, "JSON-percentile-filtering"),
    "aws-personalized-ranking": Algorithm(_NEURAL, "JSON-percentile-filtering"),
    "aws-personalized-ranking-v2": Algorithm(_V2, "JSON-percentile-filtering"),
    "aws-sims": Algorithm(
        (
            _float(
                "popularity_discount_factor",
                "0.5",
                tunable=True,
                effect="the exponent d of the co-view counts' normalisation c_ij / (n_i n_j)^d",
            ),
            _int(
                "min_cointeraction_count",
                3,
                0,
                10,
                effect="pairs of items seen together in fewer visits than this get no similarity",
            ),
        ),  # fmt: skip
        "sims",
    ),
    "aws-similar-items": Algorithm(
        (
            _int("item_id_hidden_dimension", 100, 30, 200),
            _int("item_metadata_hidden_dimension", 100, 30, 200),
        ),
        "aws-similar-items",
    ),
    "aws-semantic-similarity": Algorithm((), "aws-semantic-similarity"),
    "aws-next-best-action": Algorithm((), "aws-next-best-action"),
    "aws-popularity-count": Algorithm((), "sims"),
    "aws-trending-now-custom": Algorithm((), "aws-trending-now"),
    "aws-item-affinity": Algorithm((), "aws-item-affinity"),
    "aws-item-attribute-affinity": Algorithm((), "aws-item-attribute-affinity"),
}
"""Algorithm name → what it is; the recipes' algorithms (``RECIPE_ALGORITHMS``)."""

RECIPE_ALGORITHMS = {name: name for name in ALGORITHMS if name != "aws-trending-now-custom"}
RECIPE_ALGORITHMS["aws-trending-now"] = "aws-trending-now-custom"
"""Recipe name → its algorithm's name (the guide's ``Algorithm ARN``)."""


def algorithm_arn(name: str) -> str:
    """The ARN of a built-in algorithm."""
    return f"arn:aws:personalize:::algorithm/{name}"


def feature_transformation_arn(name: str) -> str:
    """The ARN of a built-in feature transformation."""
    return f"arn:aws:personalize:::feature-transformation/{name}"


def recipe_parts(recipe: str) -> dict[str, str]:
    """The ``algorithmArn`` and ``featureTransformationArn`` of a custom recipe (none if unknown)."""
    algorithm = RECIPE_ALGORITHMS.get(recipe)
    if algorithm is None:
        return {}
    return {
        "algorithmArn": algorithm_arn(algorithm),
        "featureTransformationArn": feature_transformation_arn(ALGORITHMS[algorithm].feature_transformation),
    }


def builtin_name(arn: str, kind: str) -> str:
    """The name in the ARN of a built-in ``recipe``, ``algorithm`` or ``feature-transformation``.

    Raises:
        InvalidInputException: the ARN is not ``arn:aws:personalize:::<kind>/<name>``.
    """
    match = _ARN.fullmatch(arn)
    if match is None or match.group(1) != kind:
        raise errors.InvalidInputException(
            f"The ARN {arn} is not a valid {kind} ARN: expected arn:aws:personalize:::{kind}/<name>."
        )
    return match.group(2)


def _name_in(arn: str, kind: str, table: dict) -> str:
    """The name in a built-in ARN of ``kind`` that ``table`` holds (``builtin_name``).

    Raises:
        InvalidInputException: the ARN is malformed.
        ResourceNotFoundException: ``table`` has no such name.
    """
    name = builtin_name(arn, kind)
    if name not in table:
        raise errors.ResourceNotFoundException(f"Could not find {kind}: {arn}")
    return name


def _defaults(parameters: tuple[HyperParameter, ...]) -> dict[str, str]:
    return {h.name: h.default for h in parameters}


def _default_ranges(parameters: tuple[HyperParameter, ...]) -> dict[str, list]:
    ranges: dict[str, list] = {
        "integerHyperParameterRanges": [],
        "continuousHyperParameterRanges": [],
        "categoricalHyperParameterRanges": [],
    }
    for h in parameters:
        if h.kind == "categorical":
            entry: dict = {"name": h.name, "values": list(h.bounds)}
        else:
            cast = int if h.kind == "integer" else float
            entry = {"name": h.name, "minValue": cast(h.bounds[0]), "maxValue": cast(h.bounds[1])}
        ranges[f"{h.kind}HyperParameterRanges"].append({**entry, "isTunable": h.tunable})
    return ranges


def describe_algorithm(store: Store, params: dict) -> dict:
    """Describe a built-in algorithm: its image, hyperparameters, their defaults and ranges."""
    arn = params["algorithmArn"]
    name = _name_in(arn, "algorithm", ALGORITHMS)
    algorithm = ALGORITHMS[name]
    return {
        "algorithm": {
            "name": name,
            "algorithmArn": arn,
            "algorithmImage": {"name": name, "dockerURI": _IMAGE.format(name=name)},
            "defaultHyperParameters": _defaults(algorithm.hyperparameters),
            "defaultHyperParameterRanges": _default_ranges(algorithm.hyperparameters),
            "defaultResourceConfig": dict(_RESOURCES),
            "trainingInputMode": "File",
            "creationDateTime": _DATE,
            "lastUpdatedDateTime": _DATE,
        }
    }


def describe_feature_transformation(store: Store, params: dict) -> dict:
    """Describe a built-in feature transformation: its parameters and their defaults."""
    arn = params["featureTransformationArn"]
    name = _name_in(arn, "feature-transformation", FEATURE_TRANSFORMATIONS)
    return {
        "featureTransformation": {
            "name": name,
            "featureTransformationArn": arn,
            "defaultParameters": _defaults(FEATURE_TRANSFORMATIONS[name]),
            "creationDateTime": _DATE,
            "lastUpdatedDateTime": _DATE,
            "status": "ACTIVE",
        }
    }


# --- solution configurations ----------------------------------------------------------------
def _parameters(recipe: str) -> tuple[dict[str, HyperParameter], dict[str, HyperParameter]]:
    """The recipe's algorithm hyperparameters and feature transformation parameters, by name."""
    algorithm = ALGORITHMS[RECIPE_ALGORITHMS[recipe]]
    featurization = FEATURE_TRANSFORMATIONS[algorithm.feature_transformation]
    return {h.name: h for h in algorithm.hyperparameters}, {h.name: h for h in featurization}


def _parse_all(given: dict | None, known: dict[str, HyperParameter], member: str, recipe: str) -> dict:
    out = {}
    for name, value in (given or {}).items():
        if name not in known:
            allowed = ", ".join(known) or "none"
            raise errors.InvalidInputException(
                f"solutionConfig.{member} has {name}, which {recipe} does not have (it has: {allowed})."
            )
        out[name] = known[name].parse(value, f"solutionConfig.{member}")
    return out


def _given(recipe: str, config: dict) -> tuple[dict, dict[str, HyperParameter]]:
    """The parsed ``algorithmHyperParameters`` and ``featureTransformationParameters`` of a
    ``solutionConfig`` (one name → value map), and the algorithm's hyperparameters by name."""
    algorithm, featurization = _parameters(recipe)
    given = {}
    for member, known in (
        ("algorithmHyperParameters", algorithm),
        ("featureTransformationParameters", featurization),
    ):
        given |= {n: (v, known[n]) for n, v in _parse_all(config.get(member), known, member, recipe).items()}
    return given, algorithm


def _check_ranges(ranges: dict, known: dict[str, HyperParameter], recipe: str) -> None:
    where = "solutionConfig.hpoConfig.algorithmHyperParameterRanges"
    for kind in ("integer", "continuous", "categorical"):
        for entry in ranges.get(f"{kind}HyperParameterRanges") or []:
            name = entry.get("name", "")
            h = known.get(name)
            if h is None or not h.tunable or h.kind != kind:
                tunable = ", ".join(f"{p.name} ({p.kind})" for p in known.values() if p.tunable) or "none"
                raise errors.InvalidInputException(
                    f"{where} has a {kind} range for {name!r}, which HPO cannot tune in {recipe} "
                    f"(tunable: {tunable})."
                )
            if kind == "categorical":
                for value in entry.get("values") or []:
                    h.parse(value, where)
                continue
            low, high = entry.get("minValue", h.bounds[0]), entry.get("maxValue", h.bounds[1])
            h.parse(str(low), where)
            h.parse(str(high), where)
            if low > high:
                raise errors.InvalidInputException(
                    f"{where} {name}: minValue {low} is above maxValue {high}."
                )


EVENTS_CONFIG_RECIPES = ("aws-user-personalization-v2", "aws-personalized-ranking-v2")
"""Recipes whose solutions take an ``eventsConfig`` (the guide's "Optimizing a solution with events
configuration")."""


def check_events_config(recipe: str, events_config: dict | None, member: str) -> None:
    """Check an ``eventsConfig`` (of ``solutionConfig`` or ``solutionUpdateConfig``).

    Raises:
        InvalidInputException: the recipe takes none, or an event type is listed twice.
    """
    parameters = (events_config or {}).get("eventParametersList") or []
    if not parameters:
        return
    if recipe not in EVENTS_CONFIG_RECIPES:
        allowed = ", ".join(EVENTS_CONFIG_RECIPES)
        raise errors.InvalidInputException(
            f"{member}.eventsConfig applies only to solutions of {allowed}, not {recipe}."
        )
    types = [p.get("eventType") for p in parameters]
    for event_type in types:
        if not event_type or types.count(event_type) > 1:
            raise errors.InvalidInputException(
                f"{member}.eventsConfig.eventParametersList needs one entry per eventType; "
                f"{event_type!r} is {'missing' if not event_type else 'listed twice'}."
            )


AUTO_TRAINING_DAYS = (1, 30)
"""Range of days of an ``autoTrainingConfig.schedulingExpression`` ``rate(N days)`` (the API
reference's AutoTrainingConfig page; the model's pattern ``rate\\(\\d+ days?\\)`` has no range)."""


def check_schedule(config: dict | None, member: str) -> None:
    """Check the ``autoTrainingConfig.schedulingExpression`` of a solution's (update) config.

    Raises:
        InvalidInputException: the rate is not from 1 to 30 days.
    """
    expression = ((config or {}).get("autoTrainingConfig") or {}).get("schedulingExpression")
    match = re.fullmatch(r"rate\((\d+) days?\)", expression or "")
    low, high = AUTO_TRAINING_DAYS
    if match and not low <= int(match[1]) <= high:
        raise errors.InvalidInputException(
            f"{member}.autoTrainingConfig.schedulingExpression {expression!r}: the rate must be from "
            f"{low} to {high} days."
        )


def check_solution_config(recipe: str, params: dict) -> None:
    """Check a CreateSolution call's ``solutionConfig`` (and ``eventType``) for a custom recipe.

    Raises:
        InvalidInputException: a name the recipe does not have, a bad value, an ``hpoConfig``
            range HPO cannot take, an ``eventValueThreshold`` that is not a number or comes
            without ``eventType``, or an ``eventsConfig`` the recipe does not take.
    """
    config = params.get("solutionConfig") or {}
    _, algorithm = _given(recipe, config)
    check_events_config(recipe, config.get("eventsConfig"), "solutionConfig")
    check_schedule(config, "solutionConfig")
    ranges = (config.get("hpoConfig") or {}).get("algorithmHyperParameterRanges") or {}
    _check_ranges(ranges, algorithm, recipe)
    max_jobs(config)
    threshold = config.get("eventValueThreshold")
    if threshold is not None:
        try:
            float(threshold)
        except ValueError:
            raise errors.InvalidInputException(
                f"solutionConfig.eventValueThreshold must be a number, not {threshold!r}."
            ) from None
        if not params.get("eventType"):
            raise errors.InvalidInputException(
                "solutionConfig.eventValueThreshold needs eventType: the threshold applies to the "
                "EVENT_VALUE of the events of that type."
            )


HPO_RESOURCE_MAXIMA = {"maxNumberOfTrainingJobs": 40, "maxParallelTrainingJobs": 10}
"""Largest value of each ``hpoResourceConfig`` member (the API reference's HPOResourceConfig page;
the model types both as strings without a range)."""


def _hpo_resource(config: dict | None, member: str) -> int | None:
    """``hpoConfig.hpoResourceConfig.<member>`` as a number (None if not given).

    Raises:
        InvalidInputException: it is not an integer from 1 to its maximum (``HPO_RESOURCE_MAXIMA``).
    """
    given = (((config or {}).get("hpoConfig") or {}).get("hpoResourceConfig") or {}).get(member)
    if given is None:
        return None
    highest = HPO_RESOURCE_MAXIMA[member]
    if not str(given).isdigit() or not 1 <= int(given) <= highest:
        raise errors.InvalidInputException(
            f"solutionConfig.hpoConfig.hpoResourceConfig.{member} must be an integer from 1 to "
            f"{highest}, not {given!r}."
        )
    return int(given)


def max_jobs(config: dict | None) -> int | None:
    """``hpoConfig.hpoResourceConfig.maxNumberOfTrainingJobs`` as a number (None if not given).

    Raises:
        InvalidInputException: it, or ``maxParallelTrainingJobs``, is not an integer from 1 to
            its maximum (40 and 10).
    """
    _hpo_resource(config, "maxParallelTrainingJobs")
    return _hpo_resource(config, "maxNumberOfTrainingJobs")


def hpo_values(recipe: str, config: dict | None, name: str, n: int = 3) -> tuple:
    """The values HPO tries for a tunable number: the given value, else ``n`` evenly spaced over
    its ``hpoConfig`` range, else over the algorithm's range (integers rounded, duplicates dropped).

    Args:
        recipe: a custom recipe.
        config: the solution's (checked) ``solutionConfig``.
        name: a tunable integer or continuous hyperparameter of the recipe's algorithm.
        n: values per range, > 1.
    """
    config = config or {}
    h = _parameters(recipe)[0][name]
    given = (config.get("algorithmHyperParameters") or {}).get(name)
    if given is not None:
        return (h.parse(given, "solutionConfig.algorithmHyperParameters"),)
    low, high = h.bounds
    ranges = ((config.get("hpoConfig") or {}).get("algorithmHyperParameterRanges") or {}).get(
        f"{h.kind}HyperParameterRanges"
    ) or []
    for entry in ranges:
        if entry.get("name") == name:
            low, high = entry.get("minValue", low), entry.get("maxValue", high)
    step = (high - low) / (n - 1)
    values = [low + k * step for k in range(n)]
    if h.kind == "integer":
        values = [float(round(v)) for v in values]
    return tuple(dict.fromkeys(values))


@dataclass(frozen=True)
class Honoured:
    """What a solution's configuration asks of the local model (the names it honours).

    Attributes:
        values: honoured name → parsed value, for the names given (algorithm hyperparameters
            and feature transformation parameters alike).
        recency: the values HPO may give the recipe's recency switch (``recency_mask``,
            ``apply_recency_bias``), from the ``hpoConfig`` range, else the given value; None
            if free.
    """

    values: dict
    recency: tuple[bool, ...] | None


def honoured(recipe: str, config: dict | None) -> Honoured:
    """The honoured settings of a (checked) ``solutionConfig`` for ``recipe``."""
    config = config or {}
    given, algorithm = _given(recipe, config)
    values = {n: v for n, (v, h) in given.items() if h.effect is not None}
    recency = None
    switch = next((n for n in ("recency_mask", "apply_recency_bias") if n in algorithm), None)
    ranges = (config.get("hpoConfig") or {}).get("algorithmHyperParameterRanges") or {}
    for entry in ranges.get("categoricalHyperParameterRanges") or []:
        if entry.get("name") == switch:
            recency = tuple(sorted({str(v).lower() == "true" for v in entry.get("values") or []}))
    if recency is None and switch in values:
        recency = (values[switch] == "true",)
    return Honoured(values, recency)
