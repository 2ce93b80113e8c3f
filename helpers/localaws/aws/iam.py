"""IAM, locally: roles, managed policies and their attachments, inline policies (kept, not enforced).

Names, paths and lengths are checked against the model centrally (``validation``); policy
documents against the policy grammar (``policies``): a trust policy needs a ``Principal``, an
inline or customer managed policy a ``Resource``. Role and policy names are unique regardless of
case, as in IAM.

**Customer managed policies** (CreatePolicy, GetPolicy, GetPolicyVersion, ListPolicies,
DeletePolicy) have one version, ``v1``, the default; attaching one to a role counts in its
``AttachmentCount``, and DeletePolicy refuses (DeleteConflict) while a role has it attached.
AttachRolePolicy refuses (NoSuchEntity) a customer managed policy ARN of this account that does
not exist, as IAM does, and an AWS managed policy (``arn:aws:iam::aws:policy/…``) that is not
among those the local backend knows (``AWS_MANAGED_POLICIES``); ListPolicies lists only the
customer managed ones (``Scope`` ``AWS`` lists none).

The sizes are IAM's quotas (its user guide's "IAM and AWS STS quotas"): a trust policy of at
most 2,048 characters and a role's inline policies of at most 10,240 together, white space not
counted.
"""

from __future__ import annotations

import time
import urllib.parse
import uuid

from helpers.localaws.aws import policies
from helpers.localaws.aws.sts import ACCOUNT
from helpers.localaws.engine import errors
from helpers.localaws.engine.store import Store

MAX_TRUST_POLICY = 2048
MAX_INLINE_POLICIES = 10_240
AWS_MANAGED_POLICIES = frozenset(
    "arn:aws:iam::aws:policy/" + name
    for name in (
        "AdministratorAccess",
        "PowerUserAccess",
        "ReadOnlyAccess",
        "IAMReadOnlyAccess",
        "AmazonS3FullAccess",
        "AmazonS3ReadOnlyAccess",
        "AmazonSSMFullAccess",
        "AmazonSSMReadOnlyAccess",
        "CloudWatchFullAccess",
        "CloudWatchReadOnlyAccess",
        "CloudWatchLogsFullAccess",
        "AmazonSageMakerFullAccess",
        "service-role/AmazonPersonalizeFullAccess",
        "service-role/AWSLambdaBasicExecutionRole",
    )
)
"""The AWS managed policies a role of this series (or of a reader's experiment) attaches."""


def _role(store: Store, name: str) -> dict:
    doc = store.get("iam-role", name)
    if doc is None:
        raise errors.NoSuchEntityException(f"The role with name {name} cannot be found.")
    return doc


def _check_document(text: str, kind: policies.PolicyKind, what: str) -> None:
    reason = policies.problem(text, kind)
    if reason:
        raise errors.MalformedPolicyDocumentException(f"{what}: {reason}")


def _public(doc: dict) -> dict:
    role = {k: doc[k] for k in ("Path", "RoleName", "RoleId", "Arn", "CreateDate", "MaxSessionDuration")}
    # IAM sends policy documents URL-encoded; botocore decodes them into dicts after the call
    role["AssumeRolePolicyDocument"] = urllib.parse.quote(doc["AssumeRolePolicyDocument"])
    if doc.get("Description"):
        role["Description"] = doc["Description"]
    if doc.get("Tags"):
        role["Tags"] = doc["Tags"]
    return role


def create_role(store: Store, params: dict) -> dict:
    """Create a role; EntityAlreadyExists if the name is taken."""
    name, path = params["RoleName"], params.get("Path", "/")
    _check_document(params["AssumeRolePolicyDocument"], "trust", f"The assume role policy document of {name}")
    if policies.size(params["AssumeRolePolicyDocument"]) > MAX_TRUST_POLICY:
        raise errors.LimitExceededException(
            f"Cannot exceed quota for ACLSizePerRole: {MAX_TRUST_POLICY} (AssumeRolePolicyDocument of {name})"
        )
    taken = [k for k, _ in store.items("iam-role") if k.lower() == name.lower()]
    if taken:
        raise errors.EntityAlreadyExistsException(f"Role with name {taken[0]} already exists.")
    doc = {
        "Path": path,
        "RoleName": name,
        "RoleId": "AROA" + uuid.uuid4().hex[:17].upper(),
        "Arn": f"arn:aws:iam::{ACCOUNT}:role{path}{name}",
        "CreateDate": time.time(),
        "AssumeRolePolicyDocument": params["AssumeRolePolicyDocument"],
        "Description": params.get("Description"),
        "MaxSessionDuration": int(params.get("MaxSessionDuration", 3600)),
        "Tags": params.get("Tags") or [],
        "Policies": [],
    }
    if not store.insert("iam-role", name, doc):
        raise errors.EntityAlreadyExistsException(f"Role with name {name} already exists.")
    return {"Role": _public(doc)}


