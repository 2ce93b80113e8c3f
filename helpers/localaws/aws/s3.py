"""S3, locally: buckets and objects, single-part and multipart, bodies as files in the store.

Object bodies are never rewritten: each PUT writes a new file atomically and then points the
object's document at it, so a concurrent GET reads either the old or the new body whole.

The S3 model carries few limits (``validation`` checks its enums); this module checks the
documented rules: bucket names, keys of at most 1,024 bytes, part numbers 1-10,000 listed in
ascending order with every part but the last at least 5 MiB, bucket policies (``policies``),
at most 1,000 keys per DeleteObjects, ranges (an empty object has none to satisfy), user-defined
metadata of at most 2 KB, and conditional requests (``If-Match``, ``If-None-Match``,
``If-Modified-Since``, ``If-Unmodified-Since``) as the S3 user guide's "Conditional requests"
describes them.
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import io
import re
import time
import uuid
from collections.abc import Iterator

from botocore.response import StreamingBody
from botocore.utils import parse_timestamp

from helpers.localaws.aws import policies
from helpers.localaws.aws.sts import ACCOUNT
from helpers.localaws.engine import errors
from helpers.localaws.engine.store import Store

_BUCKET_NAME = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
_IP_ADDRESS = re.compile(r"^\d{1,3}(\.\d{1,3}){3}$")
_RESERVED_PREFIXES = ("xn--", "sthree-", "amzn-s3-demo-")
_RESERVED_SUFFIXES = ("-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3")
MAX_KEY_BYTES = 1024
MAX_PARTS = 10_000
MIN_PART_BYTES = 5 * 1024 * 1024
MAX_DELETE_KEYS = 1000
MAX_METADATA_BYTES = 2 * 1024
"""User-defined metadata: keys and values in UTF-8, summed (S3 user guide, "Working with object
metadata")."""
_READ_ATTEMPTS = 5
_OWNER = {"DisplayName": "local", "ID": hashlib.sha256(ACCOUNT.encode()).hexdigest()}
_LEGACY_REGION = "us-east-1"
"""The region where re-creating a bucket you own answers 200 OK (S3's CreateBucket reference)."""


def _not_transactional(fn):
    """Mark an operation that writes files before opening its own short transaction."""
    fn.transactional = False
    return fn


def _check_bucket_name(name: str) -> None:
    """InvalidBucketName naming the rule a new bucket's name breaks (S3's bucket naming rules)."""
    rule = None
    if not _BUCKET_NAME.match(name):
        rule = "3-63 lowercase letters, numbers, dots and hyphens, starting and ending with a letter or digit"
    elif ".." in name:
        rule = "no two adjacent periods"
    elif _IP_ADDRESS.match(name):
        rule = "not formatted as an IP address"
    elif name.startswith(_RESERVED_PREFIXES):
        rule = f"no reserved prefix {[p for p in _RESERVED_PREFIXES if name.startswith(p)][0]}"
    elif name.endswith(_RESERVED_SUFFIXES):
        rule = f"no reserved suffix {[x for x in _RESERVED_SUFFIXES if name.endswith(x)][0]}"
    if rule:
        raise errors.InvalidBucketName(f"The specified bucket is not valid: {name} (names need {rule})")


def _check_key(key: str) -> None:
    size = len(key.encode("utf-8"))
    if size > MAX_KEY_BYTES:
        raise errors.KeyTooLongError(
            f"Your key is too long: {size:,} bytes in UTF-8; the maximum is {MAX_KEY_BYTES:,} ({key[:40]}…)"
        )


def _check_metadata(params: dict) -> None:
    size = sum(len(k.encode()) + len(v.encode()) for k, v in (params.get("Metadata") or {}).items())
    if size > MAX_METADATA_BYTES:
        raise errors.MetadataTooLarge(
            f"Your metadata headers exceed the maximum allowed metadata size: Metadata of {params['Key']} "
            f"has {size:,} bytes; the maximum is {MAX_METADATA_BYTES:,}"
        )


_PRECONDITION = "At least one of the pre-conditions you specified did not hold: "


def _seconds(value) -> float:
    """An If-(Un)Modified-Since value (datetime or HTTP date) as a POSIX time."""
    if not isinstance(value, datetime.datetime):
        value = parse_timestamp(str(value))
    if value.tzinfo is None:
        value = value.replace(tzinfo=datetime.UTC)
    return value.timestamp()


def _check_read_conditions(doc: dict, params: dict) -> None:
    """Raise what S3 answers a GET or HEAD whose conditions do not let the object through.

    As the user guide's "Conditional requests" says: a holding If-Match overrides a failing
    If-Unmodified-Since, and a failing If-None-Match answers 304 whatever If-Modified-Since says.
    """
    etag, modified = doc["etag"].strip('"'), int(doc["mtime"])
    if_match, if_none_match = params.get("IfMatch"), params.get("IfNoneMatch")
    if if_match is not None and if_match.strip('"') not in (etag, "*"):
        raise errors.PreconditionFailed(_PRECONDITION + f"If-Match {if_match}")
    if (
        if_match is None
        and "IfUnmodifiedSince" in params
        and modified > _seconds(params["IfUnmodifiedSince"])
    ):
        raise errors.PreconditionFailed(_PRECONDITION + f"If-Unmodified-Since {params['IfUnmodifiedSince']}")
    if if_none_match is not None:
        if if_none_match.strip('"') in (etag, "*"):
            raise errors.NotModified()
    elif "IfModifiedSince" in params and modified <= _seconds(params["IfModifiedSince"]):
        raise errors.NotModified()


def _check_write_conditions(store: Store, bucket: str, key: str, params: dict) -> None:
    """If-None-Match: * (only if the key is new) and If-Match (only if its ETag is this) of a write."""
    old = store.get("object", f"{bucket}/{key}")
    if_match, if_none_match = params.get("IfMatch"), params.get("IfNoneMatch")
    if if_none_match is not None and if_none_match != "*":
        raise errors.NotImplemented(f"If-None-Match {if_none_match}: a write takes only If-None-Match: *")
    if if_none_match == "*" and old is not None:
        raise errors.PreconditionFailed(_PRECONDITION + f"If-None-Match * ({key} exists)")
    if if_match is not None:
        if old is None:
            raise errors.NoSuchKey(f"The specified key does not exist: {key} (If-Match {if_match})")
        if if_match.strip('"') != old["etag"].strip('"'):
            raise errors.PreconditionFailed(_PRECONDITION + f"If-Match {if_match}")


def _bucket(store: Store, name: str) -> dict:
    doc = store.get("bucket", name)
    if doc is None:
        raise errors.NoSuchBucket(f"The specified bucket does not exist: {name}")
    return doc


def _object(store: Store, bucket: str, key: str) -> dict:
    _bucket(store, bucket)
    doc = store.get("object", f"{bucket}/{key}")
    if doc is None:
        raise errors.NoSuchKey(f"The specified key does not exist: {key}")
    return doc


# --- buckets --------------------------------------------------------------------------------
def create_bucket(store: Store, params: dict) -> dict:
    """Create a bucket (in ``us-east-1`` unless a ``LocationConstraint`` says otherwise).

    Re-creating a bucket we own answers as S3 does: 200 OK in ``us-east-1`` (its legacy
    behaviour, which would also reset the bucket's ACLs, not emulated here), and
    BucketAlreadyOwnedByYou (409) in every other region.
    """
    name = params["Bucket"]
    _check_bucket_name(name)
    region = (params.get("CreateBucketConfiguration") or {}).get("LocationConstraint") or _LEGACY_REGION
    if not store.insert("bucket", name, {"CreationDate": time.time(), "Region": region}):
        owned_in = store.get("bucket", name).get("Region", _LEGACY_REGION)
        if owned_in != _LEGACY_REGION or region != _LEGACY_REGION:
            raise errors.BucketAlreadyOwnedByYou(
                f"Your previous request to create the named bucket succeeded and you already own it: {name}"
            )
    return {"Location": f"/{name}"}


def head_bucket(store: Store, params: dict) -> dict:
    """Succeed if the bucket exists; a missing one answers a bare 404 like S3."""
    if store.get("bucket", params["Bucket"]) is None:
        raise errors.NotFound()
    return {}


def list_buckets(store: Store, params: dict) -> dict:
    """List all buckets, sorted by name."""
    buckets = [{"Name": k, "CreationDate": d["CreationDate"]} for k, d in store.items("bucket")]
    return {"Buckets": buckets, "Owner": _OWNER}


def delete_bucket(store: Store, params: dict) -> dict:
    """Delete an empty bucket; one with objects raises BucketNotEmpty."""
    name = params["Bucket"]
    _bucket(store, name)
    if store.items("object", parent=name, limit=1):
        raise errors.BucketNotEmpty(f"The bucket you tried to delete is not empty: {name}")
    store.delete("bucket", name)
    store.delete("bucket-policy", name)
    return {"_status": 204}


def put_bucket_policy(store: Store, params: dict) -> dict:
    """Keep a bucket's policy (not enforced locally); MalformedPolicy if S3 would refuse it."""
    _bucket(store, params["Bucket"])
    reason = policies.problem(params["Policy"], "resource", bucket=params["Bucket"])
    if reason:
        raise errors.MalformedPolicy(f"Bucket policy of {params['Bucket']}: {reason}")
    store.put("bucket-policy", params["Bucket"], {"Policy": params["Policy"]})
    return {"_status": 204}


def get_bucket_policy(store: Store, params: dict) -> dict:
    """Return a bucket's policy; NoSuchBucketPolicy when it has none."""
    _bucket(store, params["Bucket"])
    doc = store.get("bucket-policy", params["Bucket"])
    if doc is None:
        raise errors.NoSuchBucketPolicy(f"The bucket policy does not exist: {params['Bucket']}")
    return {"Policy": doc["Policy"]}


# --- objects --------------------------------------------------------------------------------
def _save_object(store: Store, bucket: str, key: str, path, size: int, etag: str, params: dict) -> None:
    doc = {
        "file": store.relative(path),
        "size": size,
        "etag": etag,
        "content_type": params.get("ContentType") or "binary/octet-stream",
        "metadata": params.get("Metadata") or {},
        "mtime": time.time(),
    }
    with store.transaction():
        _bucket(store, bucket)
        _check_write_conditions(store, bucket, key, params)
        old = store.get("object", f"{bucket}/{key}")
        store.put("object", f"{bucket}/{key}", doc, parent=bucket)
        if old:
            store.after_commit(lambda: store.remove_file(old["file"]))


@_not_transactional
def put_object(store: Store, params: dict) -> dict:
    """Store an object's body (bytes, str or file) and metadata."""
    bucket, key = params["Bucket"], params["Key"]
    _check_key(key)
    _check_metadata(params)
    _bucket(store, bucket)
    _check_write_conditions(store, bucket, key, params)
    path = store.new_object_path()
    size, md5 = store.write_file(path, params.get("Body") or b"")
    try:
        _save_object(store, bucket, key, path, size, f'"{md5}"', params)
    except BaseException:
        store.remove_file(path)
        raise
    return {"ETag": f'"{md5}"'}


def _range(header: str, size: int) -> tuple[int, int]:
    m = re.fullmatch(r"bytes=(\d*)-(\d*)", header.strip())
    if not m or m.groups() == ("", ""):
        raise errors.InvalidRange(f"The requested range is not valid: {header}")
    first, last = m.groups()
    if first == "":
        start, end = max(size - int(last), 0), size - 1
    else:
        start, end = int(first), min(int(last), size - 1) if last else size - 1
    if start >= size or start > end:
        raise errors.InvalidRange(f"The requested range {header} is not satisfiable for {size} bytes")
    return start, end


def _head(doc: dict) -> dict:
    return {
        "ContentLength": doc["size"],
        "ContentType": doc["content_type"],
        "ETag": doc["etag"],
        "LastModified": doc["mtime"],
        "Metadata": doc["metadata"],
        "AcceptRanges": "bytes",
    }


def get_object(store: Store, params: dict) -> dict:
    """Return an object's body as a StreamingBody; ``Range`` returns part of it (206)."""
    for attempt in range(_READ_ATTEMPTS):
        doc = _object(store, params["Bucket"], params["Key"])
        _check_read_conditions(doc, params)
        answer = _head(doc)
        start, end = 0, doc["size"] - 1
        if params.get("Range"):
            if not doc["size"]:
                raise errors.InvalidRange(
                    f"The requested range {params['Range']} is not satisfiable: {params['Key']} is empty"
                )
            start, end = _range(params["Range"], doc["size"])
            answer["ContentRange"] = f"bytes {start}-{end}/{doc['size']}"
            answer["_status"] = 206
        try:
            with open(store.absolute(doc["file"]), "rb") as f:
                f.seek(start)
                data = f.read(end - start + 1) if doc["size"] else b""
            break
        except FileNotFoundError:  # overwritten (and the old body removed) since we read the document
            if attempt == _READ_ATTEMPTS - 1:
                raise
    answer["ContentLength"] = len(data)
    answer["Body"] = StreamingBody(io.BytesIO(data), len(data))
    return answer


def head_object(store: Store, params: dict) -> dict:
    """Return an object's metadata; a missing key (or bucket) answers a bare 404 like S3."""
    if store.get("bucket", params["Bucket"]) is None:
        raise errors.NotFound()
    doc = store.get("object", f"{params['Bucket']}/{params['Key']}")
    if doc is None:
        raise errors.NotFound()
    try:
        _check_read_conditions(doc, params)
    except errors.PreconditionFailed as exc:  # a HEAD answer has no body: only the status
        raise errors.AWSError("412", exc.message, 412) from None
    return _head(doc)


def list_objects_v2(store: Store, params: dict) -> dict:
    """List keys in binary order with Prefix, Delimiter, StartAfter, MaxKeys, ContinuationToken."""
    bucket = params["Bucket"]
    _bucket(store, bucket)
    prefix, delimiter = params.get("Prefix", ""), params.get("Delimiter")
    max_keys = int(params.get("MaxKeys", 1000))
    after = params.get("StartAfter")
    if params.get("ContinuationToken"):
        try:
            after = base64.urlsafe_b64decode(params["ContinuationToken"].encode()).decode()
        except ValueError as exc:
            raise errors.InvalidArgument(
                f"The continuation token provided is incorrect: {params['ContinuationToken']}"
            ) from exc
    contents, common, last, truncated = [], [], None, False
    rows = store.items(
        "object", parent=bucket, prefix=f"{bucket}/{prefix}", after=f"{bucket}/{after}" if after else None
    )
    for full, doc in rows:
        key = full[len(bucket) + 1 :]
        if len(contents) + len(common) >= max_keys:
            truncated = True
            break
        if delimiter and delimiter in key[len(prefix) :]:
            cp = key[: len(prefix) + key[len(prefix) :].index(delimiter) + len(delimiter)]
            if common and common[-1]["Prefix"] == cp:
                continue
            common.append({"Prefix": cp})
            last = cp + "\U0010ffff"
            continue
        contents.append(
            {
                "Key": key,
                "LastModified": doc["mtime"],
                "ETag": doc["etag"],
                "Size": doc["size"],
                "StorageClass": "STANDARD",
            }
        )
        last = key
    answer = {
        "IsTruncated": truncated,
        "Name": bucket,
        "Prefix": prefix,
        "MaxKeys": max_keys,
        "KeyCount": len(contents) + len(common),
    }
    if contents:
        answer["Contents"] = contents
    if common:
        answer["CommonPrefixes"] = common
    if delimiter:
        answer["Delimiter"] = delimiter
    if params.get("ContinuationToken"):
        answer["ContinuationToken"] = params["ContinuationToken"]
    if params.get("StartAfter"):
        answer["StartAfter"] = params["StartAfter"]
    if truncated and last is not None:
        answer["NextContinuationToken"] = base64.urlsafe_b64encode(last.encode()).decode()
    return answer


def delete_object(store: Store, params: dict) -> dict:
    """Delete a key (deleting a missing key succeeds, as on S3)."""
    bucket, key = params["Bucket"], params["Key"]
    _bucket(store, bucket)
    old = store.get("object", f"{bucket}/{key}")
    if old:
        store.delete("object", f"{bucket}/{key}")
        store.after_commit(lambda: store.remove_file(old["file"]))
    return {"_status": 204}


def delete_objects(store: Store, params: dict) -> dict:
    """Delete up to 1,000 keys at once."""
    bucket = params["Bucket"]
    _bucket(store, bucket)
    if len(params["Delete"]["Objects"]) > MAX_DELETE_KEYS:
        raise errors.MalformedXML(
            f"The XML you provided was not well-formed or did not validate against our published schema: "
            f"{len(params['Delete']['Objects']):,} keys given, at most {MAX_DELETE_KEYS:,} are allowed"
        )
    deleted = []
    for item in params["Delete"]["Objects"]:
        delete_object(store, {"Bucket": bucket, "Key": item["Key"]})
        deleted.append({"Key": item["Key"]})
    return {} if params["Delete"].get("Quiet") else {"Deleted": deleted}


# --- multipart ------------------------------------------------------------------------------
def _upload(store: Store, params: dict) -> dict:
    _bucket(store, params["Bucket"])
    doc = store.get("upload", params["UploadId"])
    if doc is None or doc["Bucket"] != params["Bucket"] or doc["Key"] != params["Key"]:
        raise errors.NoSuchUpload(f"The specified upload does not exist: {params['UploadId']}")
    return doc


def create_multipart_upload(store: Store, params: dict) -> dict:
    """Start a multipart upload and return its UploadId."""
    _check_key(params["Key"])
    _check_metadata(params)
    _bucket(store, params["Bucket"])
    upload_id = uuid.uuid4().hex
    doc = {
        "Bucket": params["Bucket"],
        "Key": params["Key"],
        "ContentType": params.get("ContentType"),
        "Metadata": params.get("Metadata") or {},
        "Initiated": time.time(),
    }
    store.put("upload", upload_id, doc, parent=params["Bucket"])
    return {"Bucket": params["Bucket"], "Key": params["Key"], "UploadId": upload_id}


@_not_transactional
def upload_part(store: Store, params: dict) -> dict:
    """Store one part (numbered 1-10,000) of a multipart upload."""
    number = int(params["PartNumber"])
    if not 1 <= number <= MAX_PARTS:
        raise errors.InvalidArgument(
            f"PartNumber {number}: part number must be an integer between 1 and {MAX_PARTS:,}, inclusive"
        )
    _upload(store, params)
    path = store.upload_dir(params["UploadId"]) / f"{number:05d}"
    size, md5 = store.write_file(path, params.get("Body") or b"")
    with store.transaction():
        _upload(store, params)
        doc = {"file": store.relative(path), "size": size, "etag": f'"{md5}"', "md5": md5}
        store.put("part", f"{params['UploadId']}/{number:05d}", doc, parent=params["UploadId"])
    return {"ETag": f'"{md5}"'}


def _concatenate(store: Store, paths: list) -> Iterator[bytes]:
    for path in paths:
        with open(path, "rb") as f:
            while chunk := f.read(1 << 20):
                yield chunk


@_not_transactional
def complete_multipart_upload(store: Store, params: dict) -> dict:
    """Join the listed parts, in order, into the object; InvalidPart if one is missing."""
    upload = _upload(store, params)
    upload_id = params["UploadId"]
    listed = (params.get("MultipartUpload") or {}).get("Parts") or []
    unnamed = [p.get("PartNumber", "?") for p in listed if "ETag" not in p or "PartNumber" not in p]
    if not listed or unnamed:
        raise errors.MalformedXML(
            "The XML you provided was not well-formed or did not validate against our published schema: "
            + (
                "MultipartUpload.Parts lists no part"
                if not listed
                else f"part {unnamed[0]} needs ETag and PartNumber"
            )
        )
    numbers = [int(p["PartNumber"]) for p in listed]
    if any(b <= a for a, b in zip(numbers, numbers[1:], strict=False)):
        raise errors.InvalidPartOrder(
            f"The list of parts was not in ascending order ({numbers[:10]}): the parts list must be "
            "specified in order by part number."
        )
    stored = dict(store.items("part", parent=upload_id))
    docs = []
    for part in listed:
        doc = stored.get(f"{upload_id}/{int(part['PartNumber']):05d}")
        if doc is None or part["ETag"].strip('"') != doc["md5"]:
            raise errors.InvalidPart(
                f"Part {part['PartNumber']} of upload {upload_id} was not uploaded or its ETag differs"
            )
        docs.append(doc)
    for part, doc in zip(listed[:-1], docs, strict=False):
        if doc["size"] < MIN_PART_BYTES:
            raise errors.EntityTooSmall(
                f"Your proposed upload is smaller than the minimum allowed size: part {part['PartNumber']} "
                f"has {doc['size']:,} bytes; every part but the last needs at least {MIN_PART_BYTES:,}"
            )
    paths = [store.absolute(doc["file"]) for doc in docs]
    md5s = b"".join(bytes.fromhex(doc["md5"]) for doc in docs)
    path = store.new_object_path()
    size, _ = store.write_file(path, _concatenate(store, paths))
    etag = f'"{hashlib.md5(md5s).hexdigest()}-{len(paths)}"'
    extra = {"ContentType": upload.get("ContentType"), "Metadata": upload.get("Metadata")}
    with store.transaction():
        _upload(store, params)
        _save_object(store, params["Bucket"], params["Key"], path, size, etag, extra)
        store.delete("upload", upload_id)
        store.delete_many("part", list(stored))
        store.after_commit(lambda: _remove_tree(store.upload_dir(upload_id)))
    return {"Bucket": params["Bucket"], "Key": params["Key"], "ETag": etag, "Location": f"/{params['Key']}"}


def abort_multipart_upload(store: Store, params: dict) -> dict:
    """Drop a multipart upload and its parts."""
    _upload(store, params)
    upload_id = params["UploadId"]
    store.delete("upload", upload_id)
    store.delete_many("part", [k for k, _ in store.items("part", parent=upload_id)])
    store.after_commit(lambda: _remove_tree(store.upload_dir(upload_id)))
    return {"_status": 204}


def _remove_tree(path) -> None:
    import shutil

    shutil.rmtree(path, ignore_errors=True)


def list_objects(store: Store, params: dict) -> dict:
    """List keys (version 1 of the API, which boto3's resource collections use)."""
    v2 = dict(params)
    if params.get("Marker"):
        v2["StartAfter"] = params["Marker"]
    v2.pop("Marker", None)
    answer = list_objects_v2(store, v2)
    out = {k: answer[k] for k in ("IsTruncated", "Name", "Prefix", "MaxKeys") if k in answer}
    for k in ("Contents", "CommonPrefixes", "Delimiter"):
        if k in answer:
            out[k] = answer[k]
    if params.get("Marker"):
        out["Marker"] = params["Marker"]
    if answer["IsTruncated"] and answer.get("Contents"):
        out["NextMarker"] = answer["Contents"][-1]["Key"]
    return out
