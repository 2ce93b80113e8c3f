"""SSM Parameter Store, locally: String, StringList and SecureString parameters with versions."""

from __future__ import annotations

import time

from helpers.localaws import errors, models
from helpers.localaws.store import Store
from helpers.localaws.sts import ACCOUNT


def _region() -> str:
    from helpers import config

    return config.REGION


def _arn(name: str) -> str:
    return f"arn:aws:ssm:{_region()}:{ACCOUNT}:parameter{name if name.startswith('/') else '/' + name}"


def _public(name: str, doc: dict) -> dict:
    return {
        "Name": name,
        "Type": doc["Type"],
        "Value": doc["Value"],
        "Version": doc["Version"],
        "LastModifiedDate": doc["LastModifiedDate"],
        "ARN": _arn(name),
        "DataType": doc.get("DataType", "text"),
    }


def _get(store: Store, name: str) -> dict:
    doc = store.get("ssm-parameter", name)
    if doc is None:
        raise errors.ParameterNotFound(f"Parameter {name} not found.")
    return doc


def put_parameter(store: Store, params: dict) -> dict:
    """Create a parameter, or a new version of it with ``Overwrite=True``."""
    name = params["Name"]
    old = store.get("ssm-parameter", name)
    if old is not None and not params.get("Overwrite"):
        raise errors.ParameterAlreadyExists(
            f"The parameter {name} already exists. To overwrite this value, set the overwrite option "
            "in the request to true."
        )
    kind = params.get("Type") or (old or {}).get("Type")
    if kind is None:
        raise errors.ValidationException(f"Type is required when creating parameter {name}.")
    if kind not in models.enum("ssm", "ParameterType"):
        raise errors.ValidationException(
            f"Type {kind!r} of {name} is not one of {models.enum('ssm', 'ParameterType')}"
        )
    version = (old or {}).get("Version", 0) + 1
    doc = {
        "Type": kind,
        "Value": params["Value"],
        "Version": version,
        "LastModifiedDate": time.time(),
        "Description": params.get("Description", (old or {}).get("Description")),
        "DataType": params.get("DataType", "text"),
    }
    store.put("ssm-parameter", name, doc)
    return {"Version": version, "Tier": params.get("Tier", "Standard")}


def get_parameter(store: Store, params: dict) -> dict:
    """Return one parameter; ParameterNotFound if absent."""
    return {"Parameter": _public(params["Name"], _get(store, params["Name"]))}


def get_parameters(store: Store, params: dict) -> dict:
    """Return the parameters found; names not found are listed in InvalidParameters."""
    found, invalid = [], []
    for name in params["Names"]:
        doc = store.get("ssm-parameter", name)
        if doc is None:
            invalid.append(name)
        else:
            found.append(_public(name, doc))
    return {"Parameters": found, "InvalidParameters": invalid}


def get_parameters_by_path(store: Store, params: dict) -> dict:
    """Return the parameters under a path (one level, or all with ``Recursive``), paginated."""
    path = params["Path"].rstrip("/") + "/"
    recursive = bool(params.get("Recursive"))
    size = int(params.get("MaxResults") or 10)
    after = params.get("NextToken")
    out, token = [], None
    for name, doc in store.items("ssm-parameter", prefix=path, after=after):
        if not recursive and "/" in name[len(path) :]:
            continue
        if len(out) == size:
            token = out[-1]["Name"]
            break
        out.append(_public(name, doc))
    answer = {"Parameters": out}
    if token:
        answer["NextToken"] = token
    return answer


def delete_parameter(store: Store, params: dict) -> dict:
    """Delete a parameter; ParameterNotFound if absent."""
    _get(store, params["Name"])
    store.delete("ssm-parameter", params["Name"])
    return {}


def delete_parameters(store: Store, params: dict) -> dict:
    """Delete parameters; those not found are listed in InvalidParameters (an empty list is left out)."""
    deleted, invalid = [], []
    for name in params["Names"]:
        (deleted if store.delete("ssm-parameter", name) else invalid).append(name)
    answer = {"DeletedParameters": deleted, "InvalidParameters": invalid}
    return {key: names for key, names in answer.items() if names}  # the model's lists hold at least 1
