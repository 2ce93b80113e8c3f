"""SSM Parameter Store, locally: String, StringList and SecureString parameters with versions.

The model's limits (name length, enums, tag patterns) are checked centrally (``validation``);
this module adds the documented rules the model does not carry: the naming constraints
(``aws``/``ssm`` prefixes, allowed characters, fully qualified paths, 15 hierarchy levels,
1,011 characters with the ARN before it), value sizes per tier (4 KB Standard, 8 KB Advanced),
``Tags`` not with ``Overwrite``, ``AllowedPattern`` and the ``DataType``s. Each version is kept
(the newest 100), so ``GetParameter`` reads ``name:version`` as SSM does. SecureString values
are kept encrypted with the state folder's key (``Store.encrypt``); without ``WithDecryption``
they are answered in that encrypted form, as AWS answers the KMS ciphertext.
"""

from __future__ import annotations

import re
import time

from helpers.localaws.aws.sts import ACCOUNT
from helpers.localaws.engine import errors
from helpers.localaws.engine.store import Store


def _region() -> str:
    from helpers import config

    return config.REGION


def _arn(name: str) -> str:
    return f"arn:aws:ssm:{_region()}:{ACCOUNT}:parameter{name if name.startswith('/') else '/' + name}"


_NAME_CHARS = re.compile(r"[a-zA-Z0-9_./-]+")
_MAX_LEVELS = 15
_MAX_NAME_WITH_ARN = 1011
"""Characters of a name with the ARN before it (PutParameter's API reference: the model's 2,048
include 1,037 that SSM reserves)."""
_DATA_TYPES = ("text", "aws:ec2:image", "aws:ssm:integration")
"""PutParameter's ``DataType``s (its API reference; the model has only a length)."""
_MAX_VERSIONS = 100
"""Versions SSM keeps of a parameter (older ones are deleted as new ones arrive)."""
_TIER_MAX = {"Standard": 4096, "Advanced": 8192, "Intelligent-Tiering": 8192}
"""Largest value (characters) per tier; Intelligent-Tiering picks Advanced above 4,096."""


def _check_name(name: str) -> None:
    """Raise what SSM answers to a name that breaks its naming constraints."""
    if not _NAME_CHARS.fullmatch(name):
        raise errors.ValidationException(
            f"Parameter name {name!r}: can include only the following symbols and letters: "
            "a-zA-Z0-9_.-/ (no spaces)."
        )
    if re.match(r"/?(aws|ssm)", name, re.IGNORECASE):
        raise errors.ValidationException(
            f'Parameter name {name}: can\'t be prefixed with "aws" or "ssm" (case-insensitive).'
        )
    if "/" in name and (not name.startswith("/") or "//" in name or name.endswith("/")):
        raise errors.ValidationException(
            f"Parameter name {name} must be a fully qualified name: a leading /, and no empty level."
        )
    if len(_arn(name)) > _MAX_NAME_WITH_ARN:
        raise errors.ValidationException(
            f"Parameter name {name[:40]}…: with the ARN before it, {len(_arn(name)):,} characters; "
            f"the maximum is {_MAX_NAME_WITH_ARN:,}."
        )
    levels = name.strip("/").count("/") + 1
    if levels > _MAX_LEVELS:
        raise errors.HierarchyLevelLimitExceededException(
            f"Parameter name {name} has {levels} hierarchy levels; the maximum allowed is {_MAX_LEVELS}."
        )


def _tier(name: str, value: str, tier: str) -> str:
    """Return the tier a value is stored in; ValidationException if it is too large for it."""
    if len(value) > _TIER_MAX[tier]:
        raise errors.ValidationException(
            f"Value of {name} has {len(value):,} characters: {tier} tier parameters support a maximum "
            f"parameter value of {_TIER_MAX[tier]:,} characters."
            + (" To store a larger value, use the Advanced tier." if tier == "Standard" else "")
        )
    if tier == "Intelligent-Tiering":
        return "Advanced" if len(value) > _TIER_MAX["Standard"] else "Standard"
    return tier


def _check_pattern(name: str, value: str, pattern: str | None) -> None:
    if not pattern:
        return
    try:
        compiled = re.compile(pattern)
    except re.error as exc:
        raise errors.InvalidAllowedPatternException(
            f"AllowedPattern {pattern!r} of {name} is not a valid regular expression: {exc}"
        ) from exc
    if not compiled.search(value):
        raise errors.ParameterPatternMismatchException(
            f"Parameter value of {name}, cannot be validated against allowedPattern: {pattern}"
        )


def _public(store: Store, name: str, doc: dict, decrypt: bool = False) -> dict:
    value = doc["Value"]
    if doc["Type"] == "SecureString" and decrypt:
        value = store.decrypt(value)
    return {
        "Name": name,
        "Type": doc["Type"],
        "Value": value,
        "Version": doc["Version"],
        "LastModifiedDate": doc["LastModifiedDate"],
        "ARN": _arn(name),
        "DataType": doc.get("DataType", "text"),
        **({"Selector": doc["Selector"]} if "Selector" in doc else {}),
    }


