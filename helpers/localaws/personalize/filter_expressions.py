"""Amazon Personalize's filter expression language: tokenizer, recursive-descent parser, evaluator.

Pure: text and tables in, syntax trees and boolean masks out; no store, no boto3. The grammar
(keywords, dataset names and field names are case-insensitive; parameter names are not)::

    filter      := expression ("|" expression)*
    expression  := ("INCLUDE" | "EXCLUDE") ("ItemID" | "UserID") "WHERE" where ["IF" if]
    where       := all ("OR" all)*                 AND binds tighter than OR
    all         := condition ("AND" condition)*
    if          := condition ("AND" condition)*    CurrentUser conditions only
    condition   := DATASET "." FIELD comparison
    comparison  := ["NOT"] "IN" ( "(" value ("," value)* ")" | "CurrentItem" "." FIELD )
                 | ("<" | "<=" | ">" | ">=" | "=" | "!=") scalar
    value       := STRING | $PARAMETER
    scalar      := NUMBER | STRING | $PARAMETER | "(" $PARAMETER ")" | "CurrentItem" "." FIELD

and the rules of "Filter expressions" in the Amazon Personalize Developer Guide
(https://docs.aws.amazon.com/personalize/latest/dg/filter-expressions.html and its "Guidelines
and requirements"): ``ItemID`` expressions test ``Items`` or ``Interactions``, ``UserID`` ones
``Users`` or ``Interactions``; the conditions of one expression use the dataset of its first;
``Interactions`` offers only ``EVENT_TYPE`` (with ``IN``/``NOT IN``, where ``"*"`` means any
type); ``CurrentUser`` appears only in the one ``IF`` at the end of an item expression, and
``CurrentItem`` only as the value of an ``Items`` condition; ``NOT IN`` takes no parameters;
``IN`` matches strings and ``<``, ``<=``, ``>``, ``>=``, ``=``, ``!=`` numbers (``=`` and ``!=``
may compare a ``CurrentUser`` string too); a filter uses at most ``MAX_FIELDS`` distinct dataset
fields, and the filters of a dataset group ``MAX_GROUP_FIELDS`` (the guide's "Amazon Personalize
endpoints and quotas").

Meaning (``evaluate``): expressions chained with ``|`` combine as the guide says, (the union of
the INCLUDE expressions, or everything if there are none) minus the union of the EXCLUDE ones.
An item without a value never matches ``IN`` or a comparison (so it matches ``NOT IN``, the
negation of ``IN``); a categorical field's ``a|b`` holds both ``a`` and ``b``; event types match
whatever their case. An expression whose ``IF`` does not hold for the user, or an EXCLUDE one
whose parameters got no ``filterValues``, does not apply.

The parser is hand-written recursive descent rather than a parser library: the grammar is
small, each error must say what was expected at which character, and it adds no dependency. A
malformed expression raises ``FilterExpressionError`` with what is wrong and where (a 0-based
``position``; the message counts characters from 1).
"""

from __future__ import annotations

import json
import math
from collections.abc import Collection, Mapping
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

MAX_FIELDS = 10
"""Distinct dataset fields one filter may use, over all its expressions."""

MAX_GROUP_FIELDS = 20
"""Distinct dataset fields the filters of one dataset group may use together."""

MAX_VALUES = 100
"""Values one ``filterValues`` entry may hold."""

ANY_EVENT = "*"
"""The ``Interactions.EVENT_TYPE`` value that matches every event type."""

COMPARISONS = ("<", "<=", ">", ">=", "=", "!=")
_EQUALITIES = ("=", "!=")
"""The comparisons that may test a ``CurrentUser`` string."""
DATASETS = ("Items", "Interactions", "Users", "CurrentItem", "CurrentUser")
TARGETS = {"ITEMID": "ItemID", "USERID": "UserID"}
_TARGET_DATASETS = {"ItemID": ("Items", "Interactions"), "UserID": ("Users", "Interactions")}
_SCHEMA_OF = {"CurrentItem": "Items", "CurrentUser": "Users"}


