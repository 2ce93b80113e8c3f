"""The grammar of IAM policy documents, as IAM and S3 check it before they keep a policy.

Policies are kept, not enforced, by the local backend; but a document AWS would refuse is
refused here too, with the reason AWS gives: not JSON, an unknown ``Version``, no
``Statement``, an ``Effect`` other than ``Allow``/``Deny``, no ``Action``, an action without its
service prefix (``s3:GetObject``, or ``*``), and the elements each kind of policy requires or
forbids:

- ``identity`` (inline role policies): a ``Resource``, no ``Principal``;
- ``trust`` (a role's assume-role policy): a ``Principal``, no ``Resource``;
- ``resource`` (bucket policies): a ``Principal`` and a ``Resource`` inside the bucket.

IAM's own documents (``identity`` and ``trust``) also need alphanumeric, unique ``Sid``s and, for
an identity policy, resources that are ARNs or ``*`` (the IAM user guide's "IAM JSON policy
element reference": Sid, Action, Resource). ``size`` counts a document as IAM's quotas do.
"""

from __future__ import annotations

import json
import re
from typing import Literal

PolicyKind = Literal["identity", "trust", "resource"]

VERSIONS = ("2012-10-17", "2008-10-17")
_EFFECTS = ("Allow", "Deny")
_ELEMENTS = {
    "Sid", "Effect", "Principal", "NotPrincipal", "Action", "NotAction",
    "Resource", "NotResource", "Condition",
}  # fmt: skip
_SID = re.compile(r"[0-9A-Za-z]*")


def size(text: str) -> int:
    """A policy's size as IAM's quotas count it: its characters but white space."""
    return sum(not ch.isspace() for ch in text)


def _listed(value: object) -> list:
    return [value] if isinstance(value, str) else list(value) if isinstance(value, list) else []


def problem(text: str, kind: PolicyKind, bucket: str | None = None) -> str | None:
    """Return why AWS would refuse a policy document, or None if it is well formed.

    Args:
        text: the policy document, a JSON string.
        kind: ``identity``, ``trust`` or ``resource`` (see the module docstring).
        bucket: for a ``resource`` policy, the bucket its resources must lie in.

    Returns:
        A short reason in AWS's words (``Missing required field Principal``), or None.
    """
    if not text.lstrip().startswith("{"):
        return "Policies must be valid JSON and the first byte must be '{'"
    try:
        doc = json.loads(text)
    except ValueError as exc:
        return f"Policy is not valid JSON: {exc}"
    if not isinstance(doc, dict):
        return "Policies must be valid JSON and the first byte must be '{'"
    if "Version" in doc and doc["Version"] not in VERSIONS:
        return f"The policy failed legacy parsing: Version {doc['Version']!r} is not one of {list(VERSIONS)}"
    statements = doc.get("Statement")
    if isinstance(statements, dict):
        statements = [statements]
    if not statements or not isinstance(statements, list):
        return "Missing required field Statement"
    sids = [s.get("Sid") for s in statements if isinstance(s, dict) and "Sid" in s]
    if kind != "resource" and len(sids) != len(set(map(str, sids))):
        return "Statement IDs (SID) in a single policy must be unique."
    for index, statement in enumerate(statements, start=1):
        reason = _statement_problem(statement, kind, bucket)
        if reason:
            return f"Statement {index}: {reason}" if len(statements) > 1 else reason
    return None


def _statement_problem(statement: object, kind: PolicyKind, bucket: str | None) -> str | None:
    if not isinstance(statement, dict):
        return "Statement must be a JSON object"
    unknown = sorted(set(statement) - _ELEMENTS)
    if unknown:
        return f"Unknown field {unknown[0]}"
    if statement.get("Effect") not in _EFFECTS:
        return f"Invalid effect: {statement.get('Effect')}"
    if "Action" not in statement and "NotAction" not in statement:
        return "Missing required field Action"
    if kind != "resource" and not _SID.fullmatch(str(statement.get("Sid", ""))):
        return (
            f"Statement IDs (SID) must be alpha-numeric: {statement['Sid']!r}. Check that your input "
            "satisfies the regular expression [0-9A-Za-z]*"
        )
    for action in _listed(statement.get("Action", statement.get("NotAction"))):
        if action != "*" and ":" not in str(action):
            if kind == "resource":
                return f"Policy has invalid action: {action}"
            return f"Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.: {action}"
    has_principal = "Principal" in statement or "NotPrincipal" in statement
    has_resource = "Resource" in statement or "NotResource" in statement
    if kind == "identity" and has_principal:
        return "Policy document should not specify a principal."
    if kind in ("trust", "resource") and not has_principal:
        return "Missing required field Principal"
    if kind == "trust" and has_resource:
        return "Has prohibited field Resource"
    if kind in ("identity", "resource") and not has_resource:
        return "Missing required field Resource"
    if kind == "identity":
        for resource in _listed(statement.get("Resource", statement.get("NotResource"))):
            if resource != "*" and not str(resource).startswith("arn:"):
                return f'Resource {resource} must be in ARN format or "*".'

    if kind == "resource" and bucket:
        resources = statement.get("Resource", statement.get("NotResource"))
        for resource in [resources] if isinstance(resources, str) else resources or []:
            own = f"arn:aws:s3:::{bucket}"
            if resource != own and not str(resource).startswith(own + "/"):
                return f"Policy has invalid resource: {resource}"
    return None