def _get(store: Store, name: str) -> dict:
    doc = store.get("ssm-parameter", name)
    if doc is None:
        raise errors.ParameterNotFound(f"Parameter {name} not found.")
    return doc


def _selected(store: Store, requested: str) -> tuple[str, dict]:
    """The parameter a ``name`` or ``name:version`` asks for, as ``(name, that version's document)``.

    Raises:
        ParameterNotFound: no such parameter, or a label selector (labels are not emulated).
        ParameterVersionNotFound: the parameter has no such version (any more).
    """
    name, _, selector = requested.partition(":")
    doc = _get(store, name)
    if not selector:
        return name, doc
    if not selector.isdigit():
        raise errors.ParameterNotFound(f"Parameter {requested} not found: no version label {selector}.")
    version = (doc.get("Versions") or {}).get(str(int(selector)))
    if version is None and int(selector) != doc["Version"]:
        raise errors.ParameterVersionNotFound(
            f"Systems Manager could not find version {selector} of {name}. Verify the version and try again."
        )
    return name, {**doc, **(version or {}), "Selector": f":{selector}"}


def put_parameter(store: Store, params: dict) -> dict:
    """Create a parameter, or a new version of it with ``Overwrite=True``."""
    name = params["Name"]
    _check_name(name)
    if params.get("Tags") and params.get("Overwrite"):
        raise errors.ValidationException(
            f"Invalid request for {name}: Tags and Overwrite can't be used together. To update the tags "
            "of an existing parameter, use AddTagsToResource or RemoveTagsFromResource."
        )
    old = store.get("ssm-parameter", name)
    if old is not None and not params.get("Overwrite"):
        raise errors.ParameterAlreadyExists(
            f"The parameter {name} already exists. To overwrite this value, set the overwrite option "
            "in the request to true."
        )
    kind = params.get("Type") or (old or {}).get("Type")
    if kind is None:
        raise errors.ValidationException(f"Type is required when creating parameter {name}.")
    data_type = params.get("DataType", "text")
    if data_type not in _DATA_TYPES:
        raise errors.ValidationException(
            f"DataType {data_type!r} of {name} is not supported; use one of {', '.join(_DATA_TYPES)}."
        )
    value = params["Value"]
    tier = _tier(name, value, params.get("Tier") or (old or {}).get("Tier") or "Standard")
    if (old or {}).get("Tier") == "Advanced" and tier == "Standard":
        raise errors.ValidationException(
            f"Parameter {name} uses the advanced-parameter tier; it cannot be downgraded to Standard."
        )
    pattern = params.get("AllowedPattern", (old or {}).get("AllowedPattern"))
    _check_pattern(name, value, pattern)
    version = (old or {}).get("Version", 0) + 1
    doc = {
        "Type": kind,
        "Value": store.encrypt(value) if kind == "SecureString" else value,
        "Version": version,
        "LastModifiedDate": time.time(),
        "Description": params.get("Description", (old or {}).get("Description")),
        "DataType": data_type,
        "Tier": tier,
        "AllowedPattern": pattern,
        "Tags": params.get("Tags") or (old or {}).get("Tags") or [],
        "Versions": _earlier_versions(old),
    }
    store.put("ssm-parameter", name, doc)
    return {"Version": version, "Tier": tier}


_VERSIONED = ("Type", "Value", "Version", "LastModifiedDate", "DataType")
"""The fields of a parameter's document that a ``name:version`` selector answers from that version."""


def _earlier_versions(old: dict | None) -> dict:
    """The versions to keep beside a new one: ``old``'s earlier ones and ``old`` itself, newest 99."""
    if old is None:
        return {}
    kept = {**(old.get("Versions") or {}), str(old["Version"]): {k: old[k] for k in _VERSIONED}}
    newest = sorted(kept, key=int)[-(_MAX_VERSIONS - 1) :]
    return {v: kept[v] for v in newest}


def get_parameter(store: Store, params: dict) -> dict:
    """Return one parameter, or one version of it with ``name:version`` (SecureString decrypted
    ``WithDecryption`` only); ParameterNotFound / ParameterVersionNotFound if absent."""
    name, doc = _selected(store, params["Name"])
    return {"Parameter": _public(store, name, doc, params.get("WithDecryption", False))}


def get_parameters(store: Store, params: dict) -> dict:
    """Return the parameters found; names not found are listed in InvalidParameters."""
    found, invalid = [], []
    for requested in params["Names"]:
        try:
            name, doc = _selected(store, requested)
        except (errors.ParameterNotFound, errors.ParameterVersionNotFound):
            invalid.append(requested)
        else:
            found.append(_public(store, name, doc, params.get("WithDecryption", False)))
    return {"Parameters": found, **({"InvalidParameters": invalid} if invalid else {})}


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
        out.append(_public(store, name, doc, params.get("WithDecryption", False)))
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
    """Delete parameters; those not found are listed in InvalidParameters."""
    deleted, invalid = [], []
    for name in params["Names"]:
        (deleted if store.delete("ssm-parameter", name) else invalid).append(name)
    answer = {"DeletedParameters": deleted, "InvalidParameters": invalid}
    return {k: v for k, v in answer.items() if v}  # the model's lists have at least one member
