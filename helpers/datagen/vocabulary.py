"""The shop's own words: categories, sub-categories, product nouns, adjectives and personas.

Everything the catalogue and the shoppers are made of is listed here, so that the generator
stays short and a reader can see at a glance what the synthetic shop sells.
"""

from __future__ import annotations

from typing import NamedTuple


class Category(NamedTuple):
    """One top-level category of the shop.

    Attributes:
        share: relative number of products in the catalogue (weights, not normalised).
        price: median price in USD.
        spread: sigma of the log-normal price around the median.
        gendered: whether products are made for men, women or anyone (``M``/``F``/``U``).
        subcategories: ``CATEGORY_L2`` value -> product nouns in it.
    """

    share: float
    price: float
    spread: float
    gendered: bool
    subcategories: dict[str, tuple[str, ...]]


CATEGORIES: dict[str, Category] = {
    "apparel": Category(
        1.6,
        35,
        0.45,
        True,
        {
            "shirts": ("shirt", "blouse", "polo", "tee"),
            "jackets": ("jacket", "coat", "parka", "blazer"),
            "trousers": ("trousers", "jeans", "chinos", "shorts"),
        },
    ),
    "footwear": Category(
        1.2,
        70,
        0.40,
        True,
        {
            "sneakers": ("sneakers", "trainers", "runners"),
            "boots": ("boots", "chelsea boots", "hiking boots"),
            "sandals": ("sandals", "slides", "flip-flops"),
        },
    ),
    "jewelry": Category(
        1.0,
        60,
        0.80,
        True,
        {
            "necklaces": ("necklace", "pendant", "chain"),
            "rings": ("ring", "band", "signet ring"),
            "earrings": ("earrings", "studs", "hoops"),
        },
    ),
    "accessories": Category(
        1.0,
        30,
        0.55,
        True,
        {
            "bags": ("backpack", "tote", "handbag", "duffel"),
            "belts": ("belt", "braces"),
            "eyewear": ("sunglasses", "reading glasses"),
        },
    ),
    "furniture": Category(
        0.9,
        250,
        0.60,
        False,
        {
            "seating": ("armchair", "sofa", "stool", "bench"),
            "tables": ("coffee table", "desk", "side table"),
            "storage": ("bookcase", "dresser", "cabinet"),
        },
    ),
    "homedecor": Category(
        1.0,
        40,
        0.60,
        False,
        {
            "lighting": ("lamp", "pendant light", "lantern"),
            "wall art": ("print", "mirror", "wall clock"),
            "textiles": ("cushion", "throw", "rug"),
        },
    ),
    "housewares": Category(
        1.0,
        25,
        0.50,
        False,
        {
            "bathroom": ("towel set", "soap dispenser", "bath mat"),
            "cleaning": ("broom", "mop", "storage basket"),
            "bedding": ("duvet", "pillow", "sheet set"),
        },
    ),
    "kitchen": Category(
        1.1,
        30,
        0.55,
        False,
        {
            "cookware": ("frying pan", "saucepan", "dutch oven"),
            "tableware": ("plate set", "mug", "bowl"),
            "utensils": ("knife", "spatula", "grater"),
        },
    ),
    "books": Category(
        1.4,
        18,
        0.35,
        False,
        {
            "fiction": ("novel", "thriller", "short stories"),
            "non-fiction": ("biography", "history", "essay collection"),
            "cooking": ("cookbook", "baking book"),
        },
    ),
    "electronics": Category(
        1.3,
        120,
        0.90,
        False,
        {
            "audio": ("headphones", "speaker", "earbuds"),
            "computing": ("keyboard", "mouse", "monitor"),
            "phones": ("phone case", "charger", "power bank"),
        },
    ),
    "instruments": Category(
        0.7,
        220,
        0.90,
        False,
        {
            "guitars": ("acoustic guitar", "electric guitar", "ukulele"),
            "keys": ("keyboard piano", "melodica"),
            "percussion": ("snare drum", "cajon", "tambourine"),
        },
    ),
    "groceries": Category(
        1.2,
        8,
        0.50,
        False,
        {
            "coffee & tea": ("coffee beans", "green tea", "espresso pods"),
            "snacks": ("granola", "trail mix", "crackers"),
            "pantry": ("olive oil", "pasta", "honey"),
        },
    ),
    "beauty": Category(
        1.0,
        22,
        0.55,
        True,
        {
            "skincare": ("moisturiser", "serum", "cleanser"),
            "fragrance": ("eau de toilette", "perfume"),
            "haircare": ("shampoo", "conditioner", "hair oil"),
        },
    ),
    "toys": Category(
        0.9,
        25,
        0.60,
        False,
        {
            "games": ("board game", "puzzle", "card game"),
            "building": ("building set", "marble run"),
            "plush": ("teddy bear", "plush fox"),
        },
    ),
    "outdoors": Category(
        1.0,
        60,
        0.75,
        False,
        {
            "camping": ("tent", "sleeping bag", "camp stove"),
            "garden": ("planter", "hose", "garden chair"),
            "hiking": ("trekking poles", "water bottle", "daypack"),
        },
    ),
    "tools": Category(
        0.9,
        45,
        0.70,
        False,
        {
            "power tools": ("drill", "sander", "jigsaw"),
            "hand tools": ("hammer", "screwdriver set", "wrench"),
            "measuring": ("tape measure", "spirit level"),
        },
    ),
    "seasonal": Category(
        0.7,
        20,
        0.60,
        False,
        {
            "winter holidays": ("ornament", "garland", "advent calendar"),
            "summer": ("beach towel", "parasol", "cool box"),
            "party": ("party lights", "banner", "candle set"),
        },
    ),
    "floral": Category(
        0.6,
        30,
        0.45,
        False,
        {
            "bouquets": ("bouquet", "posy"),
            "plants": ("orchid", "succulent", "fern"),
            "dried": ("dried wreath", "dried bunch"),
        },
    ),
    "sports": Category(
        1.0,
        40,
        0.70,
        True,
        {
            "fitness": ("yoga mat", "dumbbells", "resistance band"),
            "team sports": ("football", "basketball", "shin guards"),
            "cycling": ("bike helmet", "bike light", "cycling gloves"),
        },
    ),
    "pets": Category(
        0.8,
        20,
        0.60,
        False,
        {
            "dogs": ("dog bed", "lead", "chew toy"),
            "cats": ("scratching post", "cat tree", "cat toy"),
            "food": ("dog food", "cat food", "treats"),
        },
    ),
}
"""``CATEGORY_L1`` -> its description; 20 categories, three ``CATEGORY_L2`` each."""