class FilterExpressionError(ValueError):
    """A filter expression breaks the grammar or a rule of the language.

    Attributes:
        position: 0-based offset of the offending character in the expression.
        reason: what is wrong, without the position.
    """

    def __init__(self, reason: str, position: int) -> None:
        super().__init__(f"Invalid filter expression at character {position + 1}: {reason}")
        self.reason = reason
        self.position = position


class FilterValuesError(ValueError):
    """A ``filterValues`` entry is missing, unknown or malformed for the filter's expression."""


# --- tokens ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class Token:
    """One token: ``kind`` is WORD, STRING, NUMBER, PARAM, OP, a punctuation mark, or END."""

    kind: str
    text: str
    position: int
    value: str | float | None = None


_PUNCTUATION = {".": ".", "(": "(", ")": ")", ",": ",", "|": "|"}


def _describe(token: Token) -> str:
    return "the end of the expression" if token.kind == "END" else repr(token.text)


def _is_digit(ch: str) -> bool:
    return "0" <= ch <= "9"


def _is_word_start(ch: str) -> bool:
    return ch.isascii() and (ch.isalpha() or ch == "_")


def _is_word_char(ch: str) -> bool:
    return ch.isascii() and (ch.isalnum() or ch == "_")


def tokenize(text: str) -> list[Token]:
    """Split a filter expression into tokens, each with its position; the last one is END.

    Raises:
        FilterExpressionError: an unterminated string, a bad number, a ``$`` without a name, or
            a character the language does not use.
    """
    tokens: list[Token] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch.isspace():
            i += 1
        elif _is_word_start(ch):
            j = i + 1
            while j < n and _is_word_char(text[j]):
                j += 1
            tokens.append(Token("WORD", text[i:j], i))
            i = j
        elif ch == '"':
            i = _string(text, i, tokens)
        elif _is_digit(ch) or (ch == "-" and i + 1 < n and _is_digit(text[i + 1])):
            i = _number(text, i, tokens)
        elif ch == "$":
            j = i + 1
            while j < n and _is_word_char(text[j]):
                j += 1
            if j == i + 1:
                raise FilterExpressionError(
                    "'$' must be followed by a parameter name (letters, digits, _)", i
                )
            tokens.append(Token("PARAM", text[i:j], i, text[i + 1 : j]))
            i = j
        elif ch in "<>=" or text[i : i + 2] == "!=":
            op = text[i : i + 2] if text[i : i + 2] in ("<=", ">=", "!=") else ch
            tokens.append(Token("OP", op, i))
            i += len(op)
        elif ch in _PUNCTUATION:
            tokens.append(Token(_PUNCTUATION[ch], ch, i))
            i += 1
        else:
            hint = (
                " (use != or NOT IN)" if ch == "!" else " (strings take double quotes)" if ch == "'" else ""
            )
            raise FilterExpressionError(f"unexpected character {ch!r}{hint}", i)
    tokens.append(Token("END", "", n))
    return tokens


def _string(text: str, start: int, tokens: list[Token]) -> int:
    """Read a double-quoted string (``\\"`` and ``\\\\`` escape) at ``start``; return the end."""
    chars, i = [], start + 1
    while i < len(text):
        ch = text[i]
        if ch == "\\" and i + 1 < len(text) and text[i + 1] in '"\\':
            chars.append(text[i + 1])
            i += 2
        elif ch == '"':
            tokens.append(Token("STRING", text[start : i + 1], start, "".join(chars)))
            return i + 1
        else:
            chars.append(ch)
            i += 1
    raise FilterExpressionError("the string is not closed with a double quote", start)


def _number(text: str, start: int, tokens: list[Token]) -> int:
    """Read an integer or decimal number (optionally negative) at ``start``; return the end."""
    i = start + 1
    while i < len(text) and (_is_digit(text[i]) or text[i] == "."):
        i += 1
    raw = text[start:i]
    if raw.count(".") > 1 or raw.endswith("."):
        raise FilterExpressionError(f"{raw!r} is not a number", start)
    if i < len(text) and _is_word_char(text[i]):
        raise FilterExpressionError(f"a number cannot run into letters: {text[start : i + 1]!r}", start)
    tokens.append(Token("NUMBER", raw, start, float(raw)))
    return i


