"""Run AWS's own sample notebooks on the local backend, unchanged but for their data.

``aws-samples/amazon-personalize-samples`` is where many users first meet Amazon Personalize. This
harness measures how many of its notebooks run end to end here. For each notebook in ``NOTEBOOKS``
it

1. copies the notebook into its own work folder (``build/aws-samples/<key>/`` by default);
2. writes the data the notebook downloads, in the files and columns it expects, built
   deterministically from MovieLens 100K (``ml-100k.inter``/``.item``/``.user`` as the ``recbole``
   wheel ships them; titles, genres and users come from there, the rest - retail categories,
   prices, airline cabins, review texts - is derived from the ids), because nothing can be
   downloaded here; a sample that reads its data from a public S3 bucket finds it in local S3;
3. neutralises only the shell lines that fetch or unpack that data (``wget``, ``curl``,
   ``unzip``) and the ones that reinstall packages into the kernel (``pip install``, ``conda
   install``), replacing each with ``pass`` so the cell keeps its shape;
4. does what the sample asks of its reader, and no more: the getting-started samples' CloudFormation
   stack (bucket, role, two SSM parameters) is created first (``stack``); values a cell says to
   fill in (credentials and region, ARNs to clean up) are filled (``INPUTS``); a cell whose
   committed output shows an error is allowed to raise it (``EXPECTED``); the clean-up module two
   samples download from another repository is stood in for by our own (``STAND_INS``);
5. puts one cell in front: ``helpers.aws.activate()`` (the documented way to answer unmodified
   boto3 code locally), ``time.sleep`` capped at a fraction of a second (the samples poll every
   30-60 s), and ``/opt/ml/metadata/resource-metadata.json`` - the file a SageMaker notebook
   instance has, which several samples read for their region - answered from the work folder;
   ``!aws s3 ...`` shell lines find the local backend's ``aws`` (``helpers.localaws.aws.cli``)
   first on ``PATH``;
6. runs it with papermill on the ``python3`` kernel with ``RECSYS_BACKEND=local`` and a fresh
   ``RECSYS_STATE_DIR``, and records ``ran`` or the first failing cell (index in the original
   notebook, exception and message) with the seconds it took, and for known failures outside the
   backend's reach, why (``WHY``).

The table goes to ``bench/results/aws_samples.json`` and is printed as markdown. Usage::

    pip download recbole==1.2.0 --no-deps -d /tmp/rb && unzip -o /tmp/rb/recbole-*.whl -d /tmp/rb
    git clone <the samples repository> /work/samples-src
    .venv/bin/pip install lxml beautifulsoup4       # the samples import them; SageMaker has them
    .venv/bin/python bench/aws_samples.py --samples /work/samples-src \\
        --ml100k /tmp/rb/recbole/dataset_example/ml-100k
    .venv/bin/python bench/aws_samples.py ... --only sims,ranking   # a few, merged into the table
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import re
import shutil
import sys
import time
import uuid
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
RESULTS = Path(os.environ.get("BENCH_RESULTS") or ROOT / "bench" / "results")
RESOURCE_METADATA = "/opt/ml/metadata/resource-metadata.json"
ACCOUNT = "123456789012"
SLEEP_CAP = 0.05

CORE = "next_steps/core_use_cases/"
NOTEBOOKS: list[tuple[str, str, str]] = [
    ("getting-started", "getting_started/notebooks/1.Building_Your_First_Campaign.ipynb", "stack"),
    (
        "ecommerce",
        "getting_started/notebooks_managed_domains/Building_Your_First_Recommender_Ecommerce.ipynb",
        "retail",
    ),
    (
        "video-on-demand",
        "getting_started/notebooks_managed_domains/Building_Your_First_Recommender_Video_On_Demand.ipynb",
        "mlsmall",
    ),
    ("promotions", CORE + "filters/promotions/Promotions.ipynb", "retail"),
    (
        "measuring-impact",
        "next_steps/evaluation/measuring_impact_of_recommendations/Measure_Impact_of_Recommendations.ipynb",
        "retail",
    ),
    ("exploration", CORE + "user_personalization/user-personalization-with-exploration.ipynb", "bucket"),
    (
        "contextual",
        CORE + "user_personalization/user-personalization-with-contextual-recommendations.ipynb",
        "airline",
    ),
    ("ranking", CORE + "personalized_ranking/personalize_ranking_example.ipynb", "lastfm"),
    ("sims", CORE + "related_items/personalize_sims_example.ipynb", "ml1m"),
    ("similar-items", CORE + "related_items/personalize_aws_similar_items_example.ipynb", "pantry"),
    (
        "batch",
        CORE + "batch_recommendations/user_personalization_batch_recommendations_example.ipynb",
        "lastfm",
    ),
    ("trending-now", CORE + "trending_now/trending_now_example.ipynb", "mlsmall_blog"),
    ("user-segmentation", CORE + "user_segmentation/user_segmentation_example.ipynb", "grocery"),
    (
        "updating-datasets",
        CORE + "updating_datasets/update-datasets-user-personalization-example.ipynb",
        "retail",
    ),
    ("updating-schema", CORE + "updating_datasets/update-item-dataset-schema-example.ipynb", "retail"),
    ("objective-optimization", CORE + "objective_optimization/objective-optimization.ipynb", "ml100k"),
    ("text-metadata", CORE + "metadata/item-text-unstructured-metadata.ipynb", "pantry"),
    ("getting-started-2", "getting_started/notebooks/2.View_Campaign_And_Interactions.ipynb", "chain"),
]
"""(key, path in the samples repository, data layout). ``chain`` runs after its predecessor, in the
same folder and state, as the sample's own reading order requires (it reads ``%store`` values)."""