def get_role(store: Store, params: dict) -> dict:
    """Return a role; NoSuchEntity if absent."""
    return {"Role": _public(_role(store, params["RoleName"]))}


def list_roles(store: Store, params: dict) -> dict:
    """List roles under a path prefix, paginated with Marker/MaxItems."""
    prefix = params.get("PathPrefix", "/")
    size = int(params.get("MaxItems", 100))
    roles = [
        d for _, d in store.items("iam-role", after=params.get("Marker")) if d["Path"].startswith(prefix)
    ]
    answer = {"Roles": [_public(d) for d in roles[:size]], "IsTruncated": len(roles) > size}
    if len(roles) > size:
        answer["Marker"] = roles[size - 1]["RoleName"]
    return answer


def attach_role_policy(store: Store, params: dict) -> dict:
    """Attach a managed policy (by ARN) to a role; a customer managed one must exist."""
    doc = _role(store, params["RoleName"])
    arn = params["PolicyArn"]
    if not arn.startswith("arn:aws:iam::"):
        raise errors.InvalidInputException(f"ARN {arn} is not valid.")
    if arn.startswith(_POLICY_PREFIX):
        _policy(store, arn)
    elif arn not in AWS_MANAGED_POLICIES:
        raise errors.NoSuchEntityException(f"Policy {arn} does not exist or is not attachable.")
    if arn not in doc["Policies"]:
        store.update("iam-role", params["RoleName"], {"Policies": doc["Policies"] + [arn]})
    return {}


def detach_role_policy(store: Store, params: dict) -> dict:
    """Detach a managed policy; NoSuchEntity if it is not attached."""
    doc = _role(store, params["RoleName"])
    arn = params["PolicyArn"]
    if arn not in doc["Policies"]:
        raise errors.NoSuchEntityException(f"Policy {arn} was not found.")
    store.update("iam-role", params["RoleName"], {"Policies": [p for p in doc["Policies"] if p != arn]})
    return {}


def list_attached_role_policies(store: Store, params: dict) -> dict:
    """List the managed policies attached to a role."""
    doc = _role(store, params["RoleName"])
    policies = [{"PolicyName": arn.rsplit("/", 1)[-1], "PolicyArn": arn} for arn in doc["Policies"]]
    return {"AttachedPolicies": policies, "IsTruncated": False}


def put_role_policy(store: Store, params: dict) -> dict:
    """Add or replace a role's inline policy; MalformedPolicyDocument if it is not JSON."""
    doc = _role(store, params["RoleName"])
    name = params["PolicyName"]
    _check_document(params["PolicyDocument"], "identity", f"Policy {name} of role {params['RoleName']}")
    inline = {**doc.get("InlinePolicies", {}), name: params["PolicyDocument"]}
    total = sum(policies.size(text) for text in inline.values())
    if total > MAX_INLINE_POLICIES:
        raise errors.LimitExceededException(
            f"Maximum policy size of {MAX_INLINE_POLICIES} bytes exceeded for role {params['RoleName']}: "
            f"its inline policies with {name} would have {total:,} characters."
        )
    store.update("iam-role", params["RoleName"], {"InlinePolicies": inline})
    return {}


def get_role_policy(store: Store, params: dict) -> dict:
    """Return one inline policy of a role; NoSuchEntity if the role has none of that name."""
    doc = _role(store, params["RoleName"])
    name = params["PolicyName"]
    if name not in doc.get("InlinePolicies", {}):
        raise errors.NoSuchEntityException(
            f"The role policy with name {name} cannot be found on role {params['RoleName']}."
        )
    document = urllib.parse.quote(doc["InlinePolicies"][name])
    return {"RoleName": params["RoleName"], "PolicyName": name, "PolicyDocument": document}


def list_role_policies(store: Store, params: dict) -> dict:
    """List the names of a role's inline policies, sorted."""
    doc = _role(store, params["RoleName"])
    return {"PolicyNames": sorted(doc.get("InlinePolicies", {})), "IsTruncated": False}


def delete_role_policy(store: Store, params: dict) -> dict:
    """Delete an inline policy of a role; NoSuchEntity if there is none of that name."""
    doc = _role(store, params["RoleName"])
    name = params["PolicyName"]
    inline = dict(doc.get("InlinePolicies", {}))
    if inline.pop(name, None) is None:
        raise errors.NoSuchEntityException(
            f"The role policy with name {name} cannot be found on role {params['RoleName']}."
        )
    store.update("iam-role", params["RoleName"], {"InlinePolicies": inline})
    return {}


def delete_role(store: Store, params: dict) -> dict:
    """Delete a role; DeleteConflict while managed or inline policies remain."""
    doc = _role(store, params["RoleName"])
    if doc["Policies"]:
        raise errors.DeleteConflictException("Cannot delete entity, must detach all policies first.")
    if doc.get("InlinePolicies"):
        raise errors.DeleteConflictException("Cannot delete entity, must delete policies first.")
    store.delete("iam-role", params["RoleName"])
    return {}