# --- syntax tree ----------------------------------------------------------------------------
@dataclass(frozen=True)
class Field:
    """``DATASET.NAME``; ``dataset`` is one of ``DATASETS``, spelled as there."""

    dataset: str
    name: str
    position: int

    @property
    def schema(self) -> str:
        """The dataset whose schema holds the field (``CurrentItem`` → ``Items``)."""
        return _SCHEMA_OF.get(self.dataset, self.dataset)

    def __str__(self) -> str:
        return f"{self.dataset}.{self.name}"


@dataclass(frozen=True)
class Literal:
    """A string or number written in the expression."""

    value: str | float
    position: int


@dataclass(frozen=True)
class Param:
    """A ``$NAME`` placeholder, filled from ``filterValues`` at request time."""

    name: str
    position: int


Value = Literal | Param | Field


@dataclass(frozen=True)
class Condition:
    """``field operator values``: ``operator`` is ``IN``, ``NOT IN`` or one of ``COMPARISONS``."""

    field: Field
    operator: str
    values: tuple[Value, ...]
    position: int


@dataclass(frozen=True)
class Expression:
    """One ``INCLUDE|EXCLUDE … WHERE … [IF …]`` of a filter.

    Attributes:
        action: ``INCLUDE`` or ``EXCLUDE``.
        target: ``ItemID`` or ``UserID``.
        where: OR of ANDs of conditions.
        condition: the ``IF`` conditions (all must hold), empty without ``IF``.
    """

    action: str
    target: str
    where: tuple[tuple[Condition, ...], ...]
    condition: tuple[Condition, ...]
    position: int

    def conditions(self) -> list[Condition]:
        """Every condition of the expression, in order."""
        return [c for conjunction in self.where for c in conjunction] + list(self.condition)


@dataclass(frozen=True)
class Filter:
    """A parsed filter: its expressions, chained with ``|``."""

    expressions: tuple[Expression, ...]

    @property
    def target(self) -> str:
        """``ItemID`` (item recommendations) or ``UserID`` (user segments)."""
        return self.expressions[0].target

    def fields(self) -> list[Field]:
        """Every field reference, in order (condition fields and ``CurrentItem`` values)."""
        out = []
        for expression in self.expressions:
            for c in expression.conditions():
                out.append(c.field)
                out += [v for v in c.values if isinstance(v, Field)]
        return out

    def distinct_fields(self) -> set[tuple[str, str]]:
        """The dataset fields the filter uses, as ``(schema dataset, FIELD NAME upper-cased)``."""
        return {(f.schema, f.name.upper()) for f in self.fields()}

    def parameters(self) -> dict[str, str]:
        """Parameter name → ``INCLUDE`` or ``EXCLUDE`` (``INCLUDE`` if any include expression uses it)."""
        out: dict[str, str] = {}
        for expression in self.expressions:
            for c in expression.conditions():
                for v in c.values:
                    if isinstance(v, Param) and out.get(v.name) != "INCLUDE":
                        out[v.name] = expression.action
        return out

    def uses(self, dataset: str) -> bool:
        """Whether any expression refers to ``dataset`` (e.g. ``CurrentItem``)."""
        return any(f.dataset == dataset for f in self.fields())