GENRES = [
    "unknown",
    "Action",
    "Adventure",
    "Animation",
    "Children's",
    "Comedy",
    "Crime",
    "Documentary",
    "Drama",
    "Fantasy",
    "Film-Noir",
    "Horror",
    "Musical",
    "Mystery",
    "Romance",
    "Sci-Fi",
    "Thriller",
    "War",
    "Western",
]
RETAIL = {  # first genre -> (CATEGORY_L1, CATEGORY_L2), in the retail demo store's vocabulary
    "unknown": ("accessories", "backpack"),
    "Action": ("footwear", "sneaker"),
    "Adventure": ("outdoors", "camping"),
    "Animation": ("homedecor", "decorative"),
    "Children's": ("housewares", "kitchen"),
    "Comedy": ("apparel", "shirt"),
    "Crime": ("electronics", "headphones"),
    "Documentary": ("books", "nonfiction"),
    "Drama": ("beauty", "makeup"),
    "Fantasy": ("seasonal", "christmas"),
    "Film-Noir": ("jewelry", "necklace"),
    "Horror": ("seasonal", "halloween"),
    "Musical": ("instruments", "guitar"),
    "Mystery": ("books", "novel"),
    "Romance": ("floral", "bouquet"),
    "Sci-Fi": ("electronics", "speaker"),
    "Thriller": ("tools", "drill"),
    "War": ("apparel", "jacket"),
    "Western": ("footwear", "boot"),
}
CABINS = ["Economy", "Economy", "Economy", "Premium Economy", "Business Class", "First Class"]
COUNTRIES = [
    "United States",
    "United Kingdom",
    "Germany",
    "Australia",
    "Canada",
    "Singapore",
    "India",
    "France",
]
INPUTS = {  # cells a reader is told to fill in before running, as a reader here would fill them
    "exploration": {
        'accessKeyId = ""': 'accessKeyId = "testing"',
        'secretAccessKey = ""': 'secretAccessKey = "testing"',
        'region_name = ""': 'region_name = "us-west-2"',
    },
    "ranking": {
        'campaignArn = "INSERT ARN HERE"': "campaignArn = rerank_campaign_arn",
        'solutionArn = "INSERT ARN HERE"': "solutionArn = rerank_solution_arn",
    },
    "batch": {'solutionArn = "INSERT ARN HERE"': "solutionArn = solution_arn"},
}
CLEAN_UP = {
    'datasetArn = "INSERT ARN HERE"': "datasetArn = interactions_dataset_arn",
    'schemaArn = "INSERT ARN HERE"': "schemaArn = schema_arn",
    'datasetGroupArn = "INSERT ARN HERE"': "datasetGroupArn = dataset_group_arn",
    'RoleName = "INSERT ROLE NAME HERE"': "RoleName = role_name",
    'PolicyArn = "INSERT ARN HERE"': [
        "PolicyArn = policy_arn",
        "PolicyArn = 'arn:aws:iam::aws:policy/AmazonS3FullAccess'",
    ],
}
"""The clean-up cells of the ranking and batch samples ask the reader to paste the ARNs listed above
them; the detach cell says "Repeat for each attached policy", so it runs once per policy listed."""
INPUTS["ranking"].update(CLEAN_UP)
INPUTS["batch"].update(CLEAN_UP)
EXPECTED = {"batch": [17]}
"""Cells that raise with the sample's own data though its committed outputs were cleared: the batch
sample repeats the ranking sample's demonstration of a millisecond timestamp read as seconds, whose
committed output there is ``ValueError: year 41132 is out of range``."""
STAND_IN = '''"""Stand-in, written by bench/aws_samples.py, for the clean-up module this sample downloads from
another repository (retail-demo-store): same names, our own code over helpers.cleanup."""

import logging

import boto3

from helpers import cleanup

logger = logging.getLogger("delete_dataset_groups")


def delete_dataset_groups(dataset_group_names, wait_for_resources=True, **_):
    personalize, s3 = boto3.client("personalize"), boto3.client("s3")
    for group in personalize.list_dataset_groups()["datasetGroups"]:
        if group["name"] in dataset_group_names:
            cleanup.delete_dataset_group_contents(personalize, s3, group["datasetGroupArn"])
            personalize.delete_dataset_group(datasetGroupArn=group["datasetGroupArn"])
            logger.info("Deleted dataset group %s", group["name"])
'''
STAND_INS = {
    "updating-datasets": {"delete_dataset_groups.py": STAND_IN},
    "updating-schema": {"delete_dataset_groups.py": STAND_IN},
}
SHELL_FETCH = re.compile(r"\b(wget|curl|unzip)\b|\bpip\b.*\binstall\b|\bconda\b.*\binstall\b")


