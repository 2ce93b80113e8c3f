"""botocore's service models, the single source of truth for shapes, enums, limits and errors.

Nothing here retypes the model: enums and limits are read from the loaded ``service-2.json``,
responses are coerced (timestamps) and validated against the operation's output shape.
"""

from __future__ import annotations

import decimal
import functools
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import botocore.session
from botocore.model import OperationModel, ServiceModel, Shape
from botocore.validate import ParamValidator

from helpers.localaws.engine.errors import AWSError


class InvalidResponseError(RuntimeError):
    """A local answer does not match the operation's output shape: a bug in the backend."""


@functools.cache
def _loader_session() -> botocore.session.Session:
    return botocore.session.Session()


@functools.cache
def service(name: str) -> ServiceModel:
    """Return the botocore model of a service (``s3``, ``personalize``, …)."""
    return _loader_session().get_service_model(name)


def operation(service_name: str, operation_name: str) -> OperationModel:
    """Return the model of one operation, e.g. ``operation("personalize", "CreateSchema")``."""
    return service(service_name).operation_model(operation_name)


def enum(service_name: str, shape_name: str) -> list[str]:
    """Return the allowed values of an enum shape, e.g. ``enum("personalize", "Domain")``."""
    return list(service(service_name).shape_for(shape_name).enum)


def input_member(service_name: str, operation_name: str, member: str) -> Shape:
    """Return the shape of one input member (to read its ``metadata`` limits)."""
    return operation(service_name, operation_name).input_shape.members[member]


def limit(service_name: str, operation_name: str, member: str, key: str = "max") -> Any:
    """Return a limit (``min``, ``max``, ``pattern``) of an input member, or None."""
    return input_member(service_name, operation_name, member).metadata.get(key)


def _to_datetime(value: Any) -> Any:
    if isinstance(value, int | float):
        return datetime.fromtimestamp(value, UTC)
    if isinstance(value, str):
        return datetime.fromisoformat(value)
    return value


def to_output(service_name: str, shape: Shape | None, value: Any) -> Any:
    """Coerce a service function's answer to what botocore's parser would give.

    Timestamps stored as epoch seconds become aware datetimes; ``None`` members are dropped. The
    coercion is compiled once per service and shape (``_coercion``).
    """
    if shape is None or value is None:
        return value
    return _compiled("coerce", service_name, shape, _coercion)(value)


def _same(value: Any) -> Any:
    return value


def _coercion(service_name: str, shape: Shape) -> Callable[[Any], Any]:
    """What ``to_output`` does to a value of ``shape``, as a function of the value."""
    kind = shape.type_name
    if kind == "structure":
        members = {name: _compiled("coerce", service_name, m, _coercion) for name, m in shape.members.items()}

        def structure(value: Any) -> Any:
            if not isinstance(value, dict):
                return value
            return {
                key: members[key](item) if key in members else item
                for key, item in value.items()
                if item is not None
            }

        return structure
    if kind == "list":
        item = _compiled("coerce", service_name, shape.member, _coercion)
        if item is _same:
            return lambda value: list(value) if isinstance(value, list) else value
        return lambda value: [item(v) for v in value] if isinstance(value, list) else value
    if kind == "map":
        item = _compiled("coerce", service_name, shape.value, _coercion)
        return lambda value: {k: item(v) for k, v in value.items()} if isinstance(value, dict) else value
    if kind == "timestamp":
        return _to_datetime
    return _same


def validate_output(op: OperationModel, body: dict) -> None:
    """Check an answer against the operation's output shape.

    A check compiled once per shape (``conforms``) accepts an answer that botocore's
    ``ParamValidator`` would accept; anything it does not accept goes to ``ParamValidator``,
    whose report names the members at fault.

    Raises:
        InvalidResponseError: a member is missing, unknown or of the wrong type.
    """
    if op.output_shape is None or conforms(op.service_model.service_name, op.output_shape)(body):
        return
    report = ParamValidator().validate(body, op.output_shape)
    if report.has_errors():
        raise InvalidResponseError(
            f"{op.service_model.service_name}:{op.name} answer breaks its output shape: "
            + report.generate_report()
        )