# --- parser ---------------------------------------------------------------------------------
class _Parser:
    """Recursive descent over the tokens of one filter; one method per grammar rule."""

    def __init__(self, text: str) -> None:
        self.tokens = tokenize(text)
        self.i = 0

    @property
    def token(self) -> Token:
        return self.tokens[self.i]

    def advance(self) -> Token:
        token = self.tokens[self.i]
        self.i += 1
        return token

    def is_word(self, *words: str) -> bool:
        return self.token.kind == "WORD" and self.token.text.upper() in words

    def fail(self, expected: str, token: Token | None = None) -> FilterExpressionError:
        token = token or self.token
        return FilterExpressionError(f"expected {expected}, found {_describe(token)}", token.position)

    def expect_word(self, word: str, expected: str | None = None) -> Token:
        if not self.is_word(word):
            raise self.fail(expected or word)
        return self.advance()

    def expect(self, kind: str, expected: str) -> Token:
        if self.token.kind != kind:
            raise self.fail(expected)
        return self.advance()

    # filter := expression ("|" expression)*
    def filter(self) -> Filter:
        expressions = [self.expression()]
        while self.token.kind == "|":
            self.advance()
            expressions.append(self.expression())
        if self.token.kind != "END":
            raise self.fail("AND, OR, IF, '|' or the end of the expression")
        first = expressions[0]
        for e in expressions[1:]:
            if e.target != first.target:
                raise FilterExpressionError(
                    f"all expressions of a filter must filter the same thing; this one filters "
                    f"{e.target}, the first {first.target}",
                    e.position,
                )
        return Filter(tuple(expressions))

    # expression := action target WHERE where [IF if]
    def expression(self) -> Expression:
        start = self.token
        if not self.is_word("INCLUDE", "EXCLUDE"):
            raise self.fail("INCLUDE or EXCLUDE")
        action = self.advance().text.upper()
        if not (self.token.kind == "WORD" and self.token.text.upper() in TARGETS):
            raise self.fail("ItemID or UserID")
        target = TARGETS[self.advance().text.upper()]
        self.expect_word("WHERE")
        where = self.where(target)
        condition: tuple[Condition, ...] = ()
        if self.is_word("IF"):
            if_token = self.advance()
            if target != "ItemID":
                raise FilterExpressionError(
                    "IF conditions apply to item (ItemID) expressions only", if_token.position
                )
            condition = self.if_conditions()
        return Expression(action, target, where, condition, start.position)

    # where := all ("OR" all)*;  all := condition ("AND" condition)*
    def where(self, target: str) -> tuple[tuple[Condition, ...], ...]:
        first = self.condition()
        self.check_where(first, target, None)
        disjunction, conjunction = [], [first]
        while self.is_word("AND", "OR"):
            joiner = self.advance().text.upper()
            condition = self.condition()
            self.check_where(condition, target, first.field)
            if joiner == "OR":
                disjunction.append(tuple(conjunction))
                conjunction = []
            conjunction.append(condition)
        disjunction.append(tuple(conjunction))
        return tuple(disjunction)

    def check_where(self, c: Condition, target: str, first: Field | None) -> None:
        dataset = c.field.dataset
        if dataset == "CurrentUser":
            raise FilterExpressionError("CurrentUser can be used only in an IF condition", c.field.position)
        if dataset == "CurrentItem":
            raise FilterExpressionError(
                "CurrentItem can be used only as the value of an Items condition, e.g. "
                "Items.PRICE < CurrentItem.PRICE",
                c.field.position,
            )
        if dataset not in _TARGET_DATASETS[target]:
            allowed = " or ".join(_TARGET_DATASETS[target])
            raise FilterExpressionError(
                f"{target} expressions filter by {allowed}, not {dataset}", c.field.position
            )
        if first is not None and dataset != first.dataset:
            raise FilterExpressionError(
                f"conditions chained with AND/OR must use the dataset of the first condition "
                f"({first.dataset}), not {dataset}; chain another expression with '|' instead",
                c.field.position,
            )
        if any(isinstance(v, Field) for v in c.values) and (target != "ItemID" or dataset != "Items"):
            raise FilterExpressionError("CurrentItem values compare Items fields only", c.position)
        if dataset == "Interactions":
            if c.field.name.upper() != "EVENT_TYPE":
                raise FilterExpressionError(
                    f"Interactions filters use only EVENT_TYPE, not {c.field.name}", c.field.position
                )
            if c.operator not in ("IN", "NOT IN"):
                raise FilterExpressionError("Interactions.EVENT_TYPE takes IN or NOT IN", c.position)
        else:
            stars = [v for v in c.values if isinstance(v, Literal) and v.value == ANY_EVENT]
            if stars:
                raise FilterExpressionError(
                    '"*" (any event type) applies to Interactions.EVENT_TYPE only', stars[0].position
                )
        strings = [v for v in c.values if isinstance(v, Literal) and isinstance(v.value, str)]
        if c.operator in COMPARISONS and strings:
            raise FilterExpressionError(
                f"{c.operator} compares numbers; {strings[0].value!r} is a string (use IN for strings)",
                strings[0].position,
            )

    # if := condition ("AND" condition)*
    def if_conditions(self) -> tuple[Condition, ...]:
        out = []
        while True:
            c = self.condition()
            if c.field.dataset != "CurrentUser":
                raise FilterExpressionError(
                    f"IF conditions check CurrentUser fields only, not {c.field.dataset}", c.field.position
                )
            if any(isinstance(v, Field) for v in c.values):
                raise FilterExpressionError("IF conditions compare CurrentUser with values", c.position)
            strings = [v for v in c.values if isinstance(v, Literal) and isinstance(v.value, str)]
            if c.operator in COMPARISONS and c.operator not in _EQUALITIES and strings:
                raise FilterExpressionError(
                    f"{c.operator} compares numbers; {strings[0].value!r} is a string", strings[0].position
                )
            out.append(c)
            if self.is_word("OR"):
                raise FilterExpressionError(
                    "an IF condition can be extended with AND only", self.token.position
                )
            if not self.is_word("AND"):
                return tuple(out)
            self.advance()

    # condition := field comparison
    def condition(self) -> Condition:
        field = self.field()
        start = self.token
        if self.is_word("NOT", "IN"):
            negate = self.advance().text.upper() == "NOT"
            if negate:
                self.expect_word("IN", "IN after NOT")
            values = self.in_values()
            operator = "NOT IN" if negate else "IN"
            params = [v for v in values if isinstance(v, Param)]
            if negate and params:
                raise FilterExpressionError(
                    "NOT IN takes no parameters; use IN with the opposite action (INCLUDE/EXCLUDE)",
                    params[0].position,
                )
            return Condition(field, operator, values, start.position)
        if self.token.kind == "OP":
            operator = self.advance().text
            return Condition(field, operator, (self.scalar(),), start.position)
        raise self.fail("IN, NOT IN or one of < <= > >= = !=")

    # DATASET "." FIELD
    def field(self, datasets: tuple[str, ...] = DATASETS) -> Field:
        token = self.token
        names = {d.upper(): d for d in datasets}
        if token.kind != "WORD" or token.text.upper() not in names:
            raise self.fail("a dataset field such as " + " or ".join(f"{d}.FIELD" for d in datasets))
        self.advance()
        self.expect(".", f"'.' and a field name after {token.text}")
        name = self.token
        if name.kind != "WORD":
            raise self.fail(f"a field name after {token.text}.")
        self.advance()
        return Field(names[token.text.upper()], name.text, token.position)

    # "(" value ("," value)* ")" | CurrentItem.FIELD
    def in_values(self) -> tuple[Value, ...]:
        if self.is_word("CURRENTITEM"):
            return (self.field(("CurrentItem",)),)
        self.expect("(", "'(' and a list of values")
        values = [self.value()]
        while self.token.kind == ",":
            self.advance()
            values.append(self.value())
        self.expect(")", "',' or ')' after a value")
        return tuple(values)

    def string_or_param(self) -> Value:
        """The current STRING or PARAM token as a value (the caller has checked its kind)."""
        token = self.advance()
        return (
            Literal(str(token.value), token.position)
            if token.kind == "STRING"
            else Param(str(token.value), token.position)
        )

    # value := STRING | $PARAMETER
    def value(self) -> Value:
        token = self.token
        if token.kind in ("STRING", "PARAM"):
            return self.string_or_param()
        if token.kind == "NUMBER":
            raise FilterExpressionError(
                f"IN matches strings: write {token.text} in double quotes, or compare numbers with =",
                token.position,
            )
        raise self.fail("a double-quoted string or a $PARAMETER")

    # scalar := NUMBER | STRING | $PARAMETER | "(" $PARAMETER ")" | CurrentItem.FIELD
    def scalar(self) -> Value:
        token = self.token
        if token.kind == "NUMBER":
            self.advance()
            return Literal(float(token.value), token.position)
        if token.kind in ("STRING", "PARAM"):
            return self.string_or_param()
        if token.kind == "(" and self.tokens[self.i + 1].kind == "PARAM":
            self.advance()
            param = self.advance()
            self.expect(")", "')' after the parameter")
            return Param(str(param.value), param.position)
        if self.is_word("CURRENTITEM"):
            return self.field(("CurrentItem",))
        raise self.fail("a number, a $PARAMETER or CurrentItem.FIELD")