def movielens(folder: Path) -> dict[str, pd.DataFrame]:
    """MovieLens 100K as the recbole wheel ships it: ratings, items (title, year, genres), users."""
    ratings = pd.read_csv(folder / "ml-100k.inter", sep="\t")
    ratings.columns = ["user", "item", "rating", "ts"]
    ratings = ratings.astype({"rating": int, "ts": int}).sort_values(["ts", "user", "item"], kind="mergesort")
    items = pd.read_csv(folder / "ml-100k.item", sep="\t", keep_default_na=False)
    items.columns = ["item", "title", "year", "genres"]
    items["year"] = pd.to_numeric(items["year"], errors="coerce").fillna(1995).astype(int)
    items["genres"] = [g.split() or ["unknown"] for g in items["genres"]]
    users = pd.read_csv(folder / "ml-100k.user", sep="\t", dtype=str)
    users.columns = ["user", "age", "gender", "occupation", "zip"]
    users["user"] = users["user"].astype(int)
    return {"ratings": ratings.reset_index(drop=True), "items": items, "users": users}


def _shift(ts: pd.Series, end: str) -> pd.Series:
    """The timestamps moved as one block so that the newest falls on ``end`` (a UTC date)."""
    return ts + (int(pd.Timestamp(end, tz="UTC").timestamp()) - int(ts.max()))


def _title(row) -> str:
    return f"{row.title} ({row.year})"


def write_ml100k(ml: dict, work: Path) -> None:
    """``ml-100k/u.data``, ``u.item`` (24 fields, latin-1) and ``u.user`` as GroupLens lays them out."""
    out = work / "ml-100k"
    out.mkdir(parents=True, exist_ok=True)
    ml["ratings"][["user", "item", "rating", "ts"]].to_csv(
        out / "u.data", sep="\t", header=False, index=False
    )
    lines = []
    for row in ml["items"].itertuples():
        flags = "|".join("1" if g in row.genres else "0" for g in GENRES)
        title = _title(row).replace("|", "/")
        lines.append(
            f"{row.item}|{title}|01-Jan-{row.year}||http://us.imdb.com/M/title-exact?{row.item}|{flags}"
        )
    (out / "u.item").write_bytes(("\n".join(lines) + "\n").encode("latin-1", "replace"))
    users = ml["users"]
    (out / "u.user").write_text(
        "\n".join("|".join(map(str, r)) for r in users.itertuples(index=False)) + "\n"
    )


def write_ml1m(ml: dict, work: Path) -> None:
    """``ml-1m/ratings.dat`` and ``movies.dat`` (``::``-separated)."""
    out = work / "ml-1m"
    out.mkdir(parents=True, exist_ok=True)
    r = ml["ratings"]
    (out / "ratings.dat").write_text(
        "\n".join(f"{a}::{b}::{c}::{d}" for a, b, c, d in r.itertuples(index=False)) + "\n"
    )
    items = ml["items"]
    lines = [f"{row.item}::{_title(row)}::{'|'.join(row.genres)}" for row in items.itertuples()]
    (out / "movies.dat").write_text("\n".join(lines) + "\n")


NAMED_MOVIES = {1: 81847, 50: 59315}
"""ml-latest-small movieIds the video-on-demand sample asks about ("Iron Man 59315, Tangled: 81847"),
given to two MovieLens 100K films."""
NAMED_PRODUCTS = dict(
    zip(
        [1, 50, 100, 121, 127, 174, 181, 258],
        ["8fbe091c-f73c-4727-8fe7-d27eabd17bea", "c72257d4-430b-4eb7-9de3-28396e593381",
         "08b05a0d-8f0d-412a-a2b1-97aa6c08a03d", "1d9ab420-01b5-4d5d-b7b9-43c10f4eac84",
         "447bc9e4-c176-4665-892e-2a0f47b3a582", "9dbf7c1a-3936-42ee-8c36-a28e94a35265",
         "e5e842c6-9d8e-4940-a245-a0f02a5552ad", "f5be9f67-8def-405d-af7e-2abf6876277f"],
        strict=True,
    )
)  # fmt: skip
"""Retail demo store product ids the ecommerce and measuring-impact samples ask about by id."""


