"""Dataset import jobs: read CSVs from local S3, check them against the Avro schema, store them.

The checks are Personalize's, vectorised with pyarrow/pandas (675,000 rows take seconds):

- the schema: an Avro ``record`` whose fields have the allowed types (``long``, ``int``,
  ``float``, ``double``, ``string``, ``boolean``, or a union with ``null``), with the required
  fields of the dataset type and domain;
- the CSV: not empty, every field of the schema among its header names, every value of its type
  and required values present (see "Header names" below);
- Interactions: at least 1,000 interactions and 25 users with 2 or more each (counted over
  the data the dataset will hold after the import).

**Header names.** The developer guide says only that the CSV's column headers "must map to the
schema" ("Preparing training data", "Bulk data format guidelines"). AWS's own sample notebooks
(``aws-samples/amazon-personalize-samples``) import files that hold more: pandas' unnamed index
column, columns the schema leaves out (the sample on updating an Items schema imports one file
first with the old schema and then with the new one), and a header ``creation_timestamp`` for the
schema's ``CREATION_TIMESTAMP``, and their imports succeed. So an import here takes what AWS
takes: a header is matched to a field regardless of case (and surrounding spaces), and columns
that match no field are ignored; a field missing from the header, or a field matched by two
columns, fails the job.

A failure ends the job ``CREATE FAILED`` with a reason naming the file, column and row (rows
count lines of the file, the header being row 1). Data is only switched in at the end, in
the same transaction that makes the job ``ACTIVE``: a dataset is never half-imported.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import logging
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

from helpers.localaws.engine import errors
from helpers.localaws.engine.store import Store
from helpers.localaws.personalize import resources

log = logging.getLogger(__name__)

DATASET_TYPES = {"INTERACTIONS", "ITEMS", "USERS", "ACTIONS", "ACTION_INTERACTIONS"}
"""Dataset types CreateDataset accepts (case-insensitive)."""

TYPES = ("long", "int", "float", "double", "string", "boolean")
"""Avro types Personalize accepts for a field (optionally in a union with ``null``)."""

MIN_INTERACTIONS = 1_000
MIN_USERS = 25
MIN_PER_USER = 2
MAX_CATEGORICAL_CHARS = 1000
"""Characters of a categorical value (Amazon Personalize endpoints and quotas)."""

_REQUIRED: dict[tuple[str, str | None], dict[str, str]] = {
    ("INTERACTIONS", None): {"USER_ID": "string", "ITEM_ID": "string", "TIMESTAMP": "long"},
    ("INTERACTIONS", "ECOMMERCE"): {
        "USER_ID": "string",
        "ITEM_ID": "string",
        "TIMESTAMP": "long",
        "EVENT_TYPE": "string",
    },  # fmt: skip
    ("INTERACTIONS", "VIDEO_ON_DEMAND"): {
        "USER_ID": "string",
        "ITEM_ID": "string",
        "TIMESTAMP": "long",
        "EVENT_TYPE": "string",
    },
    ("ITEMS", None): {"ITEM_ID": "string"},
    ("ITEMS", "ECOMMERCE"): {"ITEM_ID": "string", "PRICE": "float", "CATEGORY_L1": "string"},
    ("USERS", None): {"USER_ID": "string"},
    ("USERS", "ECOMMERCE"): {"USER_ID": "string"},
    ("ACTIONS", None): {"ACTION_ID": "string"},
    ("ACTION_INTERACTIONS", None): {
        "USER_ID": "string",
        "ACTION_ID": "string",
        "TIMESTAMP": "long",
        "EVENT_TYPE": "string",
    },
}
"""Required fields (and their non-null type) per dataset type and domain; the Actions and Action
interactions datasets' are those of the guide's "Actions dataset schema requirements" and
"Action interactions dataset schema requirements" (custom dataset groups only)."""


@dataclass(frozen=True)
class Field:
    """One field of an Avro schema, as Personalize reads it."""

    name: str
    type: str
    nullable: bool
    categorical: bool = False
    textual: bool = False
    item_name: bool = False


def parse_schema(text: str) -> list[Field]:
    """Parse and check an Avro schema; InvalidInputException naming the field at fault."""
    try:
        schema = json.loads(text)
    except ValueError as exc:
        raise errors.InvalidInputException(f"The schema is not valid JSON: {exc}") from exc
    if not isinstance(schema, dict) or schema.get("type") != "record":
        raise errors.InvalidInputException('The schema must be an Avro record ("type": "record").')
    raw = schema.get("fields")
    if not isinstance(raw, list) or not raw:
        raise errors.InvalidInputException("The schema must list at least one field in 'fields'.")
    fields, seen = [], set()
    for item in raw:
        name = item.get("name") if isinstance(item, dict) else None
        if not isinstance(name, str) or not name:
            raise errors.InvalidInputException(f"Every schema field needs a name: {item!r}")
        if name in seen:
            raise errors.InvalidInputException(f"Field {name} appears twice in the schema.")
        seen.add(name)
        kind = item.get("type")
        options = kind if isinstance(kind, list) else [kind]
        nullable = "null" in options
        others = [t for t in options if t != "null"]
        if len(others) != 1 or others[0] not in TYPES:
            raise errors.InvalidInputException(
                f"Field {name} has type {kind!r}; allowed are {list(TYPES)}, optionally in a union with null."
            )
        flags = (bool(item.get("categorical")), bool(item.get("textual")), bool(item.get("itemName")))
        field = Field(name, others[0], nullable, *flags)
        if any(flags) and field.type != "string":
            raise errors.InvalidInputException(
                f"Field {name} is categorical, textual or itemName but not a string."
            )
        fields.append(field)
    return fields


def check_schema_for(fields: list[Field], dataset_type: str, domain: str | None) -> None:
    """Check a schema holds the fields its dataset type (and domain) requires."""
    required = _REQUIRED.get((dataset_type, domain), _REQUIRED.get((dataset_type, None), {}))
    by_name = {f.name: f for f in fields}
    where = f"{dataset_type.title()} dataset" + (f" of the {domain} domain" if domain else "")
    for name, kind in required.items():
        field = by_name.get(name)
        if field is None:
            raise errors.InvalidInputException(f"The schema of a {where} needs a {name} field.")
        if field.type != kind and not (kind == "float" and field.type == "double"):
            raise errors.InvalidInputException(
                f"{name} must be of type {kind} in a {where}, not {field.type}."
            )
        if name in ("USER_ID", "ITEM_ID", "ACTION_ID", "TIMESTAMP") and field.nullable:
            raise errors.InvalidInputException(f"{name} must not be nullable in a {where}.")
    if dataset_type in ("ITEMS", "USERS", "ACTIONS") and len(fields) < 2:
        raise errors.InvalidInputException(f"The schema of a {where} needs at least one metadata field.")
    for f in fields:
        if (f.textual or f.item_name) and dataset_type != "ITEMS":
            kind = "textual" if f.textual else "itemName"
            raise errors.InvalidInputException(f"Field {f.name} is {kind}, which only Items datasets allow.")


class ImportFailed(Exception):
    """The data breaks a rule; the message becomes the job's failureReason."""