def parse(text: str) -> Filter:
    """Parse a filter expression and check the language's rules that need no schema.

    Args:
        text: the ``filterExpression``.

    Returns:
        The filter's syntax tree.

    Raises:
        FilterExpressionError: the expression is malformed; says what and where.
    """
    parsed = _Parser(text).filter()
    seen: dict[tuple[str, str], Field] = {}
    for f in parsed.fields():
        key = (f.schema, f.name.upper())
        if key not in seen:
            seen[key] = f
            if len(seen) > MAX_FIELDS:
                raise FilterExpressionError(
                    f"a filter may use at most {MAX_FIELDS} distinct dataset fields; {f} is the "
                    f"{len(seen)}th",
                    f.position,
                )
    return parsed


# --- schema checks --------------------------------------------------------------------------
STRING, NUMBER, BOOLEAN, TEXTUAL = "string", "number", "boolean", "textual"
"""Kinds of fields ``check_fields`` tells apart."""


def check_fields(parsed: Filter, schemas: Mapping[str, Mapping[str, str]]) -> Filter:
    """Check every field against the dataset group's schemas; return the filter with their spelling.

    Args:
        parsed: a parsed filter.
        schemas: dataset type (``Items``, ``Users``, ``Interactions``) → field name → kind
            (``STRING``, ``NUMBER``, ``BOOLEAN``, ``TEXTUAL``), for the datasets the group has.

    Returns:
        ``parsed`` with each field named as in its schema (names match case-insensitively).

    Raises:
        FilterExpressionError: a dataset or field does not exist, or its type does not allow the
            operator (IN needs strings, comparisons numbers; boolean and textual fields filter
            nothing).
    """

    def resolve(f: Field) -> tuple[Field, str]:
        fields = schemas.get(f.schema)
        if fields is None:
            raise FilterExpressionError(
                f"{f} needs a {f.schema} dataset, and the dataset group has none", f.position
            )
        by_upper = {name.upper(): name for name in fields}
        name = by_upper.get(f.name.upper())
        if name is None:
            raise FilterExpressionError(
                f"{f.schema} has no field {f.name} (its schema has {', '.join(sorted(fields))})", f.position
            )
        kind = fields[name]
        if kind in (BOOLEAN, TEXTUAL):
            why = (
                "boolean fields cannot be filtered (use a string or int)"
                if kind == BOOLEAN
                else ("textual fields (free text) cannot be filtered")
            )
            raise FilterExpressionError(f"{f}: {why}", f.position)
        return replace(f, name=name), kind

    def check(c: Condition, in_if: bool) -> Condition:
        field, kind = resolve(c.field)
        values = []
        for v in c.values:
            if isinstance(v, Field):
                v, value_kind = resolve(v)
                if value_kind != kind:
                    raise FilterExpressionError(
                        f"{field} is a {kind} field but {v} a {value_kind} one", v.position
                    )
            values.append(v)
        if c.operator in ("IN", "NOT IN") and kind != STRING:
            raise FilterExpressionError(
                f"{c.operator} matches strings; {field} is a number field", c.position
            )
        strings = any(isinstance(v, Literal) and isinstance(v.value, str) for v in values)
        if (
            c.operator in COMPARISONS
            and kind != NUMBER
            and not (in_if and c.operator in _EQUALITIES and kind == STRING)
        ):
            raise FilterExpressionError(
                f"{c.operator} compares numbers; {field} is a string field", c.position
            )
        if c.operator in COMPARISONS and kind == NUMBER and strings:
            raise FilterExpressionError(f"{field} is a number field; compare it with a number", c.position)
        return replace(c, field=field, values=tuple(values))

    expressions = []
    for e in parsed.expressions:
        where = tuple(tuple(check(c, False) for c in conjunction) for conjunction in e.where)
        expressions.append(replace(e, where=where, condition=tuple(check(c, True) for c in e.condition)))
    return Filter(tuple(expressions))


