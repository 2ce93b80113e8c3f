"""Contract tests of the local IAM (roles and policy attachments)."""

from __future__ import annotations

import json

import pytest

from tests.contract.conftest import assert_error, assert_valid, snapshot

TRUST = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "personalize.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
)
POLICY = "arn:aws:iam::aws:policy/service-role/AmazonPersonalizeFullAccess"


@pytest.fixture
def role(iam):
    return iam.create_role(RoleName="r1", AssumeRolePolicyDocument=TRUST)["Role"]


def test_create_role(iam):
    answer = iam.create_role(RoleName="r1", AssumeRolePolicyDocument=TRUST, Description="d")
    assert_valid(iam, "CreateRole")
    assert answer["Role"]["Arn"] == "arn:aws:iam::123456789012:role/r1"
    assert answer["Role"]["AssumeRolePolicyDocument"] == json.loads(TRUST)  # botocore decodes it


def test_create_role__already_exists(iam, role):
    assert_error(
        lambda: iam.create_role(RoleName="r1", AssumeRolePolicyDocument=TRUST),
        "EntityAlreadyExists",
        409,
        "r1",
    )
    assert len(iam.list_roles()["Roles"]) == 1


def test_create_role__malformed_policy(iam):
    assert_error(
        lambda: iam.create_role(RoleName="r2", AssumeRolePolicyDocument="{not json"),
        "MalformedPolicyDocument",
        400,
        "r2",
    )
    assert iam.list_roles()["Roles"] == []


def test_get_role(iam, role):
    assert iam.get_role(RoleName="r1")["Role"]["RoleId"] == role["RoleId"]
    assert_valid(iam, "GetRole")


def test_get_role__no_such_entity(iam):
    with pytest.raises(iam.exceptions.NoSuchEntityException):
        iam.get_role(RoleName="nope")
    assert_error(lambda: iam.get_role(RoleName="nope"), "NoSuchEntity", 404, "nope")


def test_list_roles(iam, role):
    iam.create_role(RoleName="r0", AssumeRolePolicyDocument=TRUST)
    answer = iam.list_roles()
    assert_valid(iam, "ListRoles")
    assert [r["RoleName"] for r in answer["Roles"]] == ["r0", "r1"]


def test_attach_role_policy(iam, role):
    iam.attach_role_policy(RoleName="r1", PolicyArn=POLICY)
    answer = iam.list_attached_role_policies(RoleName="r1")
    assert_valid(iam, "ListAttachedRolePolicies")
    assert answer["AttachedPolicies"] == [{"PolicyName": "AmazonPersonalizeFullAccess", "PolicyArn": POLICY}]


def test_detach_role_policy(iam, role):
    iam.attach_role_policy(RoleName="r1", PolicyArn=POLICY)
    iam.detach_role_policy(RoleName="r1", PolicyArn=POLICY)
    assert iam.list_attached_role_policies(RoleName="r1")["AttachedPolicies"] == []


def test_detach_role_policy__not_attached(iam, role):
    assert_error(lambda: iam.detach_role_policy(RoleName="r1", PolicyArn=POLICY), "NoSuchEntity", 404, POLICY)


def test_delete_role(iam, role):
    iam.delete_role(RoleName="r1")
    assert iam.list_roles()["Roles"] == []


def test_delete_role__delete_conflict(iam, role):
    iam.attach_role_policy(RoleName="r1", PolicyArn=POLICY)
    with pytest.raises(iam.exceptions.DeleteConflictException):
        iam.delete_role(RoleName="r1")
    assert_error(lambda: iam.delete_role(RoleName="r1"), "DeleteConflict", 409, "detach")
    assert iam.get_role(RoleName="r1")["Role"]["RoleName"] == "r1"


INLINE = json.dumps(
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}
)


def test_put_role_policy(iam, role):
    iam.put_role_policy(RoleName="r1", PolicyName="read", PolicyDocument=INLINE)
    answer = iam.get_role_policy(RoleName="r1", PolicyName="read")
    assert_valid(iam, "GetRolePolicy")
    assert answer["PolicyDocument"] == json.loads(INLINE)  # botocore decodes it
    assert iam.list_role_policies(RoleName="r1")["PolicyNames"] == ["read"]


def test_put_role_policy__the_grammar_iam_accepts(iam, role):
    """IAM JSON policy element reference: Sids of letters and digits, any action ``*`` or with a
    prefix, resources ``*`` or ARNs; white space does not count towards the 10,240 characters."""
    statements = [
        {"Sid": "ReadAll1", "Effect": "Allow", "Action": "*", "Resource": "*"},
        {"Sid": "Write", "Effect": "Deny", "NotAction": ["s3:Put*"], "NotResource": "arn:aws:s3:::b/*"},
    ]
    spacious = json.dumps({"Version": "2012-10-17", "Statement": statements}, indent=400)
    assert len(spacious) > 10_240
    iam.put_role_policy(RoleName="r1", PolicyName="mixed", PolicyDocument=spacious)
    assert iam.list_role_policies(RoleName="r1")["PolicyNames"] == ["mixed"]


