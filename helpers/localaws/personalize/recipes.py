"""Amazon Personalize's built-in recipes, locally: ListRecipes and DescribeRecipe.

The ECOMMERCE and VIDEO_ON_DEMAND domains' use cases and the custom recipes the local backend trains; a custom
recipe's algorithm and feature transformation come from ``algorithms``.
"""

from __future__ import annotations

from helpers.localaws.engine import errors
from helpers.localaws.engine.store import Store
from helpers.localaws.personalize import algorithms
from helpers.localaws.personalize.resources import paginate

__all__ = ["describe_recipe", "list_recipes"]

_RECIPE_DATE = 1_546_300_800.0  # 2019-01-01, a fixed creation date for the built-in recipes
ECOMMERCE_RECIPES = (
    "aws-ecomm-customers-who-viewed-x-also-viewed",
    "aws-ecomm-frequently-bought-together",
    "aws-ecomm-popular-items-by-purchases",
    "aws-ecomm-popular-items-by-views",
    "aws-ecomm-recommended-for-you",
)
"""Use cases (recipes) of the ECOMMERCE domain."""
VIDEO_ON_DEMAND_RECIPES = (
    "aws-vod-because-you-watched-x",
    "aws-vod-more-like-x",
    "aws-vod-most-popular",
    "aws-vod-top-picks",
    "aws-vod-trending-now",
)
"""Use cases (recipes) of the VIDEO_ON_DEMAND domain."""
DOMAINS = {"ECOMMERCE": ECOMMERCE_RECIPES, "VIDEO_ON_DEMAND": VIDEO_ON_DEMAND_RECIPES}

CUSTOM_RECIPES = {
    "aws-user-personalization": "USER_PERSONALIZATION",
    "aws-user-personalization-v2": "USER_PERSONALIZATION",
    "aws-personalized-ranking": "PERSONALIZED_RANKING",
    "aws-personalized-ranking-v2": "PERSONALIZED_RANKING",
    "aws-similar-items": "RELATED_ITEMS",
    "aws-semantic-similarity": "RELATED_ITEMS",
    "aws-sims": "RELATED_ITEMS",
    "aws-next-best-action": "PERSONALIZED_ACTIONS",
    "aws-popularity-count": "USER_PERSONALIZATION",
    "aws-trending-now": "USER_PERSONALIZATION",
    "aws-item-attribute-affinity": "USER_SEGMENTATION",
    "aws-item-affinity": "USER_SEGMENTATION",
}
"""Recipes of custom (domain-less) dataset groups and their recipe types."""


def _recipes(domain: str | None) -> list[dict]:
    out = []
    names = list(DOMAINS.get(domain, ()))
    if domain is None:
        names = list(ECOMMERCE_RECIPES) + list(VIDEO_ON_DEMAND_RECIPES) + sorted(CUSTOM_RECIPES)
    domain_of = {name: d for d, listed in DOMAINS.items() for name in listed}
    for name in names:
        out.append(
            {
                "name": name,
                "recipeArn": f"arn:aws:personalize:::recipe/{name}",
                "status": "ACTIVE",
                "creationDateTime": _RECIPE_DATE,
                "lastUpdatedDateTime": _RECIPE_DATE,
                **({"domain": domain_of[name]} if name in domain_of else {}),
            }
        )
    return out


def list_recipes(store: Store, params: dict) -> dict:
    """List the built-in recipes (all, or one domain's use cases)."""
    return paginate(_recipes(params.get("domain")), params, "recipes")


def describe_recipe(store: Store, params: dict) -> dict:
    """Describe a built-in recipe; a custom one with its algorithm and feature transformation."""
    algorithms.builtin_name(params["recipeArn"], "recipe")  # InvalidInputException if malformed
    for recipe in _recipes(None):
        if recipe["recipeArn"] == params["recipeArn"]:
            name = recipe["name"]
            kind = CUSTOM_RECIPES.get(name, "USER_PERSONALIZATION")
            recipe = dict(recipe, recipeType=kind, description=f"Built-in recipe {name} (local backend).")
            recipe.update(algorithms.recipe_parts(name))
            recipe.pop("domain", None)
            return {"recipe": recipe}
    raise errors.ResourceNotFoundException(f"Could not find resource: {params['recipeArn']}")