# --- filterValues ---------------------------------------------------------------------------
def bind(parsed: Filter, filter_values: Mapping[str, str] | None) -> dict[str, tuple[str | float, ...]]:
    """Read the ``filterValues`` of a request for a filter.

    Each entry is the JSON of one or more values separated by commas, e.g. ``"\\"shoes\\""`` or
    ``"\\"shoes\\",\\"boots\\""`` for strings and ``"25"`` for a number, at most ``MAX_VALUES``.
    Every parameter of an INCLUDE expression needs an entry; an EXCLUDE expression whose
    parameters have none is left out (Personalize does not use it).

    Returns:
        Parameter name → its values (strings and floats).

    Raises:
        FilterValuesError: an entry is missing, not a parameter of the filter, or malformed.
    """
    given = dict(filter_values or {})
    wanted = parsed.parameters()
    unknown = sorted(set(given) - set(wanted))
    if unknown:
        have = ", ".join(sorted(wanted)) or "none"
        raise FilterValuesError(
            f"filterValues has {unknown[0]}, which is not a parameter of the filter (its parameters: {have})."
        )
    missing = sorted(name for name, action in wanted.items() if action == "INCLUDE" and name not in given)
    if missing:
        raise FilterValuesError(
            f"filterValues must give {missing[0]}: the filter's INCLUDE expression uses ${missing[0]}."
        )
    return {name: _values(name, raw) for name, raw in given.items()}