def write_mlsmall(ml: dict, work: Path, folder: str = ".") -> None:
    """``ml-latest-small/ratings.csv`` (userId,movieId,rating,timestamp) and ``movies.csv``."""
    out = work / folder / "ml-latest-small"
    out.mkdir(parents=True, exist_ok=True)
    r = ml["ratings"].rename(columns={"user": "userId", "item": "movieId", "ts": "timestamp"})
    r = r.assign(rating=r["rating"].astype(float), movieId=r["movieId"].replace(NAMED_MOVIES))
    r[["userId", "movieId", "rating", "timestamp"]].to_csv(out / "ratings.csv", index=False)
    items = ml["items"]
    movies = pd.DataFrame(
        {
            "movieId": items["item"].replace(NAMED_MOVIES),
            "title": [_title(row) for row in items.itertuples()],
            "genres": ["|".join(g) for g in items["genres"]],
        }
    )
    movies.to_csv(out / "movies.csv", index=False)
    (out / "README.txt").write_text(
        "MovieLens 100K ratings laid out as ml-latest-small (written by bench/aws_samples.py)\n"
    )


def _item_uuid(item: int) -> str:
    return NAMED_PRODUCTS.get(item) or str(uuid.uuid5(uuid.NAMESPACE_URL, f"ml-100k/item/{item}"))


def write_retail(ml: dict, work: Path) -> None:
    """The retail demo store's ``interactions.csv``, ``items.csv`` and ``users.csv``.

    Every rating is a ``View``; 4 and 5 add an ``AddToCart`` a minute later, 5 a ``Purchase``.
    Items get UUIDs, retail categories by their first genre (Horror is ``seasonal/halloween``),
    prices and a description from the title; users keep MovieLens' age and gender.
    """
    r = ml["ratings"].copy()
    r["ts"] = _shift(r["ts"], "2023-07-28")
    parts = [r.assign(EVENT_TYPE="View", off=0)]
    parts.append(r[r["rating"] >= 4].assign(EVENT_TYPE="AddToCart", off=60))
    parts.append(r[r["rating"] == 5].assign(EVENT_TYPE="Purchase", off=120))
    events = pd.concat(parts, ignore_index=True)
    interactions = pd.DataFrame(
        {
            "ITEM_ID": events["item"].map(_item_uuid),
            "USER_ID": events["user"],
            "EVENT_TYPE": events["EVENT_TYPE"],
            "TIMESTAMP": events["ts"] + events["off"],
            "DISCOUNT": np.where((events["user"] + events["item"]) % 7 == 0, "Yes", "No"),
        }
    ).sort_values(["TIMESTAMP", "USER_ID"], kind="mergesort")
    interactions.to_csv(work / "interactions.csv", index=False)
    items = ml["items"]
    cats = [RETAIL[g[0]] for g in items["genres"]]
    pd.DataFrame(
        {
            "ITEM_ID": items["item"].map(_item_uuid),
            "PRICE": 4.99 + (items["item"] * 37) % 150,
            "CATEGORY_L1": [c[0] for c in cats],
            "CATEGORY_L2": [c[1] for c in cats],
            "PRODUCT_DESCRIPTION": [f"{t} themed {c[1]}" for t, c in zip(items["title"], cats, strict=True)],
            "GENDER": np.array(["M", "F", ""])[items["item"] % 3],
            "PROMOTED": np.where(items["item"] % 10 == 0, "Y", "N"),
        }
    ).to_csv(work / "items.csv", index=False)
    users = ml["users"]
    pd.DataFrame(
        {"USER_ID": users["user"], "AGE": users["age"].astype(int), "GENDER": users["gender"]}
    ).to_csv(work / "users.csv", index=False)


def write_lastfm(ml: dict, work: Path) -> None:
    """``data/`` of hetrec2011-lastfm-2k: tagged artists with millisecond timestamps, artists, plays."""
    out = work / "data"
    out.mkdir(parents=True, exist_ok=True)
    r = ml["ratings"]
    genre = ml["items"].set_index("item")["genres"].map(lambda g: GENRES.index(g[0]))
    pd.DataFrame(
        {
            "userID": r["user"],
            "artistID": r["item"],
            "tagID": r["item"].map(genre),
            "timestamp": r["ts"] * 1000,
        }
    ).to_csv(out / "user_taggedartists-timestamps.dat", sep="\t", index=False)
    items = ml["items"]
    pd.DataFrame(
        {
            "id": items["item"],
            "name": items["title"],
            "url": "http://www.last.fm/music/" + items["item"].astype(str),
            "pictureURL": "",
        }
    ).to_csv(out / "artists.dat", sep="\t", index=False)
    pd.DataFrame({"userID": r["user"], "artistID": r["item"], "weight": r["rating"] * 100}).to_csv(
        out / "user_artists.dat", sep="\t", index=False
    )


