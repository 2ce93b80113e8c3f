"""Request validation from botocore's service models: the constraints the real services enforce.

botocore's client-side validation checks types, required members and minimums only. AWS
services also refuse values that break the other constraints their model declares: maximum
lengths of strings, lists and maps, numeric ranges, enums and regular-expression patterns.
``validate(operation, params)`` checks all of them, for every service, before a service
function runs, and raises the error the real service answers with (``ERROR_CODES``) and a
message in AWS's words naming every member at fault::

    1 validation error detected: Value 'a b' at 'name' failed to satisfy constraint:
    Member must satisfy regular expression pattern: ^[a-zA-Z0-9][a-zA-Z0-9\\-_]*

The patterns are Java regular expressions; ``regex`` reads their ``\\p{L}`` classes, and
``\\w``/``\\d`` keep Java's ASCII meaning. Streaming and blob members (object bodies) are not
checked.
"""

from __future__ import annotations

import functools
from typing import Any

import regex
from botocore.model import OperationModel, Shape

from helpers.localaws.engine.errors import AWSError

ERROR_CODES = {
    "personalize": "InvalidInputException",
    "personalize-runtime": "InvalidInputException",
    "personalize-events": "InvalidInputException",
    "ssm": "ValidationException",
    "iam": "ValidationError",
    "sts": "ValidationError",
    "s3": "InvalidArgument",
}
"""The error code each service answers a constraint violation with (all HTTP 400)."""

_MAX_SHOWN = 64
_MAX_LISTED = 10


class ValidationFailed(AWSError):
    """A request breaks constraints of its service model.

    Args:
        service: the botocore service name (picks the error code).
        problems: one ``Value … at '…' failed to satisfy constraint: …`` per violation.
    """

    def __init__(self, service: str, problems: list[str]) -> None:
        count = len(problems)
        noun = "error" if count == 1 else "errors"
        shown = "; ".join(problems[:_MAX_LISTED])
        code = ERROR_CODES.get(service, "ValidationException")
        super().__init__(code, f"{count} validation {noun} detected: {shown}")
        self.problems = problems


def validate(model: OperationModel, params: dict) -> None:
    """Check a request against every constraint of its input shape.

    Args:
        model: the operation's botocore model.
        params: the request as the caller gave it (botocore has checked types and required
            members already).

    Raises:
        ValidationFailed: one or more members break a constraint; nothing has run yet.
    """
    shape = model.input_shape
    if shape is None:
        return
    problems: list[str] = []
    _check(shape, params, "", problems)
    if problems:
        raise ValidationFailed(model.service_model.service_name, problems)


def _check(shape: Shape, value: Any, path: str, problems: list[str]) -> None:
    kind = shape.type_name
    if value is None or kind in ("blob", "boolean", "timestamp") or shape.serialization.get("eventstream"):
        return
    meta = shape.metadata

    def fail(constraint: str) -> None:
        problems.append(_problem(value, path, shape, constraint))

    if kind == "structure" and isinstance(value, dict):
        for name, member in shape.members.items():
            if name in value:
                sub = _lower_first(name)
                _check(member, value[name], f"{path}.{sub}" if path else sub, problems)
        return
    if kind in ("list", "map", "string") and isinstance(value, list | tuple | dict | str):
        if "min" in meta and len(value) < meta["min"]:
            fail(f"Member must have length greater than or equal to {meta['min']}")
        if "max" in meta and len(value) > meta["max"]:
            fail(f"Member must have length less than or equal to {meta['max']}")
    if kind == "list" and isinstance(value, list | tuple):
        for index, item in enumerate(value, start=1):
            _check(shape.member, item, f"{path}.{index}.member", problems)
    elif kind == "map" and isinstance(value, dict):
        for key, item in value.items():
            _check(shape.key, key, f"{path}.{key}.key", problems)
            _check(shape.value, item, f"{path}.{key}.value", problems)
    elif kind == "string" and isinstance(value, str):
        enum = getattr(shape, "enum", None)
        if enum and value not in enum:
            fail(f"Member must satisfy enum value set: [{', '.join(enum)}]")
        pattern = meta.get("pattern")
        if pattern and not _compiled(pattern).fullmatch(value):
            fail(f"Member must satisfy regular expression pattern: {pattern}")
    elif kind in ("integer", "long", "float", "double") and isinstance(value, int | float):
        if "min" in meta and value < meta["min"]:
            fail(f"Member must have value greater than or equal to {meta['min']}")
        if "max" in meta and value > meta["max"]:
            fail(f"Member must have value less than or equal to {meta['max']}")


def _problem(value: Any, path: str, shape: Shape, constraint: str) -> str:
    """One violation, in AWS's words; sensitive or long values are not repeated."""
    shown = ""
    scalar = isinstance(value, str | int | float)
    if scalar and not shape.metadata.get("sensitive") and len(str(value)) <= _MAX_SHOWN:
        shown = f" '{value}'"
    return f"Value{shown} at '{path}' failed to satisfy constraint: {constraint}"


def _lower_first(name: str) -> str:
    return name[:1].lower() + name[1:]


@functools.cache
def _compiled(pattern: str) -> regex.Pattern:
    """Compile a model's Java pattern, giving ``\\w`` and ``\\d`` their ASCII meaning as in Java."""
    return regex.compile(_java_ascii_classes(pattern))


def _java_ascii_classes(pattern: str) -> str:
    out, in_class, i = [], False, 0
    while i < len(pattern):
        char = pattern[i]
        if char == "\\" and i + 1 < len(pattern):
            nxt = pattern[i + 1]
            if nxt in "wd":
                body = "A-Za-z0-9_" if nxt == "w" else "0-9"
                out.append(body if in_class else f"[{body}]")
            else:
                out.append(pattern[i : i + 2])
            i += 2
            continue
        if char == "[" and not in_class:
            in_class = True
        elif char == "]" and in_class:
            in_class = False
        out.append(char)
        i += 1
    return "".join(out)
