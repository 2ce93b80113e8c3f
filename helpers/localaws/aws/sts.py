"""STS, locally: one fixed dummy account."""

from __future__ import annotations

from helpers.localaws.engine.store import Store

ACCOUNT = "123456789012"
"""The account id of every local resource (AWS's documentation example)."""

USER_ID = "AIDALOCALBACKENDUSER0"


def get_caller_identity(store: Store, params: dict) -> dict:
    """Return the dummy account, user id and ARN."""
    return {"UserId": USER_ID, "Account": ACCOUNT, "Arn": f"arn:aws:iam::{ACCOUNT}:user/local"}