def _values(name: str, raw: str) -> tuple[str | float, ...]:
    example = 'e.g. "\\"shoes\\",\\"boots\\"" or "25"'
    try:
        values = json.loads(f"[{raw}]")
    except ValueError:
        raise FilterValuesError(
            f"filterValues {name} must be JSON values separated by commas ({example}), not {raw!r}."
        ) from None
    if not values:
        raise FilterValuesError(f"filterValues {name} is empty; give at least one value ({example}).")
    if len(values) > MAX_VALUES:
        raise FilterValuesError(
            f"filterValues {name} has {len(values)} values; at most {MAX_VALUES} are allowed."
        )
    out: list[str | float] = []
    for v in values:
        if isinstance(v, bool) or not isinstance(v, str | int | float):
            raise FilterValuesError(
                f"filterValues {name} holds {json.dumps(v)}; values are strings or numbers."
            )
        out.append(v)
    return tuple(out)


# --- evaluation -----------------------------------------------------------------------------
Values = Mapping[str, tuple[str | float, ...]]
"""Parameter name → its values, as ``bind`` returns them."""


@dataclass(frozen=True)
class Context:
    """What a filter is evaluated on.

    Attributes:
        candidates: one row per candidate (items, or users for ``UserID`` filters), indexed by
            id, with the metadata columns (missing values NaN/None).
        interactions: ``ID`` (a candidate id) and ``EVENT_TYPE`` of the interactions that count:
            the current user's for item filters, everyone's for user segments.
        current_item: the current item's metadata (``CurrentItem``), or None.
        current_user: the current user's metadata (``CurrentUser``), or None.
        categorical: columns holding several values separated by ``|``.
    """

    candidates: pd.DataFrame
    interactions: pd.DataFrame
    current_item: Mapping[str, object] | None = None
    current_user: Mapping[str, object] | None = None
    categorical: Collection[str] = ()


def _missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _resolve(v: Value, values: Values, ctx: Context | None) -> list[str | float]:
    """The values a condition's value stands for (a CurrentItem field may hold none or several)."""
    if isinstance(v, Literal):
        return [v.value]
    if isinstance(v, Param):
        return list(values[v.name])
    if ctx is None:
        return []
    item = ctx.current_item or {}
    found = item.get(v.name)
    if _missing(found):
        return []
    if isinstance(found, str) and v.name in ctx.categorical:
        return found.split("|")
    return [found]  # type: ignore[list-item]


def _numbers(found: list[str | float], c: Condition) -> list[float]:
    out = []
    for v in found:
        try:
            out.append(float(v))
        except ValueError:
            raise FilterValuesError(
                f"{c.field} {c.operator} needs a number, and the value given is {v!r}."
            ) from None
    return out


_COMPARE = {
    "<": np.less,
    "<=": np.less_equal,
    ">": np.greater,
    ">=": np.greater_equal,
    "=": np.equal,
    "!=": np.not_equal,
}


def _string_match(column: pd.Series, wanted: set[str], multi: bool) -> np.ndarray:
    present = column.notna().to_numpy()
    text = column.astype(str)
    if multi:
        hits = text.str.split("|").map(lambda parts: not wanted.isdisjoint(parts))
    else:
        hits = text.isin(wanted)
    return present & hits.to_numpy(dtype=bool)