def write_airline(ml: dict, work: Path) -> None:
    """``airlines_data/airline.csv`` in the Skytrax reviews layout: one review per rating."""
    out = work / "airlines_data"
    out.mkdir(parents=True, exist_ok=True)
    r = ml["ratings"]
    slug = (
        ml["items"].set_index("item")["title"].map(lambda t: re.sub(r"[^a-z0-9]+", "-", t.lower()).strip("-"))
    )
    airline = r["item"].map(slug) + "-" + r["item"].astype(str)
    pd.DataFrame(
        {
            "airline_name": airline,
            "link": "/airline-reviews/" + airline,
            "title": airline + " customer review",
            "author": "M " + r["user"].astype(str) + " Lens",
            "author_country": np.array(COUNTRIES)[r["user"] % 8],
            "date": pd.to_datetime(r["ts"], unit="s").dt.strftime("%Y-%m-%d"),
            "content": "A review.",
            "aircraft": "",
            "type_traveller": "",
            "cabin_flown": np.array(CABINS)[(r["user"] + r["item"]) % 6],
            "route": "",
            "overall_rating": (r["rating"] * 2).astype(float),
            "seat_comfort_rating": r["rating"].astype(float),
            "recommended": (r["rating"] >= 4).astype(int),
        }
    ).to_csv(out / "airline.csv", index=False)


NAMED_ASINS = {50: "B00HZ6X8QU", 1200: "B01GCT22E4"}
"""Products the similar-items sample looks up by their real ASIN: a popular item, and one with few
interactions (its comment says "low price - low interactions")."""


def _asin(item: int) -> str:
    return NAMED_ASINS.get(item, f"B00{item:07d}")


def write_amazon(ml: dict, work: Path, category: str) -> None:
    """``raw_data/<category>.json.gz`` (reviews) and ``meta_<category>.json.gz`` (products) as in the
    Amazon review data (2018): one review per rating, dated so the newest falls in October 2018; the
    products are those with a review above 3 stars (nearly every product of the real files has one,
    and the similar-items sample looks up the positive-review count of whatever it is recommended)."""
    out = work / "raw_data"
    out.mkdir(parents=True, exist_ok=True)
    r = ml["ratings"]
    ts = _shift(r["ts"], "2018-10-05")
    reviews = pd.DataFrame(
        {
            "overall": r["rating"].astype(float),
            "verified": True,
            "reviewTime": pd.to_datetime(ts, unit="s").dt.strftime("%m %d, %Y"),
            "reviewerID": "A" + r["user"].astype(str).str.zfill(6) + "MLX",
            "asin": r["item"].map(_asin),
            "reviewerName": "Reviewer " + r["user"].astype(str),
            "reviewText": "Good.",
            "summary": "Stars",
            "unixReviewTime": ts,
        }
    )
    with gzip.open(out / f"{category}.json.gz", "wt") as f:
        reviews.to_json(f, orient="records", lines=True)
    items = ml["items"][
        ml["items"]["item"].isin(r.loc[r["rating"] > 3, "item"])
    ]  # products with a good review
    rows = []
    for row in items.itertuples():
        cats = RETAIL[row.genres[0]]
        rows.append(
            {
                "category": ["Grocery & Gourmet Food", cats[0].title(), cats[1].title()],
                "description": [
                    f"<p>{row.title}: a {cats[1]} from {row.year}.</p>",
                    f"Pairs well with {' and '.join(row.genres)}.",
                ],
                "title": row.title,
                "brand": f"Brand {row.item % 40}",
                "main_cat": "Grocery",
                "price": "" if row.item % 9 == 0 else f"${3 + (row.item * 37) % 40}.{row.item % 100:02d}",
                "asin": _asin(row.item),
            }
        )
    with gzip.open(out / f"meta_{category}.json.gz", "wt") as f:
        f.writelines(json.dumps(row) + "\n" for row in rows)