# --- customer managed policies --------------------------------------------------------------
_POLICY_PREFIX = f"arn:aws:iam::{ACCOUNT}:policy/"
_SCOPES = ("All", "AWS", "Local")


def _policy(store: Store, arn: str) -> dict:
    doc = store.get("iam-policy", arn)
    if doc is None:
        raise errors.NoSuchEntityException(f"Policy {arn} does not exist or is not attachable.")
    return doc


def _attachments(store: Store, arn: str) -> list[str]:
    """The names of the roles a managed policy is attached to, sorted."""
    return sorted(name for name, role in store.items("iam-role") if arn in role["Policies"])


def _public_policy(store: Store, doc: dict) -> dict:
    policy = {k: doc[k] for k in ("PolicyName", "PolicyId", "Arn", "Path", "DefaultVersionId", "CreateDate")}
    policy.update(
        AttachmentCount=len(_attachments(store, doc["Arn"])),
        PermissionsBoundaryUsageCount=0,
        IsAttachable=True,
        UpdateDate=doc["CreateDate"],
    )
    for member in ("Description", "Tags"):
        if doc.get(member):
            policy[member] = doc[member]
    return policy


def create_policy(store: Store, params: dict) -> dict:
    """Create a customer managed policy; EntityAlreadyExists if the name is taken (any case)."""
    name, path = params["PolicyName"], params.get("Path", "/")
    _check_document(params["PolicyDocument"], "identity", f"Policy {name}")
    taken = [d["PolicyName"] for _, d in store.items("iam-policy") if d["PolicyName"].lower() == name.lower()]
    if taken:
        raise errors.EntityAlreadyExistsException(
            f"A policy called {taken[0]} already exists. Duplicate names are not allowed."
        )
    arn = f"arn:aws:iam::{ACCOUNT}:policy{path}{name}"
    doc = {
        "PolicyName": name,
        "PolicyId": "ANPA" + uuid.uuid4().hex[:17].upper(),
        "Arn": arn,
        "Path": path,
        "DefaultVersionId": "v1",
        "CreateDate": time.time(),
        "Description": params.get("Description"),
        "Tags": params.get("Tags") or [],
        "Document": params["PolicyDocument"],
    }
    store.insert("iam-policy", arn, doc)
    return {"Policy": _public_policy(store, doc)}


def get_policy(store: Store, params: dict) -> dict:
    """Return a customer managed policy; NoSuchEntity if absent."""
    return {"Policy": _public_policy(store, _policy(store, params["PolicyArn"]))}


def get_policy_version(store: Store, params: dict) -> dict:
    """Return a policy's document (its one version, ``v1``); NoSuchEntity for another version."""
    doc = _policy(store, params["PolicyArn"])
    if params["VersionId"] != doc["DefaultVersionId"]:
        raise errors.NoSuchEntityException(
            f"Policy {doc['Arn']} version {params['VersionId']} does not exist or is not attachable."
        )
    version = {
        "Document": urllib.parse.quote(doc["Document"]),
        "VersionId": doc["DefaultVersionId"],
        "IsDefaultVersion": True,
        "CreateDate": doc["CreateDate"],
    }
    return {"PolicyVersion": version}


def list_policies(store: Store, params: dict) -> dict:
    """List the customer managed policies (``Scope`` ``All`` or ``Local``), by ``PathPrefix`` and
    ``OnlyAttached``, paginated with Marker/MaxItems."""
    scope = params.get("Scope", "All")
    if scope not in _SCOPES:
        raise errors.InvalidInputException(f"Scope must be one of {', '.join(_SCOPES)}, not {scope}.")
    prefix, size = params.get("PathPrefix", "/"), int(params.get("MaxItems", 100))
    found = [] if scope == "AWS" else [d for _, d in store.items("iam-policy", after=params.get("Marker"))]
    found = [d for d in found if d["Path"].startswith(prefix)]
    if params.get("OnlyAttached"):
        found = [d for d in found if _attachments(store, d["Arn"])]
    answer = {"Policies": [_public_policy(store, d) for d in found[:size]], "IsTruncated": len(found) > size}
    if len(found) > size:
        answer["Marker"] = found[size - 1]["Arn"]
    return answer


def delete_policy(store: Store, params: dict) -> dict:
    """Delete a customer managed policy; DeleteConflict while a role has it attached."""
    arn = params["PolicyArn"]
    _policy(store, arn)
    attached = _attachments(store, arn)
    if attached:
        raise errors.DeleteConflictException(
            f"Cannot delete a policy attached to entities: {arn} is attached to role {attached[0]}."
        )
    store.delete("iam-policy", arn)
    return {}