def _among(ids: pd.Index, values: np.ndarray) -> np.ndarray:
    """Mask of the ``ids`` that are among ``values``: ``ids.isin(values)``, but on a unique index
    looking up only the few values, in the index's own table (kept with the index)."""
    if not ids.is_unique:
        return ids.isin(values)
    found = ids.get_indexer(pd.unique(values))
    hit = np.zeros(len(ids), dtype=bool)
    hit[found[found >= 0]] = True
    return hit


def _condition(c: Condition, values: Values, ctx: Context) -> np.ndarray:
    """Mask of the candidates that satisfy one WHERE condition."""
    found = [x for v in c.values for x in _resolve(v, values, ctx)]
    ids = ctx.candidates.index
    if c.field.dataset == "Interactions":
        chosen = np.asarray(ctx.interactions["ID"], dtype=object)
        if ANY_EVENT not in found:
            wanted = {str(x).casefold() for x in found}
            types = np.asarray(ctx.interactions["EVENT_TYPE"], dtype=object)
            chosen = chosen[np.fromiter((str(t).casefold() in wanted for t in types), bool, len(types))]
        hit = _among(ids, chosen)
    else:
        column = (
            ctx.candidates[c.field.name]
            if c.field.name in ctx.candidates
            else pd.Series(index=ids, dtype=object)
        )
        if c.operator in ("IN", "NOT IN"):
            hit = _string_match(column, {str(x) for x in found}, c.field.name in ctx.categorical)
        else:
            numbers = _numbers(found, c)
            data = pd.to_numeric(column, errors="coerce").to_numpy(dtype=float)
            hit = np.zeros(len(ids), dtype=bool)
            with np.errstate(invalid="ignore"):
                for x in numbers:
                    hit |= _COMPARE[c.operator](data, x)
            hit &= ~np.isnan(data)  # an item without a value matches no comparison, != included
    hit = np.asarray(hit, dtype=bool)
    return ~hit if c.operator == "NOT IN" else hit


def _holds(c: Condition, values: Values, user: Mapping[str, object]) -> bool:
    """Whether an IF condition holds for the current user."""
    have = user.get(c.field.name)
    if _missing(have):
        return False
    found = [x for v in c.values for x in _resolve(v, values, None)]
    if c.operator in ("IN", "NOT IN"):
        hit = str(have) in {str(x) for x in found}
        return not hit if c.operator == "NOT IN" else hit
    if isinstance(have, str) and c.operator in _EQUALITIES:
        return (have in {str(x) for x in found}) == (c.operator == "=")
    return any(bool(_COMPARE[c.operator](float(have), x)) for x in _numbers(found, c))


def evaluate(parsed: Filter, values: Values, ctx: Context) -> np.ndarray:
    """Which candidates pass the filter.

    Args:
        parsed: a filter (``parse``, then ``check_fields`` against the group's schemas).
        values: the request's parameter values (``bind``).
        ctx: candidates, interactions and the current item and user.

    Returns:
        Boolean mask over ``ctx.candidates`` rows: True where the candidate may be recommended.

    Raises:
        FilterValuesError: a comparison got a value that is not a number.
    """
    n = len(ctx.candidates)
    included, excluded = np.zeros(n, dtype=bool), np.zeros(n, dtype=bool)
    has_include = False
    for e in parsed.expressions:
        params = {v.name for c in e.conditions() for v in c.values if isinstance(v, Param)}
        if not params <= set(values):  # an EXCLUDE without its filterValues is not used
            continue
        if not all(_holds(c, values, ctx.current_user or {}) for c in e.condition):
            continue  # its IF does not hold for this user: the expression does not apply
        hit = np.zeros(n, dtype=bool)
        for conjunction in e.where:
            part = np.ones(n, dtype=bool)
            for c in conjunction:
                part &= _condition(c, values, ctx)
            hit |= part
        if e.action == "INCLUDE":
            has_include = True
            included |= hit
        else:
            excluded |= hit
    return (included if has_include else np.ones(n, dtype=bool)) & ~excluded
