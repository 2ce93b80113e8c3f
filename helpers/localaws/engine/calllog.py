"""A log of every call the local backend answers, to check a whole series run against the models.

With ``RECSYS_CALL_LOG=<file>`` set, ``hooks`` appends one JSON line per call: service,
operation, the request as the caller gave it, and the answer (or the error code). The notebook
test sets it for the series run and then checks every request against the operation's input
shape and every answer against its output shape (``tests/notebooks/test_series_calls.py``).
Bytes and streams are logged as their length; timestamps as ISO 8601. Members the service
model marks ``sensitive`` (an SSM parameter's ``Value``, SecureString or not) are logged as
``REDACTED``: the log, a plain file, never holds a secret.
"""

from __future__ import annotations

import functools
import json
import os
from datetime import datetime
from pathlib import Path
from typing import Any

import botocore.session
from botocore.model import OperationModel, Shape

VARIABLE = "RECSYS_CALL_LOG"
"""The environment variable naming the log file; unset, nothing is logged."""

REDACTED = "REDACTED"
"""What the log holds in place of a member the service model marks sensitive."""


def record(service: str, operation: str, params: dict, answer: dict | None, error: str | None) -> None:
    """Append one call to the log named by ``RECSYS_CALL_LOG`` (a no-op when it is unset).

    Args:
        service: botocore's service name.
        operation: the operation's name (``CreateDatasetGroup``).
        params: the request parameters.
        answer: the answer without ``ResponseMetadata`` (None for an error).
        error: the error code (None for a success).
    """
    path = os.environ.get(VARIABLE)
    if not path:
        return
    model = _operation(service, operation)
    entry = {
        "service": service,
        "operation": operation,
        "params": redact(params, model.input_shape),
        "answer": redact(answer, model.output_shape),
        "error": error,
    }
    line = (json.dumps(entry, default=_jsonable, sort_keys=True) + "\n").encode()
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(fd, line)  # one write of an O_APPEND file: lines of processes never interleave
    finally:
        os.close(fd)


@functools.cache
def _operation(service: str, operation: str) -> OperationModel:
    return botocore.session.get_session().get_service_model(service).operation_model(operation)


def redact(value: Any, shape: Shape | None, sensitive: bool = False) -> Any:
    """``value`` with the text of every member its shape marks ``sensitive`` replaced by ``REDACTED``.

    Inside a sensitive structure, list or map only the text leaves are replaced, so that the
    logged request keeps its shape (a PutEvents event stays an object) and still validates.
    """
    if value is None or shape is None:
        return value
    sensitive = sensitive or bool(shape.metadata.get("sensitive"))
    if shape.type_name == "structure" and isinstance(value, dict):
        members = shape.members
        return {k: redact(v, members.get(k), sensitive) for k, v in value.items()}
    if shape.type_name == "list" and isinstance(value, list):
        return [redact(v, shape.member, sensitive) for v in value]
    if shape.type_name == "map" and isinstance(value, dict):
        return {k: redact(v, shape.value, sensitive) for k, v in value.items()}
    if sensitive and isinstance(value, str):
        return REDACTED
    return value


def read(path: Path | str) -> list[dict]:
    """Return the logged calls, in order, bytes and streams restored as empty bytes."""
    with open(path) as f:
        return [_restore(json.loads(line)) for line in f if line.strip()]


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, bytes | bytearray | memoryview):
        return {"__bytes__": len(value)}
    if hasattr(value, "read"):
        return {"__bytes__": -1}
    return repr(value)


def _restore(value: Any) -> Any:
    if isinstance(value, dict):
        if set(value) == {"__bytes__"}:
            return b""
        return {k: _restore(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_restore(v) for v in value]
    return value