def sample_bucket(ml: dict) -> dict[str, bytes]:
    """The objects of Personalize's public sample bucket that the exploration sample downloads."""
    r = ml["ratings"]
    ts = _shift(r["ts"], "2020-06-30")
    impression = [f"{i}|{(i * 7) % 1682 + 1}|{(i * 13) % 1682 + 1}" for i in r["item"]]
    interactions = pd.DataFrame(
        {
            "USER_ID": r["user"],
            "ITEM_ID": r["item"],
            "EVENT_TYPE": "click",
            "TIMESTAMP": ts,
            "IMPRESSION": impression,
        }
    )
    items = ml["items"]
    released = pd.to_datetime(items["year"].astype(str) + "-01-01").astype("int64") // 10**9
    catalogue = pd.DataFrame(
        {
            "ITEM_ID": items["item"],
            "GENRES": ["|".join(g) for g in items["genres"]],
            "creation_timestamp": np.minimum(released + 3 * 10**8, ts.max()),
        }
    )
    return {
        "sample-dataset/interactions-sample.csv": interactions.to_csv(index=False).encode(),
        "sample-dataset/items-with-creation-timestamp-sample.csv": catalogue.to_csv(index=False).encode(),
    }


def provide(layout: str, ml: dict, work: Path) -> None:
    """Write the files ``layout`` expects into ``work``."""
    writers = {
        "ml100k": lambda: write_ml100k(ml, work),
        "stack": lambda: write_ml100k(ml, work),
        "ml1m": lambda: write_ml1m(ml, work),
        "mlsmall": lambda: write_mlsmall(ml, work),
        "mlsmall_blog": lambda: write_mlsmall(ml, work, "blog_data"),
        "retail": lambda: write_retail(ml, work),
        "lastfm": lambda: write_lastfm(ml, work),
        "airline": lambda: write_airline(ml, work),
        "pantry": lambda: write_amazon(ml, work, "Prime_Pantry"),
        "grocery": lambda: write_amazon(ml, work, "Grocery_and_Gourmet_Food"),
    }
    if layout in writers:
        writers[layout]()


def neutralise(source: str) -> tuple[str, list[str]]:
    """Replace each shell line (with its ``\\`` continuations) that downloads, unpacks or installs by
    ``pass``; return the new source and the lines removed."""
    lines, out, removed, i = source.split("\n"), [], [], 0
    while i < len(lines):
        start = i
        while lines[i].rstrip().endswith("\\") and i + 1 < len(lines):
            i += 1
        block = lines[start : i + 1]
        text = "\n".join(block)
        if block[0].lstrip().startswith("!") and SHELL_FETCH.search(text):
            indent = block[0][: len(block[0]) - len(block[0].lstrip())]
            out.append(f"{indent}pass  # aws_samples.py: data already in place")
            removed.append(text.strip())
        else:
            out.extend(block)
        i += 1
    return "\n".join(out), removed


PRELUDE = """# Added by bench/aws_samples.py: the local backend, short waits, SageMaker's metadata file.
import os as _os, time as _time
from helpers import aws as _aws
_aws.activate()
_sleep = _time.sleep
_time.sleep = lambda seconds: _sleep(min(seconds, {cap}))
_open = open  # IPython's own open, in the user namespace
open = lambda file, *a, **k: _open(  # noqa: E731
    _os.environ["SAMPLES_RESOURCE_METADATA"] if str(file) == "{metadata}" else file, *a, **k)
"""


def prepare(
    source: Path, target: Path, inputs: dict[str, str | list[str]], also_expected: list[int]
) -> tuple[list[str], list[int]]:
    """Copy the notebook with its fetch lines neutralised, its inputs filled and the prelude in front.

    A cell whose committed output is an error (a sample that shows a mistake and then its fix) is
    tagged ``raises-exception``, so the run goes on past it as the reader does.

    Returns:
        The shell lines neutralised, and the indices of the cells expected to raise.
    """
    import nbformat

    nb = nbformat.read(source, as_version=4)
    removed: list[str] = []
    expected: list[int] = []
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        shown = any(output.get("output_type") == "error" for output in cell.get("outputs", []))
        if shown or index in also_expected:
            cell.metadata.setdefault("tags", []).append("raises-exception")
            expected.append(index)
        for old, new in inputs.items():
            if old in cell.source:  # a list: the reader runs the cell once per value
                values = new if isinstance(new, list) else [new]
                cell.source = "\n".join(cell.source.replace(old, value) for value in values)
        cell.source, gone = neutralise(cell.source)
        removed += gone
        cell.update(outputs=[], execution_count=None)
    prelude = nbformat.v4.new_code_cell(PRELUDE.format(cap=SLEEP_CAP, metadata=RESOURCE_METADATA))
    prelude.metadata["tags"] = ["aws-samples-prelude"]
    nb.cells.insert(0, prelude)
    nbformat.write(nb, target)
    return removed, expected