def test_put_role_policy__malformed(iam, role):
    assert_error(
        lambda: iam.put_role_policy(RoleName="r1", PolicyName="bad", PolicyDocument="{nope"),
        "MalformedPolicyDocument",
        400,
        "bad",
    )
    assert iam.list_role_policies(RoleName="r1")["PolicyNames"] == []


def test_get_role_policy__no_such_entity(iam, role):
    assert_error(lambda: iam.get_role_policy(RoleName="r1", PolicyName="x"), "NoSuchEntity", 404, "x")


def test_delete_role_policy(iam, role):
    iam.put_role_policy(RoleName="r1", PolicyName="read", PolicyDocument=INLINE)
    iam.delete_role_policy(RoleName="r1", PolicyName="read")
    assert iam.list_role_policies(RoleName="r1")["PolicyNames"] == []
    assert_error(
        lambda: iam.delete_role_policy(RoleName="r1", PolicyName="read"), "NoSuchEntity", 404, "read"
    )


def test_delete_role__inline_policy_conflict(iam, role):
    iam.put_role_policy(RoleName="r1", PolicyName="read", PolicyDocument=INLINE)
    assert_error(lambda: iam.delete_role(RoleName="r1"), "DeleteConflict", 409, "delete policies")
    assert iam.get_role(RoleName="r1")["Role"]["RoleName"] == "r1"


# --- customer managed policies --------------------------------------------------------------
DOCUMENT = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::shop/*"}],
    }
)
OWN = "arn:aws:iam::123456789012:policy/ShopRead"


@pytest.fixture
def policy(iam):
    return iam.create_policy(PolicyName="ShopRead", PolicyDocument=DOCUMENT, Description="read the shop")[
        "Policy"
    ]


def test_create_policy(iam):
    answer = iam.create_policy(PolicyName="ShopRead", PolicyDocument=DOCUMENT)
    assert_valid(iam, "CreatePolicy")
    assert answer["Policy"]["Arn"] == OWN
    assert (answer["Policy"]["DefaultVersionId"], answer["Policy"]["AttachmentCount"]) == ("v1", 0)


def test_create_policy__already_exists(iam, policy, state):
    before = snapshot(state)
    assert_error(
        lambda: iam.create_policy(PolicyName="shopread", PolicyDocument=DOCUMENT),
        "EntityAlreadyExists",
        409,
        "ShopRead",
    )
    assert snapshot(state) == before


def test_create_policy__malformed(iam, state):
    no_resource = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*"}]})
    assert_error(
        lambda: iam.create_policy(PolicyName="Bad", PolicyDocument=no_resource),
        "MalformedPolicyDocument",
        400,
        "Resource",
    )
    assert iam.list_policies(Scope="Local")["Policies"] == []


def test_get_policy_and_version(iam, policy):
    got = iam.get_policy(PolicyArn=OWN)["Policy"]
    assert_valid(iam, "GetPolicy")
    assert (got["PolicyId"], got["Description"]) == (policy["PolicyId"], "read the shop")
    version = iam.get_policy_version(PolicyArn=OWN, VersionId="v1")["PolicyVersion"]
    assert_valid(iam, "GetPolicyVersion")
    assert version["Document"] == json.loads(DOCUMENT) and version["IsDefaultVersion"]


@pytest.mark.parametrize(
    ("call", "kwargs"),
    [
        ("get_policy", {"PolicyArn": OWN}),
        ("delete_policy", {"PolicyArn": OWN}),
        ("get_policy_version", {"PolicyArn": OWN, "VersionId": "v1"}),
        ("attach_role_policy", {"RoleName": "r1", "PolicyArn": OWN}),
    ],
)
def test_policy__no_such_entity(iam, role, state, call, kwargs):
    before = snapshot(state)
    assert_error(lambda: getattr(iam, call)(**kwargs), "NoSuchEntity", 404, OWN)
    assert snapshot(state) == before


def test_list_policies(iam, policy, role):
    iam.create_policy(PolicyName="Other", Path="/team/", PolicyDocument=DOCUMENT)
    names = lambda **kw: [p["PolicyName"] for p in iam.list_policies(**kw)["Policies"]]  # noqa: E731
    assert names(Scope="Local") == ["ShopRead", "Other"]  # by ARN: /ShopRead before /team/Other
    assert_valid(iam, "ListPolicies")
    assert names(Scope="Local", PathPrefix="/team/") == ["Other"]
    assert names(Scope="AWS") == []
    iam.attach_role_policy(RoleName="r1", PolicyArn=OWN)
    assert names(OnlyAttached=True) == ["ShopRead"]
    assert iam.get_policy(PolicyArn=OWN)["Policy"]["AttachmentCount"] == 1


def test_delete_policy(iam, policy, role, state):
    iam.attach_role_policy(RoleName="r1", PolicyArn=OWN)
    before = snapshot(state)
    assert_error(lambda: iam.delete_policy(PolicyArn=OWN), "DeleteConflict", 409, "r1")
    assert snapshot(state) == before
    iam.detach_role_policy(RoleName="r1", PolicyArn=OWN)
    iam.delete_policy(PolicyArn=OWN)
    assert iam.list_policies(Scope="Local")["Policies"] == []
