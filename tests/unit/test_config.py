"""``config.data_path``: what the series writes about shoppers is readable by its owner only."""

from __future__ import annotations

import os
import stat

import pandas as pd
import pytest

from helpers import config


def _mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_data_path__owner_only_folders_and_file(tmp_path, monkeypatch):
    monkeypatch.setattr(config, "DATA_DIR", tmp_path / "data")
    old = os.umask(0o022)  # the usual umask, under which pandas writes 0644 files
    try:
        path = config.data_path("truth", "users.parquet")
        pd.DataFrame({"USER_ID": ["u1"]}).to_parquet(path, index=False)
        csv = config.data_path("users.csv")
        pd.DataFrame({"USER_ID": ["u1"]}).to_csv(csv, index=False)
    finally:
        os.umask(old)
    assert _mode(path) == _mode(csv) == 0o600
    assert _mode(tmp_path / "data") == _mode(tmp_path / "data" / "truth") == 0o700
    assert pd.read_csv(csv)["USER_ID"].tolist() == ["u1"]


def test_data_path__narrows_a_file_written_before(tmp_path, monkeypatch):
    monkeypatch.setattr(config, "DATA_DIR", tmp_path)
    (tmp_path / "items.csv").write_text("ITEM_ID\n")
    os.chmod(tmp_path / "items.csv", 0o644)
    os.chmod(tmp_path, 0o755)
    assert _mode(config.data_path("items.csv")) == 0o600 and _mode(tmp_path) == 0o700
    assert (tmp_path / "items.csv").read_text() == "ITEM_ID\n"


@pytest.mark.parametrize("parts", [("..", "elsewhere.csv"), ("/tmp/x.csv",), ()])
def test_data_path__only_inside_the_data_folder(tmp_path, monkeypatch, parts):
    monkeypatch.setattr(config, "DATA_DIR", tmp_path / "data")
    with pytest.raises(ValueError, match="must name a file inside"):
        config.data_path(*parts)
    assert not (tmp_path / "elsewhere.csv").exists()