def first_error(executed: Path, expected: list[int]) -> tuple[int, str] | None:
    """The first error in an executed notebook outside the cells expected to raise."""
    import nbformat

    nb = nbformat.read(executed, as_version=4)
    harness = {"aws-samples-prelude", "papermill-error-cell-tag"}  # cells that are not the sample's
    cells = [cell for cell in nb.cells if not harness & set(cell.metadata.get("tags", []))]
    for index, cell in enumerate(cells):
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error" and index not in expected:
                return index, f"{output.ename}: {' '.join(str(output.evalue).split())[:300]}"
    return None


def stack(ml: dict) -> None:
    """What the getting-started CloudFormation template (``personalize_getting_started.yaml``)
    creates before its notebooks run: the bucket with its policy, the Personalize role, and the two
    SSM parameters the notebooks read."""
    import boto3

    bucket = f"personalize-samples-{ACCOUNT}"
    boto3.client("s3").create_bucket(Bucket=bucket)
    statement = {
        "Effect": "Allow",
        "Principal": {"Service": "personalize.amazonaws.com"},
        "Action": ["s3:GetObject", "s3:PutObject", "s3:ListBucket"],
        "Resource": [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"],
    }
    policy = {"Version": "2012-10-17", "Id": "PersonalizeS3BucketAccessPolicy", "Statement": [statement]}
    boto3.client("s3").put_bucket_policy(Bucket=bucket, Policy=json.dumps(policy))
    iam = boto3.client("iam")
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": "sts:AssumeRole",
                "Principal": {"Service": "personalize.amazonaws.com"},
            }
        ],
    }
    role = iam.create_role(RoleName="PersonalizeSamplesRole", AssumeRolePolicyDocument=json.dumps(trust))[
        "Role"
    ]
    for name in ("service-role/AmazonPersonalizeFullAccess", "AmazonSSMReadOnlyAccess"):
        iam.attach_role_policy(RoleName=role["RoleName"], PolicyArn=f"arn:aws:iam::aws:policy/{name}")
    ssm = boto3.client("ssm")
    ssm.put_parameter(Name="/cloudformation/personalize-s3-bucket", Value=bucket, Type="String")
    ssm.put_parameter(Name="/cloudformation/personalize-iam-role-arn", Value=role["Arn"], Type="String")


def seed(state: Path, layout: str, ml: dict) -> None:
    """Prepare the local account as the sample finds AWS: public sample objects, a deployed stack."""
    if layout not in ("bucket", "stack"):
        return
    import boto3

    sys.path.insert(0, str(ROOT))
    from helpers import aws

    aws.activate("local", state)
    if layout == "stack":
        stack(ml)
        return
    s3 = boto3.client("s3")
    for bucket, objects in {"personalize-cli-json-models": sample_bucket(ml)}.items():
        s3.create_bucket(Bucket=bucket)
        for key, body in objects.items():
            s3.put_object(Bucket=bucket, Key=key, Body=body)


def run_one(key: str, path: str, layout: str, samples: Path, ml: dict, work_root: Path, timeout: int) -> dict:
    """Prepare and execute one sample; return its row of the table."""
    import papermill

    work = work_root / ("getting-started" if layout == "chain" else key)
    if layout != "chain":
        shutil.rmtree(work, ignore_errors=True)
        work.mkdir(parents=True)
    state = work / "localaws"
    provide(layout, ml, work)
    if layout != "chain":
        seed(state, layout, ml)
    metadata = work / "resource-metadata.json"
    region = os.environ.get("AWS_DEFAULT_REGION", "us-east-1")
    arn = f"arn:aws:sagemaker:{region}:{ACCOUNT}:notebook-instance/aws-samples"
    metadata.write_text(json.dumps({"ResourceArn": arn, "ResourceName": "aws-samples"}))
    notebook = work / Path(path).name
    for name, text in STAND_INS.get(key, {}).items():
        (work / name).write_text(text)
    removed, expected = prepare(samples / path, notebook, INPUTS.get(key, {}), EXPECTED.get(key, []))
    executed = work / f"{notebook.stem}.out.ipynb"
    bin_dir = work / "bin"  # `!aws s3 ...` lines: the local backend's AWS CLI s3 commands
    bin_dir.mkdir(exist_ok=True)
    (bin_dir / "aws").write_text(f'#!/bin/sh\nexec "{sys.executable}" -m helpers.localaws.aws.cli "$@"\n')
    (bin_dir / "aws").chmod(0o755)
    env = {
        "RECSYS_BACKEND": "local",
        "RECSYS_STATE_DIR": str(state),
        "SAMPLES_RESOURCE_METADATA": str(metadata),
        "IPYTHONDIR": str(work / ".ipython"),
        "MPLBACKEND": "Agg",
        "PYTHONPATH": str(ROOT),
        "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
    }
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    row = {
        "notebook": key,
        "path": path,
        "neutralised": removed,
        "expected_errors": expected,
        "inputs_filled": sorted(INPUTS.get(key, {})),
        "stand_ins": sorted(STAND_INS.get(key, {})),
    }
    start = time.perf_counter()
    try:
        papermill.execute_notebook(
            str(notebook),
            str(executed),
            kernel_name="python3",
            cwd=str(work),
            execution_timeout=timeout,
            progress_bar=False,
            log_output=False,
        )
        row.update(status="ran")
    except papermill.PapermillExecutionError:
        found = first_error(executed, expected)
        if found is None:
            row.update(status="ran")
        else:
            row.update(status="failed", cell=found[0], exception=found[1])
    except Exception as error:  # a kernel that died or timed out
        row.update(status="failed", cell=None, exception=f"{type(error).__name__}: {str(error)[:300]}")
    finally:
        for k, v in saved.items():
            os.environ.pop(k) if v is None else os.environ.__setitem__(k, v)
    row["seconds"] = round(time.perf_counter() - start, 1)
    if row["status"] != "ran" and key in WHY:
        row["why"] = WHY[key]
    return row