# --- reading ---------------------------------------------------------------------------------
def sources(store: Store, location: str) -> list[tuple[str, dict]]:
    """Return the S3 objects behind a location: one key, or every object under a prefix."""
    bucket, _, key = location[len("s3://") :].partition("/")
    if store.get("bucket", bucket) is None:
        raise ImportFailed(f"Input data location {location} does not exist: no bucket {bucket}.")
    doc = store.get("object", f"{bucket}/{key}") if key and not key.endswith("/") else None
    if doc is not None:
        return [(location, doc)]
    prefix = key if not key or key.endswith("/") else key + "/"
    found = [
        (f"s3://{k}", d)
        for k, d in store.items("object", parent=bucket, prefix=f"{bucket}/{prefix}")
        if d["size"] and not k.endswith("/")
    ]
    if not found:
        raise ImportFailed(f"Input data location {location} does not exist or holds no files.")
    return found


def _read_csv(store: Store, name: str, doc: dict, fields: list[Field]) -> pd.DataFrame:
    path = store.absolute(doc["file"])
    if doc["size"] == 0:
        raise ImportFailed(f"{name} is empty.")
    try:
        with open(path, newline="", encoding="utf-8-sig") as f:
            header = next(csv.reader(io.StringIO(f.readline())), [])
            has_rows = bool(f.read(4096).strip())
    except UnicodeDecodeError:
        raise ImportFailed(_locate_problem(name, path, 0)) from None
    raw_header = header
    header = [h.strip() for h in header]
    if not any(header):
        raise ImportFailed(f"{name} has no header row.")
    if not has_rows:
        raise ImportFailed(f"{name} has a header but no rows.")
    expected = {f.name.upper(): f.name for f in fields}
    matched = [expected.get(h.upper()) for h in header]  # the field each column maps to, if any
    dupes = sorted({f for f in matched if f is not None and matched.count(f) > 1})
    missing = [n for n in expected.values() if n not in matched]
    if dupes:
        raise ImportFailed(f"{name}: field {dupes[0]} is matched by two columns of the header {header}.")
    if missing:
        raise ImportFailed(
            f"{name}: column {missing[0]} of the schema is missing from the CSV header {header}."
        )
    try:
        table = pacsv.read_csv(
            path,
            read_options=pacsv.ReadOptions(
                column_names=[f"c{i}" for i in range(len(raw_header))], skip_rows=1
            ),
            convert_options=pacsv.ConvertOptions(
                column_types={f"c{i}": pa.string() for i in range(len(raw_header))},
                include_columns=[f"c{i}" for i, f in enumerate(matched) if f is not None],
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
        table = table.rename_columns([f for f in matched if f is not None])
    except (pa.ArrowInvalid, UnicodeDecodeError):
        raise ImportFailed(_locate_problem(name, path, len(header))) from None
    if table.num_rows == 0:
        raise ImportFailed(f"{name} has a header but no rows.")
    return table.to_pandas()


def _locate_problem(name: str, path: Path, width: int) -> str:
    """Name the row (and byte) that makes a file unreadable: a byte that is not UTF-8, a ragged row.

    Only called once the fast reader failed, so reading the whole file here is affordable.

    Args:
        name: the file's s3:// name, for the message.
        path: the file on disk.
        width: the number of header columns (0 to check the encoding only).
    """
    raw = Path(path).read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line_start = raw.rfind(b"\n", 0, exc.start) + 1
        row = raw.count(b"\n", 0, exc.start) + 1
        return (
            f"{name}: Row {row}: byte 0x{raw[exc.start]:02x} at position "
            f"{exc.start - line_start + 1} is not valid UTF-8; save the file as UTF-8."
        )
    reader = csv.reader(io.StringIO(text, newline=""))
    for values in reader:
        if width and values and len(values) != width:
            return (
                f"{name}: Row {reader.line_num}: {len(values)} values, but the header has {width} "
                "columns (a missing or extra comma, or an unclosed quote)."
            )
    return f"{name}: the file is not a valid CSV file (check its quoting)."


def _first(mask: np.ndarray) -> int:
    return int(np.flatnonzero(mask)[0])


def _convert(name: str, frame: pd.DataFrame, fields: list[Field]) -> pd.DataFrame:
    """Check every value against its field and return typed columns (vectorised)."""
    out = {}
    for field in fields:
        raw = frame[field.name].str.strip()
        empty = (raw == "").to_numpy()
        if empty.any() and not field.nullable:
            row = _first(empty)
            raise ImportFailed(
                f"{name}: Row {row + 2}: {field.name} is empty but the schema does not allow null."
            )
        if field.type == "string":
            values = raw.where(~empty, None)
            limit = (
                256
                if field.name in ("USER_ID", "ITEM_ID", "EVENT_TYPE")
                else MAX_CATEGORICAL_CHARS
                if field.categorical
                else 20_000
            )
            too_long = (raw.str.len() > limit).to_numpy()
            if too_long.any():
                row = _first(too_long)
                raise ImportFailed(
                    f"{name}: Row {row + 2}: {field.name} value is longer than {limit} characters."
                )
            out[field.name] = values
        elif field.type == "boolean":
            lower = raw.str.lower()
            bad = ~(lower.isin(["true", "false"]).to_numpy() | empty)
            if bad.any():
                row = _first(bad)
                raise ImportFailed(
                    f"{name}: Row {row + 2}: {field.name} value {raw.iloc[row]!r} is not a boolean."
                )
            out[field.name] = pd.array(np.where(empty, None, lower == "true"), dtype="boolean")
        else:
            parsed = pd.to_numeric(raw.where(~empty, None) if empty.any() else raw, errors="coerce")
            numbers = parsed.to_numpy(dtype="float64")
            bad = np.isnan(numbers) & ~empty
            if field.type in ("long", "int"):
                with np.errstate(invalid="ignore"):
                    bad |= ~empty & (np.floor(numbers) != numbers)
                if field.type == "int":
                    bad |= ~empty & (np.abs(numbers) > 2**31 - 1)
            if bad.any():
                row = _first(bad)
                raise ImportFailed(
                    f"{name}: Row {row + 2}: {field.name} value {raw.iloc[row]!r} is not "
                    f"{'an' if field.type == 'int' else 'a'} {field.type}."
                )
            if field.type in ("long", "int"):
                if field.type == "long" and not empty.any():
                    out[field.name] = parsed.astype("int64")  # parsed as int64: no float rounding
                else:
                    out[field.name] = pd.array(np.where(empty, None, numbers), dtype="Int64")
            else:
                out[field.name] = numbers
    return pd.DataFrame(out)


def load_csv(store: Store, name: str, doc: dict, fields: list[Field]) -> pd.DataFrame:
    """Read one CSV object and check it against the schema's fields.

    Args:
        store: the state folder.
        name: the object's ``s3://`` name, for messages.
        doc: the object's document (``file``, ``size``).
        fields: the schema's fields (``parse_schema``).

    Returns:
        One typed column per field, one row per CSV row.

    Raises:
        ImportFailed: the file breaks a rule; the message names the file, and the row and
            column when there is one.
    """
    return _convert(name, _read_csv(store, name, doc, fields), fields)


def check_minimums(frame: pd.DataFrame, dataset_type: str) -> None:
    """Check Personalize's data minimums for Interactions (over the data after import)."""
    if dataset_type != "INTERACTIONS":
        return
    if len(frame) < MIN_INTERACTIONS:
        raise ImportFailed(
            f"Interactions dataset has {len(frame):,} interactions; "
            f"at least {MIN_INTERACTIONS:,} are required."
        )
    per_user = frame["USER_ID"].value_counts()
    users = int((per_user >= MIN_PER_USER).sum())
    if users < MIN_USERS:
        raise ImportFailed(
            f"Interactions dataset has {users} users with at least {MIN_PER_USER} interactions; "
            f"at least {MIN_USERS} are required."
        )


# --- the job --------------------------------------------------------------------------------
def run(store: Store, job_arn: str) -> None:
    """Run an import job (the ``work`` of ``jobs``): check, store, then switch the data in."""
    job = store.get("dataset-import-job", job_arn)
    if job is None or job["status"] not in ("CREATE PENDING", "CREATE IN_PROGRESS"):
        return
    resources.set_status(store, "dataset-import-job", job_arn, "CREATE IN_PROGRESS")
    ds = store.get("dataset", job["datasetArn"])
    if ds is None:
        raise ImportFailed(f"Dataset {job['datasetArn']} no longer exists.")
    try:
        frame = _load(store, job, ds)
    except ImportFailed as exc:
        _finish(store, job, ds, None, str(exc))
        return
    except (ValueError, OSError, pa.ArrowException) as exc:  # a reason to act on, not a traceback
        log.exception("import %s could not read its data", job_arn)
        reason = (
            f"{job['dataSource']['dataLocation']} could not be read ({type(exc).__name__}); "
            "check that it holds UTF-8 CSV files with the schema's columns."
        )
        _finish(store, job, ds, None, reason)
        return
    part = store.dataset_dir(ds["datasetArn"]) / f"{hashlib.sha1(job_arn.encode()).hexdigest()[:16]}.parquet"
    store.write_table(part, frame)
    _finish(store, job, ds, store.relative(part), None)


def _load(store: Store, job: dict, ds: dict) -> pd.DataFrame:
    schema = store.get("schema", ds["schemaArn"])
    fields = parse_schema(schema["schema"])
    frames = []
    for name, doc in sources(store, job["dataSource"]["dataLocation"]):
        frames.append(load_csv(store, name, doc, fields))
    frame = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
    combined = frame
    if job["importMode"] == "INCREMENTAL" and ds.get("parts"):
        combined = pd.concat(
            [pd.read_parquet(store.absolute(p)) for p in ds["parts"]] + [frame], ignore_index=True
        )
    check_minimums(combined, ds["datasetType"])
    return frame


def _finish(store: Store, job: dict, ds: dict, part: str | None, reason: str | None) -> None:
    now = time.time()
    status = "ACTIVE" if reason is None else "CREATE FAILED"
    with store.transaction():
        current = store.get("dataset", ds["datasetArn"])
        if current is None:
            return
        changes: dict = {
            "latestDatasetUpdate": {
                "schemaArn": ds["schemaArn"],
                "status": status,
                "creationDateTime": job["creationDateTime"],
                "lastUpdatedDateTime": now,
                **({"failureReason": reason} if reason else {}),
            },
            "lastUpdatedDateTime": now,
        }
        old_parts = current.get("parts", [])
        if part is not None:
            parts = [part] if job["importMode"] == "FULL" else [p for p in old_parts if p != part] + [part]
            changes["parts"] = parts
            dropped = [p for p in old_parts if p not in parts]
            store.after_commit(lambda: [store.remove_file(p) for p in dropped])
        store.update("dataset", ds["datasetArn"], changes)
        job_changes: dict = {"status": status, "lastUpdatedDateTime": now}
        if reason:
            job_changes["failureReason"] = reason
        store.update("dataset-import-job", job["datasetImportJobArn"], job_changes)
