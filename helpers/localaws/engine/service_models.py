"""botocore's service models, the single source of truth for shapes, enums, limits and errors.

Nothing here retypes the model: enums and limits are read from the loaded ``service-2.json``,
responses are coerced (timestamps) and validated against the operation's output shape.
"""

from __future__ import annotations

import functools
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


def to_output(shape: Shape | None, value: Any) -> Any:
    """Coerce a service function's answer to what botocore's parser would give.

    Timestamps stored as epoch seconds become aware datetimes; ``None`` members are dropped.
    """
    if shape is None or value is None:
        return value
    kind = shape.type_name
    if kind == "structure" and isinstance(value, dict):
        out = {}
        for key, item in value.items():
            if item is None:
                continue
            member = shape.members.get(key)
            out[key] = to_output(member, item) if member is not None else item
        return out
    if kind == "list" and isinstance(value, list):
        return [to_output(shape.member, v) for v in value]
    if kind == "map" and isinstance(value, dict):
        return {k: to_output(shape.value, v) for k, v in value.items()}
    if kind == "timestamp":
        return _to_datetime(value)
    return value


def validate_output(op: OperationModel, body: dict) -> None:
    """Check an answer against the operation's output shape.

    Raises:
        InvalidResponseError: a member is missing, unknown or of the wrong type.
    """
    if op.output_shape is None:
        return
    report = ParamValidator().validate(body, op.output_shape)
    if report.has_errors():
        raise InvalidResponseError(
            f"{op.service_model.service_name}:{op.name} answer breaks its output shape: "
            + report.generate_report()
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