WHY = {
    "contextual": "outside scope: its imports include the SageMaker Python SDK (`sagemaker.amazon.common`, "
    "never used after); SageMaker is not emulated and the SDK is not installed. With that import removed by "
    "hand, every other cell runs",
    "trending-now": "outside scope: written for pandas 1.x (`DataFrame.append`, removed in pandas 2.0; the "
    "kernel has 2.x). With `append` restored by hand every Personalize call runs; its clean-up then waits "
    "30 minutes, as on AWS, because its wait loop does not stop on ResourceNotFoundException",
    "user-segmentation": "outside scope: written for pandas 1.x (`value_counts().reset_index()` names the "
    "column `index` before pandas 2.0). Past that by hand, every Personalize call runs until it reads the "
    "batch segment job's output with `pd.read_json('s3://...')`, which goes through s3fs and aiobotocore, "
    "not the botocore clients the local backend answers",
}
"""Why a sample fails that the local backend cannot help (as last measured; shown for failed rows)."""


def markdown(rows: list[dict]) -> str:
    """The table as markdown: notebook, status (ran, or first failing cell and exception), seconds, why."""
    lines = ["| Notebook | Status | Seconds | Why |", "| --- | --- | --- | --- |"]
    for row in rows:
        if row["status"] == "ran":
            status, why = "ran", ""
        else:
            status = f"cell {row['cell']}: {row['exception']}".replace("|", "\\|")
            why = row.get("why", "")
        lines.append(f"| {row['notebook']} | {status} | {row['seconds']} | {why} |")
    ran = sum(row["status"] == "ran" for row in rows)
    lines.append(f"\n{ran} of {len(rows)} ran end to end.")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--samples", type=Path, required=True, help="checkout of aws-samples/amazon-personalize-samples"
    )
    parser.add_argument(
        "--ml100k",
        type=Path,
        help="folder with ml-100k.inter/.item/.user (default: the installed recbole package's)",
    )
    parser.add_argument("--work", type=Path, default=ROOT / "build" / "aws-samples")
    parser.add_argument(
        "--only", default="", help="comma-separated keys; their rows replace those in the table"
    )
    parser.add_argument("--timeout", type=int, default=900, help="seconds per cell")
    args = parser.parse_args()
    if args.ml100k is None:
        sys.path.insert(0, str(ROOT / "bench"))
        from public_dataset import locate

        args.ml100k = locate().parent
    ml = movielens(args.ml100k)
    only = {k for k in args.only.split(",") if k}
    output = RESULTS / "aws_samples.json"
    previous = (
        {r["notebook"]: r for r in json.loads(output.read_text())["rows"]} if only and output.exists() else {}
    )
    rows = []
    for key, path, layout in NOTEBOOKS:
        if only and key not in only:
            if key in previous:
                rows.append(previous[key])
            continue
        rows.append(run_one(key, path, layout, args.samples.resolve(), ml, args.work.resolve(), args.timeout))
        print(
            f"{key}: {rows[-1]['status']} {rows[-1].get('exception', '')} ({rows[-1]['seconds']} s)",
            flush=True,
        )
    commit = os.popen(f"git -C {args.samples} rev-parse HEAD 2>/dev/null").read().strip()
    RESULTS.mkdir(parents=True, exist_ok=True)
    record = {
        "samples_commit": commit,
        "data": "MovieLens 100K (ml-100k.inter/.item/.user as the recbole wheel ships them), "
        "reshaped per sample",
        "ran": sum(r["status"] == "ran" for r in rows),
        "total": len(rows),
        "rows": rows,
    }
    output.write_text(json.dumps(record, indent=1) + "\n")
    print(markdown(rows))


if __name__ == "__main__":
    main()
