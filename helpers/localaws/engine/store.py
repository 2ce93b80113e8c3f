"""The local backend's state on disk: SQLite (WAL) for metadata, files for bytes.

All SQL of the backend lives here. Layout of the state folder::

    state.sqlite        documents (one JSON per resource), jobs, streamed records, metric datapoints
    objects/            S3 object bodies, one file per version written (never rewritten)
    uploads/<id>/       multipart parts until CompleteMultipartUpload
    datasets/<hash>/    imported dataset data, one Parquet file per import job
    models/             trained artefacts (recommenders, solution versions)
    tmp/                temp files, renamed into place with ``os.replace``
    secret.key          the key that encrypts SecureString values at rest

The folder is created readable by its owner only (0700) and every file in it 0600: local state
holds what the learner put in Parameter Store and S3.

Every process and thread opens its own connection; writes run in ``BEGIN IMMEDIATE``
transactions with a long busy timeout, so concurrent writers queue instead of failing, and a
process killed mid-way leaves the last committed state. Files are written to ``tmp/`` first and
renamed, so a reader sees a whole file or none. A temp file's name starts with its writer's
owner id (``processes.me()``); those of dead writers are swept when a store opens and when
orphaned work is claimed, so a kill mid-write leaves no garbage behind. Object bodies are named
after their writer too: one whose writer died before committing the document that names it (a
kill between the rename and the commit) is swept the same way.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import sqlite3
import threading
import uuid
from collections.abc import Callable, Hashable, Iterable, Iterator
from pathlib import Path
from typing import BinaryIO, TypeVar

import pandas as pd
from cryptography.fernet import Fernet, InvalidToken

from helpers.localaws.engine import processes

_SCHEMA = """
CREATE TABLE IF NOT EXISTS docs (
    ns TEXT NOT NULL,          -- kind of resource: 'bucket', 'object', 'dataset-group', ...
    key TEXT NOT NULL,         -- its ARN, name or bucket/key
    parent TEXT,               -- the resource it belongs to (bucket, dataset group, ...)
    data TEXT NOT NULL,        -- the resource as JSON
    PRIMARY KEY (ns, key)
);
CREATE INDEX IF NOT EXISTS docs_parent ON docs (ns, parent, key);
CREATE TABLE IF NOT EXISTS jobs (
    arn TEXT PRIMARY KEY,      -- the resource the work creates
    kind TEXT NOT NULL,        -- which registered work function runs it
    owner TEXT NOT NULL        -- 'pid:start-time' of the process running it
);
CREATE TABLE IF NOT EXISTS records (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,  -- arrival order, across processes
    dataset TEXT NOT NULL,     -- ARN of the dataset the record streamed into
    user_id TEXT,              -- USER_ID of the record, if it has one
    session_id TEXT,           -- sessionId of an event
    data TEXT NOT NULL         -- the record as JSON, in the schema's column names
);
CREATE INDEX IF NOT EXISTS records_user ON records (dataset, user_id);
CREATE INDEX IF NOT EXISTS records_session ON records (dataset, session_id);
CREATE TABLE IF NOT EXISTS datapoints (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,  -- arrival order
    namespace TEXT NOT NULL,   -- CloudWatch namespace ('AWS/Personalize')
    metric TEXT NOT NULL,      -- metric name
    dimensions TEXT NOT NULL,  -- the dimensions as JSON [[name, value], ...], sorted by name
    timestamp REAL NOT NULL,   -- epoch seconds of the datapoint
    value REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS datapoints_metric ON datapoints (namespace, metric);
"""

_CHUNK = 1 << 20
T = TypeVar("T")
_DIR_MODE = 0o700
_FILE_MODE = 0o600


class Store:
    """The state folder of the local backend.

    Args:
        root: the state folder; created if missing.
    """

    def __init__(self, root: Path | str) -> None:
        self.root = Path(root).resolve()
        if not self.root.exists():  # a folder the user chose and that exists keeps its mode
            with contextlib.suppress(FileExistsError):  # another process made it meanwhile
                self.root.mkdir(mode=_DIR_MODE, parents=True)
                os.chmod(self.root, _DIR_MODE)  # whatever the umask
        for sub in ("objects", "uploads", "datasets", "models", "tmp"):
            (self.root / sub).mkdir(mode=_DIR_MODE, exist_ok=True)
        self.db_path = self.root / "state.sqlite"
        os.close(os.open(self.db_path, os.O_CREAT | os.O_WRONLY, _FILE_MODE))  # SQLite's -wal, -shm follow
        self._local = threading.local()
        self._fernet: Fernet | None = None
        self._conn().executescript(_SCHEMA)
        self.sweep_temp_files()
        self.sweep_orphan_objects()

    @property
    def models_dir(self) -> Path:
        """Folder for trained artefacts."""
        return self.root / "models"

    # --- connections and transactions -------------------------------------------------------
    def _conn(self) -> sqlite3.Connection:
        local = self._local
        if getattr(local, "pid", None) != os.getpid():  # new thread, or a forked child
            conn = sqlite3.connect(self.db_path, timeout=60, isolation_level=None)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("PRAGMA busy_timeout=60000")
            local.conn, local.pid, local.depth, local.after, local.memo = conn, os.getpid(), 0, [], {}
        return local.conn

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        """Run the block in one write transaction (re-entrant; the outermost one commits).

        Callbacks given to ``after_commit`` inside the block run once it committed.
        """
        conn = self._conn()
        local = self._local
        if local.depth:
            local.depth += 1
            try:
                yield
            finally:
                local.depth -= 1
            return
        conn.execute("BEGIN IMMEDIATE")
        local.depth = 1
        try:
            yield
        except BaseException:
            conn.execute("ROLLBACK")
            local.after = []
            raise
        else:
            conn.execute("COMMIT")
            callbacks, local.after = local.after, []
            for fn in callbacks:
                fn()
        finally:
            local.depth = 0

    def after_commit(self, fn: Callable[[], None]) -> None:
        """Run ``fn`` once the current transaction commits (at once if there is none)."""
        self._conn()
        if self._local.depth:
            self._local.after.append(fn)
        else:
            fn()

    def version(self) -> tuple[int, int]:
        """A value that changes whenever the database does: a cheap key for caches of what is read.

        SQLite's ``data_version`` changes when another connection (process or thread) commits;
        ``total_changes`` counts this connection's own writes, committed or not.
        """
        conn = self._conn()
        return conn.execute("PRAGMA data_version").fetchone()[0], conn.total_changes

    def cached(self, key: Hashable, compute: Callable[[], T]) -> T:
        """``compute()``, kept (per thread) until the database changes (``version``).

        For what is read on every call and changes only with a write; the value is shared by
        the callers that read it, so they must not change it.
        """
        version, memo = self.version(), self._local.memo
        hit = memo.get(key)
        if hit is not None and hit[0] == version:
            return hit[1]
        value = compute()
        memo[key] = (version, value)  # read before computing: a change meanwhile shows next time
        return value

    # --- documents --------------------------------------------------------------------------
    def get(self, ns: str, key: str) -> dict | None:
        """Return one document, or None."""
        row = self._conn().execute("SELECT data FROM docs WHERE ns=? AND key=?", (ns, key)).fetchone()
        return json.loads(row[0]) if row else None

    def insert(self, ns: str, key: str, data: dict, parent: str | None = None) -> bool:
        """Add a document; return False (and change nothing) if the key exists."""
        cur = self._conn().execute(
            "INSERT OR IGNORE INTO docs (ns, key, parent, data) VALUES (?, ?, ?, ?)",
            (ns, key, parent, json.dumps(data)),
        )
        return cur.rowcount == 1

    def put(self, ns: str, key: str, data: dict, parent: str | None = None) -> None:
        """Add or replace a document."""
        self._conn().execute(
            "INSERT OR REPLACE INTO docs (ns, key, parent, data) VALUES (?, ?, ?, ?)",
            (ns, key, parent, json.dumps(data)),
        )

    def update(self, ns: str, key: str, changes: dict) -> dict | None:
        """Merge ``changes`` into a document atomically; return the new one (None if absent)."""
        with self.transaction():
            doc = self.get(ns, key)
            if doc is None:
                return None
            doc.update(changes)
            self._conn().execute("UPDATE docs SET data=? WHERE ns=? AND key=?", (json.dumps(doc), ns, key))
            return doc

    def delete(self, ns: str, key: str) -> bool:
        """Remove a document; return whether it existed."""
        return self._conn().execute("DELETE FROM docs WHERE ns=? AND key=?", (ns, key)).rowcount == 1

    def delete_many(self, ns: str, keys: Iterable[str]) -> int:
        """Remove documents; return how many existed."""
        conn = self._conn()
        return sum(conn.execute("DELETE FROM docs WHERE ns=? AND key=?", (ns, k)).rowcount for k in keys)

    def items(
        self,
        ns: str,
        parent: str | None = None,
        prefix: str | None = None,
        after: str | None = None,
        limit: int | None = None,
    ) -> list[tuple[str, dict]]:
        """Return ``(key, document)`` pairs of a kind, sorted by key (binary, like S3).

        Args:
            ns: the kind of resource.
            parent: only those belonging to this parent.
            prefix: only keys starting with this.
            after: only keys sorting after this.
            limit: at most this many.
        """
        sql, args = "SELECT key, data FROM docs WHERE ns=?", [ns]
        if parent is not None:
            sql += " AND parent=?"
            args.append(parent)
        if prefix:
            sql += " AND substr(key, 1, ?) = ?"
            args += [len(prefix), prefix]
        if after is not None:
            sql += " AND key > ?"
            args.append(after)
        sql += " ORDER BY key"
        if limit is not None:
            sql += " LIMIT ?"
            args.append(int(limit))
        return [(k, json.loads(d)) for k, d in self._conn().execute(sql, args)]

    def parent(self, ns: str, key: str) -> str | None:
        """Return the parent a document was stored under, or None (no parent, or no document)."""
        row = self._conn().execute("SELECT parent FROM docs WHERE ns=? AND key=?", (ns, key)).fetchone()
        return row[0] if row else None

    def count(self, ns: str, parent: str | None = None) -> int:
        """Return how many documents of a kind (and parent) exist."""
        if parent is None:
            return self._conn().execute("SELECT count(*) FROM docs WHERE ns=?", (ns,)).fetchone()[0]
        row = self._conn().execute("SELECT count(*) FROM docs WHERE ns=? AND parent=?", (ns, parent))
        return row.fetchone()[0]

    # --- jobs -------------------------------------------------------------------------------
    def job_add(self, arn: str, kind: str, owner: str) -> None:
        """Record pending work for a resource."""
        self._conn().execute(
            "INSERT OR REPLACE INTO jobs (arn, kind, owner) VALUES (?, ?, ?)", (arn, kind, owner)
        )

    def job_get(self, arn: str) -> tuple[str, str] | None:
        """Return ``(kind, owner)`` of pending work, or None."""
        return self._conn().execute("SELECT kind, owner FROM jobs WHERE arn=?", (arn,)).fetchone()

    def job_claim(self, arn: str, old_owner: str, new_owner: str) -> bool:
        """Take over work from ``old_owner``; False if someone else took it first."""
        cur = self._conn().execute(
            "UPDATE jobs SET owner=? WHERE arn=? AND owner=?", (new_owner, arn, old_owner)
        )
        return cur.rowcount == 1

    def job_done(self, arn: str) -> None:
        """Forget the work of a resource."""
        self._conn().execute("DELETE FROM jobs WHERE arn=?", (arn,))

    def jobs(self) -> list[tuple[str, str, str]]:
        """Return all pending work as ``(arn, kind, owner)``."""
        return self._conn().execute("SELECT arn, kind, owner FROM jobs ORDER BY arn").fetchall()

    # --- streamed records (PutEvents, PutUsers, PutItems) -----------------------------------
    def add_records(self, dataset_arn: str, rows: Iterable[dict], session_id: str | None = None) -> int:
        """Append records to a dataset's stream; return the sequence number of the last one.

        Args:
            dataset_arn: the dataset the records belong to.
            rows: records in the schema's column names (``USER_ID`` is indexed if present).
            session_id: the session of events (PutEvents' ``sessionId``).
        """
        conn, seq = self._conn(), 0
        with self.transaction():
            for row in rows:
                cur = conn.execute(
                    "INSERT INTO records (dataset, user_id, session_id, data) VALUES (?, ?, ?, ?)",
                    (dataset_arn, row.get("USER_ID"), session_id, json.dumps(row)),
                )
                seq = int(cur.lastrowid)
        return seq

    def records(self, dataset_arn: str, after: int = 0) -> list[tuple[int, str | None, dict]]:
        """Return ``(seq, session id, record)`` of a dataset's stream after ``seq``, oldest first."""
        rows = self._conn().execute(
            "SELECT seq, session_id, data FROM records WHERE dataset=? AND seq>? ORDER BY seq",
            (dataset_arn, int(after)),
        )
        return [(seq, session, json.loads(data)) for seq, session, data in rows]

    def records_of(self, dataset_arn: str, who: str, after: int = 0) -> list[tuple[int, dict]]:
        """Return ``(seq, record)`` of one shopper after ``seq``, oldest first.

        A shopper's records are those with ``USER_ID`` (or sessionId) ``who``, and those of
        every session in which ``who`` sent a ``USER_ID``: anonymous events join the user.
        """
        # one indexed lookup per condition (an OR of them scanned the dataset's whole stream)
        rows = self._conn().execute(
            "SELECT seq, data FROM records WHERE dataset=:ds AND user_id=:who AND seq>:after"
            " UNION SELECT seq, data FROM records WHERE dataset=:ds AND session_id=:who AND seq>:after"
            " UNION SELECT seq, data FROM records WHERE dataset=:ds AND seq>:after AND session_id IN"
            " (SELECT session_id FROM records WHERE dataset=:ds AND user_id=:who) ORDER BY seq",
            {"ds": dataset_arn, "who": who, "after": int(after)},
        )
        return [(seq, json.loads(data)) for seq, data in rows]

    def last_record(self, dataset_arn: str) -> int:
        """Return the sequence number of a dataset's newest streamed record (0 if none)."""
        row = self._conn().execute("SELECT max(seq) FROM records WHERE dataset=?", (dataset_arn,))
        return int(row.fetchone()[0] or 0)

    def delete_records(self, dataset_arn: str) -> int:
        """Remove a dataset's streamed records; return how many there were."""
        return self._conn().execute("DELETE FROM records WHERE dataset=?", (dataset_arn,)).rowcount

    def delete_records_of(self, dataset_arn: str, users: Iterable[str]) -> int:
        """Remove the streamed records of some shoppers (by ``USER_ID``, and the anonymous records
        of every session in which they sent a ``USER_ID``); return how many there were."""
        conn, deleted = self._conn(), 0
        with self.transaction():
            for user in users:
                deleted += conn.execute(
                    "DELETE FROM records WHERE dataset=:ds AND (user_id=:who OR session_id IN"
                    " (SELECT session_id FROM records WHERE dataset=:ds AND user_id=:who))",
                    {"ds": dataset_arn, "who": user},
                ).rowcount
        return deleted

    # --- metric datapoints (CloudWatch) -----------------------------------------------------
    def add_datapoints(self, namespace: str, points: Iterable[tuple[str, dict, float, float]]) -> None:
        """Append datapoints ``(metric name, {dimension: value}, epoch seconds, value)``."""
        conn = self._conn()
        with self.transaction():
            for metric, dimensions, timestamp, value in points:
                conn.execute(
                    "INSERT INTO datapoints (namespace, metric, dimensions, timestamp, value)"
                    " VALUES (?, ?, ?, ?, ?)",
                    (
                        namespace,
                        metric,
                        json.dumps(sorted(dimensions.items())),
                        float(timestamp),
                        float(value),
                    ),
                )

    def metrics(self, namespace: str | None = None) -> list[tuple[str, str, dict]]:
        """Return every distinct metric ``(namespace, name, {dimension: value})``, sorted."""
        sql, args = "SELECT DISTINCT namespace, metric, dimensions FROM datapoints", []
        if namespace is not None:
            sql += " WHERE namespace=?"
            args.append(namespace)
        rows = self._conn().execute(sql + " ORDER BY namespace, metric, dimensions", args)
        return [(ns, name, dict(json.loads(dims))) for ns, name, dims in rows]

    def datapoints(
        self, namespace: str, metric: str, dimensions: dict, start: float, end: float
    ) -> list[tuple[float, float]]:
        """Return ``(epoch seconds, value)`` of one metric in ``[start, end)``, oldest first."""
        rows = self._conn().execute(
            "SELECT timestamp, value FROM datapoints WHERE namespace=? AND metric=? AND dimensions=?"
            " AND timestamp>=? AND timestamp<? ORDER BY timestamp, seq",
            (namespace, metric, json.dumps(sorted(dimensions.items())), float(start), float(end)),
        )
        return [(t, v) for t, v in rows]

    # --- files ------------------------------------------------------------------------------
    def write_file(self, path: Path, source: bytes | BinaryIO | Iterable[bytes]) -> tuple[int, str]:
        """Write bytes to ``path`` atomically (temp file + ``os.replace``).

        Args:
            path: where the file ends up (inside the state folder).
            source: bytes, a readable binary file, or an iterable of byte chunks.

        Returns:
            ``(size in bytes, hex MD5)``.
        """
        path.parent.mkdir(mode=_DIR_MODE, parents=True, exist_ok=True)
        tmp = self.temp_path(".part")
        md5, size = hashlib.md5(), 0
        try:
            with os.fdopen(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, _FILE_MODE), "wb") as out:
                for chunk in _chunks(source):
                    md5.update(chunk)
                    size += len(chunk)
                    out.write(chunk)
            os.replace(tmp, path)
        finally:
            tmp.unlink(missing_ok=True)
        return size, md5.hexdigest()

    def temp_path(self, suffix: str = "") -> Path:
        """Return a fresh path in ``tmp/`` named after this process, for ``sweep_temp_files``."""
        return self.root / "tmp" / f"{processes.me().replace(':', '-')}-{uuid.uuid4().hex}{suffix}"

    def sweep_temp_files(self) -> list[str]:
        """Remove the temp files of writers that are gone (killed mid-write); return their names."""
        removed = []
        for path in (self.root / "tmp").iterdir():
            pid, _, rest = path.name.partition("-")
            start = rest.partition("-")[0]
            if not processes.is_alive(f"{pid}:{start}"):
                path.unlink(missing_ok=True)
                removed.append(path.name)
        return removed

    # --- secrets ----------------------------------------------------------------------------
    def encrypt(self, text: str) -> str:
        """Encrypt a secret (a SecureString value) with the state folder's key; return a token."""
        return self._cipher().encrypt(text.encode()).decode()

    def decrypt(self, token: str) -> str:
        """Return the secret behind a token from ``encrypt``.

        Raises:
            ValueError: the token was not made with this state folder's key.
        """
        try:
            return self._cipher().decrypt(token.encode()).decode()
        except InvalidToken as exc:
            raise ValueError("the value was not encrypted with this state folder's key") from exc

    def _cipher(self) -> Fernet:
        """The Fernet cipher (AES-128-CBC + HMAC-SHA256) of ``secret.key``, created 0600 once.

        The key is written to a temp file and hard-linked into place, so concurrent first uses
        agree on one key and a kill leaves either no key or a whole one.
        """
        if self._fernet is None:
            path = self.root / "secret.key"
            if not path.exists():
                tmp = self.temp_path(".key")
                fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, _FILE_MODE)
                with os.fdopen(fd, "wb") as f:
                    f.write(Fernet.generate_key())
                with contextlib.suppress(FileExistsError):
                    os.link(tmp, path)
                tmp.unlink()
            self._fernet = Fernet(path.read_bytes())
        return self._fernet

    def new_object_path(self) -> Path:
        """Return a fresh path for an S3 object body, named after this process (for
        ``sweep_orphan_objects``)."""
        name = uuid.uuid4().hex
        return self.root / "objects" / name[:2] / f"{processes.me().replace(':', '-')}-{name}"

    def sweep_orphan_objects(self) -> list[str]:
        """Remove the object bodies of writers that are gone which no object document names (the
        writer was killed before its commit); return their names."""
        named = {doc.get("file") for _, doc in self.items("object")}
        removed = []
        for path in (self.root / "objects").glob("*/*"):
            pid, _, rest = path.name.partition("-")
            start, _, name = rest.partition("-")
            if not name or processes.is_alive(f"{pid}:{start}") or self.relative(path) in named:
                continue  # an older unowned name, a live writer, or a committed body
            path.unlink(missing_ok=True)
            removed.append(path.name)
        return removed

    def upload_dir(self, upload_id: str) -> Path:
        """Return the folder holding the parts of a multipart upload."""
        return self.root / "uploads" / upload_id

    def remove_file(self, path: Path | str | None) -> None:
        """Delete a file if it exists (readers that opened it keep reading)."""
        if path:
            Path(self.root / path).unlink(missing_ok=True)

    def relative(self, path: Path) -> str:
        """Return a path relative to the state folder, as stored in documents."""
        return str(path.relative_to(self.root))

    def absolute(self, rel: str) -> Path:
        """Return the path of a stored relative path."""
        return self.root / rel

    # --- dataset data -----------------------------------------------------------------------
    def dataset_dir(self, dataset_arn: str) -> Path:
        """Return the folder of a dataset's imported data."""
        return self.root / "datasets" / hashlib.sha1(dataset_arn.encode()).hexdigest()[:16]

    def write_table(self, path: Path, frame: pd.DataFrame) -> None:
        """Write a DataFrame as Parquet atomically."""
        path.parent.mkdir(mode=_DIR_MODE, parents=True, exist_ok=True)
        tmp = self.temp_path(".parquet")
        try:
            frame.to_parquet(tmp, index=False)
            os.chmod(tmp, _FILE_MODE)
            os.replace(tmp, path)
        finally:
            tmp.unlink(missing_ok=True)

    def read_dataset(self, dataset_group_arn: str, dataset_type: str) -> pd.DataFrame | None:
        """Return the imported data of a dataset group's dataset, or None if there is none.

        FULL imports replace earlier data, INCREMENTAL ones append; this is the concatenation
        of what the completed import jobs left, in import order.

        Args:
            dataset_group_arn: the dataset group's ARN.
            dataset_type: ``Interactions``, ``Items`` or ``Users`` (any case).

        Returns:
            A DataFrame with the schema's columns, or None when nothing was imported.
        """
        group = self.get("dataset-group", dataset_group_arn)
        if group is None:
            return None
        arn = dataset_arn(dataset_group_arn, group["name"], dataset_type)
        doc = self.get("dataset", arn)
        if not doc or not doc.get("parts"):
            return None
        frames = [pd.read_parquet(self.absolute(p)) for p in doc["parts"]]
        return pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]


def dataset_arn(dataset_group_arn: str, group_name: str, dataset_type: str) -> str:
    """Return a dataset's ARN: ``arn:aws:personalize:<region>:<account>:dataset/<group>/<TYPE>``."""
    head = dataset_group_arn.split(":dataset-group/")[0]
    return f"{head}:dataset/{group_name}/{dataset_type.upper()}"


def _chunks(source: bytes | BinaryIO | Iterable[bytes]) -> Iterator[bytes]:
    if isinstance(source, bytes | bytearray | memoryview):
        yield bytes(source)
    elif isinstance(source, str):
        yield source.encode()
    elif hasattr(source, "read"):
        while chunk := source.read(_CHUNK):
            yield chunk.encode() if isinstance(chunk, str) else chunk
    else:
        yield from source
