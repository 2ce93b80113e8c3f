"""Contract tests of the local IAM (roles and policy attachments)."""

from __future__ import annotations

import json

import pytest

from tests.contract.conftest import assert_error, assert_valid

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
