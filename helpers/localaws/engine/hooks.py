"""botocore's event hooks that answer API calls locally, the way botocore's Stubber does.

``before-parameter-build`` keeps the API parameters (as the caller gave them, before
serialisation) in the request context; botocore then validates them against the model and
serialises the request as usual; ``before-call`` checks it against the constraints of the model
that botocore leaves to the service (``validation``), then answers with ``(http_response,
parsed)`` from ``<service module>.<xform_name(operation)>(store, params)`` (``SERVICES``), so
botocore never sends anything. Unknown services or operations raise ``NotEmulatedError``.

Before that, outside any transaction, the asynchronous work the call depends on (the service
module's ``pending_work``) is settled, so the answer does not depend on thread scheduling
(``jobs`` says what a caller observes). Write operations run in one store
transaction; the answer is coerced and validated against
the output shape before the transaction commits, so a wrong answer saves nothing.
"""

from __future__ import annotations

import functools
import importlib
import uuid
from pathlib import Path
from types import ModuleType
from typing import Any

import botocore.session
from botocore import xform_name
from botocore.awsrequest import AWSResponse
from botocore.model import OperationModel

from helpers.localaws.engine import calllog, jobs, validation
from helpers.localaws.engine import service_models as models
from helpers.localaws.engine.errors import AWSError, NotEmulatedError
from helpers.localaws.engine.store import Store

SERVICES = {
    "s3": "helpers.localaws.aws.s3",
    "ssm": "helpers.localaws.aws.ssm",
    "iam": "helpers.localaws.aws.iam",
    "sts": "helpers.localaws.aws.sts",
    "cloudwatch": "helpers.localaws.aws.cloudwatch",
    "personalize": "helpers.localaws.personalize.control_plane",
    "personalize-runtime": "helpers.localaws.personalize.runtime",
    "personalize-events": "helpers.localaws.personalize.events",
}
"""Services the local backend answers, and the module answering each (imported on first use);
every other service raises ``NotEmulatedError``."""

_PARAMS = "localaws_params"
_READ_PREFIXES = ("Get", "Describe", "List", "Head")
_store: Store | None = None
_installed = False


def use_state(root: Path) -> Store:
    """Answer from the state folder ``root`` from now on (keeping the open store if it is that one)."""
    global _store
    if _store is None or _store.root != root:
        _store = Store(root)
    return _store


def current_store() -> Store:
    """Return the store the hooks answer from."""
    if _store is None:
        raise RuntimeError("the local backend is not installed: call helpers.aws.activate() first")
    return _store


def _module(service: str) -> ModuleType | None:
    return importlib.import_module(SERVICES[service]) if service in SERVICES else None


@functools.cache
def _import_services() -> None:
    """Import every service module once, so that every kind of asynchronous work is registered
    (``jobs.register``) before any is settled: work left by another process can be of any kind."""
    for module_name in SERVICES.values():
        importlib.import_module(module_name)


def capture_params(params: dict, context: dict, **_: Any) -> None:
    """``before-parameter-build``: keep the caller's parameters for ``answer``."""
    context[_PARAMS] = params


def answer(model: OperationModel, context: dict, **_: Any) -> tuple[AWSResponse, dict]:
    """``before-call``: compute the answer locally and hand it to botocore."""
    service = model.service_model.service_name
    module = _module(service)
    fn = getattr(module, xform_name(model.name), None) if module else None
    if fn is None:
        raise NotEmulatedError(service, model.name)
    store = current_store()
    params = context.get(_PARAMS, {})
    request_id = uuid.uuid4().hex
    try:
        validation.validate(model, params)
        pending_work = getattr(module, "pending_work", None)
        if pending_work is not None:  # answer as AWS does once the work the call depends on is done
            _import_services()
            jobs.settle(store, pending_work(store, model.name, params))
        if model.name.startswith(_READ_PREFIXES) or not getattr(fn, "transactional", True):
            body = _finish(model, fn(store, params))
        else:
            with store.transaction():
                body = _finish(model, fn(store, params))
    except AWSError as err:
        code, status = models.error_answer(model.service_model, err)
        calllog.record(service, model.name, params, None, code)
        parsed = {
            "Error": {"Code": code, "Message": err.message},
            "ResponseMetadata": _meta(request_id, status),
        }
        return AWSResponse(_url(model), status, {}, None), parsed
    status = int(body.pop("_status", 200)) if "_status" in body else 200
    calllog.record(service, model.name, params, body, None)
    body["ResponseMetadata"] = _meta(request_id, status)
    return AWSResponse(_url(model), status, {}, None), body


def _finish(model: OperationModel, result: dict | None) -> dict:
    result = dict(result or {})
    status = result.pop("_status", None)
    body = (
        models.to_output(model.service_model.service_name, model.output_shape, result)
        if model.output_shape
        else {}
    )
    models.validate_output(model, body)
    if status is not None:
        body["_status"] = status
    return body


def _meta(request_id: str, status: int) -> dict:
    return {"RequestId": request_id, "HTTPStatusCode": status, "HTTPHeaders": {}, "RetryAttempts": 0}


def _url(model: OperationModel) -> str:
    return f"local://{model.service_model.service_name}/{model.name}"


def register(events: Any) -> None:
    """Register both hooks on an event emitter (a session's or a client's)."""
    events.register("before-parameter-build", capture_params, unique_id="localaws-params")
    events.register("before-call", answer, unique_id="localaws-answer")


def patch_sessions() -> None:
    """Make every botocore session, existing or future, create clients answered locally."""
    global _installed
    if _installed:
        return
    original_init = botocore.session.Session.__init__
    original_create_client = botocore.session.Session.create_client

    def __init__(self: botocore.session.Session, *args: Any, **kwargs: Any) -> None:
        original_init(self, *args, **kwargs)
        register(self.get_component("event_emitter"))

    def create_client(self: botocore.session.Session, *args: Any, **kwargs: Any) -> Any:
        client = original_create_client(self, *args, **kwargs)
        register(client.meta.events)  # unique ids: a no-op when the session already has them
        return client

    botocore.session.Session.__init__ = __init__
    botocore.session.Session.create_client = create_client
    _installed = True
