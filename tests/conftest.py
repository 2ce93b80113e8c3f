"""Fixtures shared by test folders: a small shop and a storefront serving it (HTTP and browser tests)."""

from __future__ import annotations

import pytest

from tests.storefront import shopstate


@pytest.fixture(scope="session")
def shop_root(tmp_path_factory):
    """The folder of the test shop: ``state/`` (the local backend) and ``data/`` (the event log)."""
    root = tmp_path_factory.mktemp("storefront")
    shopstate.build(root)
    return root


@pytest.fixture(scope="session")
def storefront(shop_root):
    """The base URL of a storefront serving the test shop."""
    with shopstate.serving(shop_root, shop_root / "state") as base:
        yield base
