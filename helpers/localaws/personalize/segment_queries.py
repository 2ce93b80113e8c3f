"""The item-attribute queries of batch segment jobs: ``ITEMS.CATEGORY_L1 = "apparel" AND ITEMS.SIZE = 10``.

Pure: text and tables in, item masks out. An Item-Attribute-Affinity input line names items by
their metadata; its grammar, from "Preparing input data for user segments" in the Amazon
Personalize Developer Guide
(https://docs.aws.amazon.com/personalize/latest/dg/prepare-input-data-user-segment.html)::

    query      := condition ("AND" condition)*
    condition  := "ITEMS" "." FIELD "=" (STRING | NUMBER)

Unlike filter expressions, a query compares with ``=`` only (no ``IN``, no ranges) and joins
conditions with ``AND`` only (an ``OR`` is two input lines). Keywords and field names are
case-insensitive; a string matches one of the values of a categorical field (``a|b`` holds both).
The tokens and the evaluation are the filter language's (``filter_expressions``): a query is
evaluated as ``INCLUDE ItemID WHERE`` its conditions.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping

import numpy as np
import pandas as pd

from helpers.localaws.personalize import filter_expressions as fx


class SegmentQueryError(ValueError):
    """A query breaks the grammar or names a field the Items schema cannot match.

    Attributes:
        position: 0-based offset of the offending character.
    """

    def __init__(self, reason: str, position: int) -> None:
        super().__init__(f"Invalid itemAttributes at character {position + 1}: {reason}")
        self.position = position


def parse(text: str, kinds: Mapping[str, str]) -> tuple[fx.Condition, ...]:
    """Parse a query and check its fields against the Items schema.

    Args:
        text: the line's ``itemAttributes``.
        kinds: Items field name → kind (``filter_expressions.STRING``, ``NUMBER``, …).

    Returns:
        The conditions (all must hold), each field spelled as in the schema; a string compares as
        ``IN`` (one value), a number as ``=``.

    Raises:
        SegmentQueryError: the query is malformed or a field does not fit its value.
    """
    try:
        tokens = fx.tokenize(text)
    except fx.FilterExpressionError as exc:
        raise SegmentQueryError(exc.reason, exc.position) from exc
    by_upper = {name.upper(): name for name in kinds}
    conditions, i = [], 0
    while True:
        dataset, dot, name, op, value = (
            tokens[j] if j < len(tokens) else tokens[-1] for j in range(i, i + 5)
        )
        if (
            dataset.kind != "WORD"
            or dataset.text.upper() != "ITEMS"
            or dot.kind != "."
            or name.kind != "WORD"
        ):
            raise SegmentQueryError("expected a condition ITEMS.FIELD = value", dataset.position)
        field = by_upper.get(name.text.upper())
        if field is None:
            have = ", ".join(sorted(kinds)) or "none"
            raise SegmentQueryError(f"Items has no field {name.text} (its fields: {have})", name.position)
        if op.kind != "OP" or op.text != "=":
            raise SegmentQueryError("a condition compares with = only (no IN, no ranges)", op.position)
        wanted = fx.STRING if value.kind == "STRING" else fx.NUMBER if value.kind == "NUMBER" else None
        if wanted is None:
            raise SegmentQueryError("expected a double-quoted string or a number after =", value.position)
        if kinds[field] != wanted:
            raise SegmentQueryError(
                f"ITEMS.{field} is a {kinds[field]} field; it cannot equal the {wanted} {value.text}",
                value.position,
            )
        target = fx.Field("Items", field, dataset.position)
        literal = fx.Literal(value.value, value.position)
        conditions.append(fx.Condition(target, "IN" if wanted == fx.STRING else "=", (literal,), op.position))
        after = tokens[i + 5]
        if after.kind == "END":
            return tuple(conditions)
        if after.kind != "WORD" or after.text.upper() != "AND":
            why = (
                "OR is not supported: give each alternative its own line"
                if after.text.upper() == "OR"
                else ""
            )
            raise SegmentQueryError(why or f"expected AND or the end, not {after.text!r}", after.position)
        i += 6


def matching_items(
    conditions: tuple[fx.Condition, ...], items: pd.DataFrame, categorical: Collection[str]
) -> np.ndarray:
    """Row numbers of ``items`` that satisfy every condition.

    Args:
        conditions: a parsed query (``parse``).
        items: the Items metadata, one row per item (missing values NaN/None).
        categorical: the categorical fields (``a|b`` holds two values).

    Returns:
        Sorted int64 row numbers.
    """
    query = fx.Filter((fx.Expression("INCLUDE", "ItemID", (conditions,), (), 0),))
    context = fx.Context(
        candidates=items, interactions=pd.DataFrame(columns=["ID", "EVENT_TYPE"]), categorical=categorical
    )
    return np.flatnonzero(fx.evaluate(query, {}, context)).astype(np.int64)
