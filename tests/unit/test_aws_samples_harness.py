"""The parts of ``bench/aws_samples.py`` that decide what of a sample is changed: only fetch lines."""

from __future__ import annotations

import sys

import nbformat

from helpers import config

sys.path.insert(0, str(config.ROOT / "bench"))
import aws_samples  # noqa: E402


def test_only_fetch_and_install_lines_are_neutralised():
    source = "\n".join(
        [
            "data_dir = 'raw_data'",
            "!mkdir $data_dir",
            "!cd $data_dir && \\",
            "    wget http://example.org/a.json.gz && \\",
            "    wget http://example.org/b.json.gz",
            "for file in files:",
            "    !wget https://example.org/csvs/{file}",
            "!{sys.executable} -m pip install --upgrade botocore",
            "!aws s3 mb s3://{bucket}",
            "!unzip -o ml-100k.zip",
        ]
    )
    out, removed = aws_samples.neutralise(source)
    assert out.split("\n") == [
        "data_dir = 'raw_data'",
        "!mkdir $data_dir",
        "pass  # aws_samples.py: data already in place",
        "for file in files:",
        "    pass  # aws_samples.py: data already in place",
        "pass  # aws_samples.py: data already in place",
        "!aws s3 mb s3://{bucket}",
        "pass  # aws_samples.py: data already in place",
    ]
    assert len(removed) == 4 and removed[0].startswith("!cd $data_dir && \\\n    wget")
    compile(out.replace("!", "#"), "cell", "exec")  # the loop keeps a body


def test_prepare_fills_inputs_and_expects_the_errors_the_sample_shows(tmp_path):
    nb = nbformat.v4.new_notebook()
    shown = nbformat.v4.new_code_cell("datetime.utcfromtimestamp(ms)")
    shown.outputs = [nbformat.v4.new_output("error", ename="ValueError", evalue="year 41132", traceback=[])]
    nb.cells = [
        nbformat.v4.new_markdown_cell("# A sample"),
        shown,
        nbformat.v4.new_code_cell(
            'iam.detach_role_policy(RoleName=role_name, PolicyArn = "INSERT ARN HERE")'
        ),
    ]
    nbformat.write(nb, tmp_path / "in.ipynb")
    inputs = {'PolicyArn = "INSERT ARN HERE"': ["PolicyArn = a", "PolicyArn = b"]}
    removed, expected = aws_samples.prepare(tmp_path / "in.ipynb", tmp_path / "out.ipynb", inputs, [])
    out = nbformat.read(tmp_path / "out.ipynb", as_version=4)
    assert removed == [] and expected == [1]
    assert (
        out.cells[0].metadata["tags"] == ["aws-samples-prelude"] and "aws.activate()" in out.cells[0].source
    )
    assert out.cells[2].metadata["tags"] == ["raises-exception"] and out.cells[2].outputs == []
    assert out.cells[3].source.split("\n") == [
        "iam.detach_role_policy(RoleName=role_name, PolicyArn = a)",
        "iam.detach_role_policy(RoleName=role_name, PolicyArn = b)",
    ]


def test_the_first_error_is_counted_in_the_sample_own_cells(tmp_path):
    nb = nbformat.v4.new_notebook()
    banner = nbformat.v4.new_markdown_cell("An Exception was encountered")
    banner.metadata["tags"] = ["papermill-error-cell-tag"]
    prelude = nbformat.v4.new_code_cell("aws.activate()")
    prelude.metadata["tags"] = ["aws-samples-prelude"]
    expected = nbformat.v4.new_code_cell("raise ValueError")
    expected.outputs = [nbformat.v4.new_output("error", ename="ValueError", evalue="shown", traceback=[])]
    failed = nbformat.v4.new_code_cell("s3.delete_bucket(Bucket=b)")
    failed.outputs = [
        nbformat.v4.new_output("error", ename="ClientError", evalue="BucketNotEmpty", traceback=[])
    ]
    nb.cells = [banner, prelude, nbformat.v4.new_markdown_cell("text"), expected, failed]
    nbformat.write(nb, tmp_path / "out.ipynb")
    assert aws_samples.first_error(tmp_path / "out.ipynb", [1]) == (2, "ClientError: BucketNotEmpty")
    assert aws_samples.first_error(tmp_path / "out.ipynb", [1, 2]) is None


def test_the_data_is_deterministic_and_shaped_as_each_sample_reads_it(tmp_path):
    ratings = "user_id:token\titem_id:token\trating:float\ttimestamp:float\n" + "".join(
        f"{u}\t{i}\t{1 + (u + i) % 5}\t{880000000 + 1000 * u + i}\n"
        for u in range(1, 6)
        for i in (1, 2, 50, 1200)
    )
    (tmp_path / "ml-100k.inter").write_text(ratings)
    (tmp_path / "ml-100k.item").write_text(
        "item_id:token\tmovie_title:token_seq\trelease_year:token\tclass:token_seq\n"
        "1\tToy Story\t1995\tAnimation Children's Comedy\n2\tGoldenEye\t1995\tAction Adventure Thriller\n"
        "50\tStar Wars\t1977\tAction Sci-Fi\n1200\tKissed\t1996\tDrama\n"
    )
    (tmp_path / "ml-100k.user").write_text(
        "user_id:token\tage:token\tgender:token\toccupation:token\tzip_code:token\n"
        + "".join(f"{u}\t{20 + u}\t{'MF'[u % 2]}\tother\t0000{u}\n" for u in range(1, 6))
    )
    ml = aws_samples.movielens(tmp_path)
    for layout in ("ml100k", "retail", "mlsmall", "lastfm", "airline", "pantry"):
        aws_samples.provide(layout, ml, tmp_path / "a")
        aws_samples.provide(layout, ml, tmp_path / "b")
    for name in (
        "interactions.csv",
        "items.csv",
        "ml-100k/u.item",
        "ml-latest-small/movies.csv",
        "data/artists.dat",
    ):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
    import pandas as pd

    items = pd.read_csv(tmp_path / "a" / "items.csv")
    assert list(items.columns) == [
        "ITEM_ID", "PRICE", "CATEGORY_L1", "CATEGORY_L2", "PRODUCT_DESCRIPTION", "GENDER", "PROMOTED",
    ]  # fmt: skip
    assert "c72257d4-430b-4eb7-9de3-28396e593381" in set(items["ITEM_ID"])
    u_item = pd.read_csv(tmp_path / "a" / "ml-100k/u.item", sep="|", encoding="latin-1", header=None)
    assert u_item.shape == (4, 24) and u_item.iloc[0, 1] == "Toy Story (1995)"
    movies = pd.read_csv(tmp_path / "a" / "ml-latest-small/movies.csv")
    assert 81847 in set(movies["movieId"])