ADJECTIVES: tuple[str, ...] = (
    "classic",
    "modern",
    "vintage",
    "compact",
    "deluxe",
    "everyday",
    "premium",
    "rustic",
    "sleek",
    "cosy",
    "bold",
    "minimal",
    "handmade",
    "lightweight",
    "sturdy",
    "elegant",
    "bright",
    "organic",
    "travel",
    "signature",
    "essential",
    "heritage",
    "urban",
    "coastal",
)
"""Words that turn a noun into a product name ("sleek headphones")."""

MATERIALS: tuple[str, ...] = (
    "cotton",
    "oak",
    "steel",
    "leather",
    "ceramic",
    "bamboo",
    "wool",
    "linen",
    "glass",
    "recycled plastic",
    "walnut",
    "brass",
    "canvas",
    "silicone",
)
"""Materials mentioned in product descriptions."""

COLOURS: tuple[str, ...] = (
    "black",
    "white",
    "navy",
    "olive",
    "sand",
    "charcoal",
    "red",
    "teal",
    "mustard",
    "blush",
)
"""Colours mentioned in product descriptions."""

BENEFITS: tuple[str, ...] = (
    "built to last",
    "easy to clean",
    "a customer favourite",
    "great as a gift",
    "made in small batches",
    "designed for daily use",
    "ideal for small spaces",
    "packed flat for easy delivery",
    "backed by a two-year warranty",
    "sustainably sourced",
)
"""Closing phrases of product descriptions."""

PERSONAS: tuple[str, ...] = (
    "apparel_housewares_accessories",
    "books_apparel_homedecor",
    "electronics_beauty_outdoors",
    "footwear_jewelry_furniture",
    "furniture_homedecor_housewares",
    "groceries_seasonal_tools",
    "housewares_floral_seasonal",
    "instruments_books_electronics",
    "jewelry_furniture_books",
    "outdoors_footwear_groceries",
    "seasonal_furniture_floral",
    "tools_housewares_apparel",
    "sports_outdoors_footwear",
    "pets_groceries_homedecor",
    "toys_books_seasonal",
    "kitchen_groceries_housewares",
)
"""The 16 shopper personas: three preferred categories, most preferred first."""

PRICE_SENSITIVITIES: tuple[str, ...] = ("low", "medium", "high")
"""How much a shopper steers towards cheap products: not at all, a little, strongly."""