Check = Callable[[Any], bool]
_SCALARS: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "integer": (int,),
    "long": (int,),
    "float": (float, decimal.Decimal, int),
    "double": (float, decimal.Decimal, int),
    "boolean": (bool,),
}
_compiled_functions: dict[tuple[str, str, str], Callable[[Any], Any]] = {}
_pending: dict[tuple[str, str, str], Callable[[Any], Any]] = {}
_compiling = threading.RLock()


def _compiled(
    purpose: str, service_name: str, shape: Shape, build: Callable[[str, Shape], Callable[[Any], Any]]
) -> Callable[[Any], Any]:
    """``build(service_name, shape)``, once per purpose, service and shape name.

    A build may ask for the functions of other shapes; a recursive shape gets a stand-in that
    looks its function up when first called. One thread builds; the others wait and never see a
    function half-built: a shape's functions are published together once all of them are built.
    """
    key = (purpose, service_name, shape.name)
    function = _compiled_functions.get(key)
    if function is not None:
        return function
    with _compiling:
        function = _compiled_functions.get(key) or _pending.get(key)
        if function is not None:
            return function
        outermost = not _pending
        try:
            _pending[key] = lambda value: _compiled_functions[key](value)  # recursion: resolved at call time
            _pending[key] = function = build(service_name, shape)
            if outermost:
                _compiled_functions.update(_pending)
        finally:
            if outermost:
                _pending.clear()
    return function


def conforms(service_name: str, shape: Shape) -> Check:
    """A check that a value certainly passes botocore's ``ParamValidator`` for ``shape``.

    Built once per service and shape name: types, required and unknown members, tagged unions
    and ``min`` limits as ``ParamValidator`` checks them. It is stricter where a rule is rare
    (documents, JSON values, timestamps given as strings, streams): those answer False, and the
    caller asks ``ParamValidator``. Recursive shapes are looked up when first used.
    """
    return _compiled("check", service_name, shape, _compile)


def _compile(service_name: str, shape: Shape) -> Check:
    kind, meta = shape.type_name, shape.metadata
    least = meta.get("min", 1 if shape.serialization.get("hostLabel") else None)
    if meta.get("document") or meta.get("jsonvalue") or shape.serialization.get("jsonvalue"):
        return lambda value: False
    if kind == "structure":
        return _structure(service_name, shape)
    if kind in ("list", "map"):
        return _container(service_name, shape, least)
    if kind in _SCALARS:
        types = _SCALARS[kind]
        if kind == "boolean" or least is None:
            return lambda value: isinstance(value, types)
        if kind == "string":
            return lambda value: isinstance(value, types) and len(value) >= least
        return lambda value: isinstance(value, types) and value >= least
    if kind == "timestamp":
        return lambda value: isinstance(value, datetime)
    if kind == "blob":
        return lambda value: isinstance(value, bytes | bytearray | str)
    return lambda value: False


def _structure(service_name: str, shape: Shape) -> Check:
    members = {name: conforms(service_name, member) for name, member in shape.members.items()}
    required = tuple(shape.metadata.get("required", ()))
    union = shape.is_tagged_union

    def check(value: Any) -> bool:
        if not isinstance(value, dict) or (union and len(value) != 1):
            return False
        for name in required:
            if name not in value:
                return False
        for name, item in value.items():
            member = members.get(name)
            if member is None or not member(item):
                return False
        return True

    return check


def _container(service_name: str, shape: Shape, least: int | None) -> Check:
    if shape.type_name == "list":
        item = conforms(service_name, shape.member)
        return lambda value: (
            isinstance(value, list | tuple)
            and (least is None or len(value) >= least)
            and all(item(v) for v in value)
        )
    key, item = conforms(service_name, shape.key), conforms(service_name, shape.value)
    return lambda value: (
        isinstance(value, dict)
        and (least is None or len(value) >= least)
        and all(key(k) and item(v) for k, v in value.items())
    )


def error_answer(svc: ServiceModel, error: AWSError) -> tuple[str, int]:
    """Return the wire code and HTTP status of an error, as the model declares them."""
    try:
        meta = svc.shape_for(type(error).__name__).metadata.get("error", {})
    except Exception:  # not a modelled shape (BucketNotEmpty, the "404" of HEAD)
        meta = {}
    code = meta.get("code", error.code) if error.code == type(error).__name__ else error.code
    status = meta.get("httpStatusCode", error.http_status)
    return code, int(status)
