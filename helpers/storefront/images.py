"""Product pictures drawn on the fly: an SVG per product from its category and colour.

The shop works offline, so it downloads nothing: each category has a simple line drawing, tinted
in the product's colour (read from its description) on a light background.
"""

from __future__ import annotations

import functools
from xml.sax.saxutils import escape

from helpers.storefront.shop import Product

COLOURS = {
    "black": "#2b2b2b",
    "white": "#e9e6df",
    "navy": "#1f3a68",
    "olive": "#6b7a2a",
    "sand": "#c8ad7f",
    "charcoal": "#4a4f55",
    "red": "#c0392b",
    "teal": "#178a8a",
    "mustard": "#d4a017",
    "blush": "#e7a1a8",
}
"""The catalogue's colour words → fill colours; other words get ``DEFAULT_COLOUR``."""

DEFAULT_COLOUR = "#7a6fb0"

ICONS = {
    "apparel": "M30 25 L42 18 Q50 24 58 18 L70 25 L78 40 L68 45 L66 82 L34 82 L32 45 L22 40 Z",
    "footwear": "M18 60 L20 40 L40 42 Q48 54 66 56 L82 62 L82 72 L18 72 Z",
    "jewelry": "M50 30 m-20 28 a20 20 0 1 0 40 0 a20 20 0 1 0 -40 0 M42 26 L50 16 L58 26 L50 34 Z",
    "accessories": "M26 38 L74 38 L78 80 L22 80 Z M38 38 Q38 22 50 22 Q62 22 62 38",
    "furniture": "M26 50 L74 50 L74 62 L26 62 Z M30 30 L70 30 L70 50 L30 50 Z M30 62 L30 80 M70 62 L70 80",
    "homedecor": "M36 24 L64 24 L72 50 L28 50 Z M50 50 L50 74 M38 78 L62 78",
    "housewares": "M24 40 L76 40 L70 80 L30 80 Z M20 40 L80 40 M40 30 L60 30",
    "kitchen": "M20 50 a22 22 0 1 0 44 0 Z M64 52 L86 46",
    "books": "M26 22 L70 22 L70 80 L26 80 Z M34 22 L34 80 M42 36 L62 36 M42 44 L62 44",
    "electronics": "M26 56 Q26 24 50 24 Q74 24 74 56 M20 54 L32 54 L32 76 L20 76 Z "
    "M68 54 L80 54 L80 76 L68 76 Z",
    "instruments": "M44 48 a14 14 0 1 0 12 0 L56 20 L44 20 Z M50 58 m-4 0 a4 4 0 1 0 8 0 a4 4 0 1 0 -8 0",
    "groceries": "M34 30 L66 30 L70 82 L30 82 Z M36 22 L64 22 L64 30 L36 30 Z M38 50 L62 50",
    "beauty": "M40 40 L60 40 L62 82 L38 82 Z M44 26 L56 26 L56 40 L44 40 Z",
    "toys": "M24 56 L48 56 L48 80 L24 80 Z M52 56 L76 56 L76 80 L52 80 Z M38 32 L62 32 L62 56 L38 56 Z",
    "outdoors": "M50 20 L82 78 L18 78 Z M50 20 L50 78 M42 78 L50 58 L58 78",
    "tools": "M30 74 L62 42 M58 28 a12 12 0 1 0 14 14 L64 40 L60 36 Z",
    "seasonal": "M50 16 L70 50 L60 50 L76 76 L24 76 L40 50 L30 50 Z M46 76 L54 76 L54 86 L46 86 Z",
    "floral": "M50 44 m-8 0 a8 8 0 1 0 16 0 a8 8 0 1 0 -16 0 M50 36 Q40 16 50 14 Q60 16 50 36 "
    "M58 44 Q78 34 80 44 Q78 54 58 44 M42 44 Q22 34 20 44 Q22 54 42 44 M50 52 L50 84",
    "sports": "M50 50 m-28 0 a28 28 0 1 0 56 0 a28 28 0 1 0 -56 0 M22 50 L78 50 "
    "M50 22 Q36 50 50 78 M50 22 Q64 50 50 78",
    "pets": "M50 58 m-14 0 a14 12 0 1 0 28 0 a14 12 0 1 0 -28 0 "
    "M30 40 m-6 0 a6 7 0 1 0 12 0 a6 7 0 1 0 -12 0 "
    "M70 40 m-6 0 a6 7 0 1 0 12 0 a6 7 0 1 0 -12 0 M42 28 m-5 0 a5 6 0 1 0 10 0 a5 6 0 1 0 -10 0 "
    "M58 28 m-5 0 a5 6 0 1 0 10 0 a5 6 0 1 0 -10 0",
}
"""Category → an SVG path on a 100 × 100 canvas; other categories get a plain box."""

_BOX = "M28 28 L72 28 L72 72 L28 72 Z"


@functools.lru_cache(maxsize=4096)
def product_svg(product: Product) -> str:
    """Return the product's picture as a standalone SVG document (text safe to serve as is)."""
    fill = COLOURS.get(product.colour, DEFAULT_COLOUR)
    path = ICONS.get(product.category, _BOX)
    label = escape(product.category)
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 100 100" width="240" height="240" role="img">'
        f"<title>{escape(product.name)}</title>"
        '<rect width="100" height="100" rx="6" fill="#f4f1ea"/>'
        f'<path d="{path}" fill="{fill}" fill-opacity="0.85" stroke="#333" stroke-width="1.5" '
        'stroke-linejoin="round" stroke-linecap="round"/>'
        '<text x="50" y="95" font-family="sans-serif" font-size="7" text-anchor="middle" fill="#555">'
        f"{label}</text>"
        "</svg>"
    )
