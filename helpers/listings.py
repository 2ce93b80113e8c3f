"""Recommendation lists as the notebooks show them: item ids joined to the shop's catalogue.

Personalize answers item ids; a reader wants names and categories, and a number that says how
much of a list falls in one category. ``Listings`` wraps the catalogue once so that a notebook
shows any list in one call::

    view = listings.Listings(catalogue)              # catalogue indexed by ITEM_ID
    view.products(["1", "2"])                        # rank → PRODUCT_NAME, CATEGORY_L1
    view.share_of(["1", "2"], "books")               # 0.5 if one of the two is a book
    view.side_by_side({"before": ids, "after": ids2})
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd

SHOWN = ("PRODUCT_NAME", "CATEGORY_L1")
"""The catalogue columns a list shows by default."""


class Listings:
    """Show lists of item ids with the catalogue's names and categories.

    Args:
        catalogue: one row per item, indexed by ``ITEM_ID``, with at least ``PRODUCT_NAME`` and
            ``CATEGORY_L1``. Rows added later (a product launched with PutItems) are seen too,
            because the frame is read at every call.
    """

    def __init__(self, catalogue: pd.DataFrame) -> None:
        missing = [c for c in SHOWN if c not in catalogue.columns]
        if missing:
            raise ValueError(f"catalogue lacks the columns {missing}; it needs {list(SHOWN)}")
        self.catalogue = catalogue

    def products(self, item_ids: Sequence[str], columns: Sequence[str] = SHOWN) -> pd.DataFrame:
        """Return the catalogue rows of a list, in its order, ranked from 1.

        Args:
            item_ids: the list, best first.
            columns: catalogue columns to show, e.g. ``(*SHOWN, "PRICE")``.

        Returns:
            One row per item, indexed by ``rank`` 1…n; an unknown id shows empty cells.
        """
        table = self.catalogue.reindex(list(item_ids))[list(columns)]
        table.index = pd.RangeIndex(1, len(table) + 1, name="rank")
        return table

    def share_of(self, item_ids: Sequence[str], category: str) -> float:
        """Return the share of a list in one ``CATEGORY_L1``, in [0, 1]; 0.0 for an empty list."""
        if not item_ids:
            return 0.0
        return float(self.catalogue.reindex(list(item_ids))["CATEGORY_L1"].eq(category).mean())

    def side_by_side(
        self, lists: Mapping[str, Sequence[str]], columns: Sequence[str] = SHOWN
    ) -> pd.DataFrame:
        """Return several lists next to each other, one column group per list, rows by rank."""
        return pd.concat({name: self.products(ids, columns) for name, ids in lists.items()}, axis=1)
