"""Backups: the database (pg_dump, one consistent snapshot) and the uploaded files,
in one folder; and restoring them into an empty database.

A backup folder holds `database.dump` (pg_dump's custom format), `media.tar.gz` and
`manifest.json` (when, which server, the row count of every table, where the files
came from and how many). The database is dumped first, then the files: every file a
dumped row names is in the archive (a file uploaded during the backup may be there
too, unused). The files are read and written through Django's storage API, so the
same code copies the media folder or, when NEWSROOM_S3_BUCKET is set, the bucket's
objects (newsroom/storage.py).
`make backup` / `make restore` run these through `manage.py backup` / `restore`;
docs/operations.md covers scheduled dumps and point-in-time recovery.
"""

import json
import os
import posixpath
import subprocess
import tarfile
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg
from django.conf import settings
from django.core.exceptions import SuspiciousFileOperation
from django.core.files.storage import Storage, storages

from newsroom import devdb
from newsroom.storage import STORE_ERRORS, ObjectStorage, describe

DUMP, MEDIA, MANIFEST = "database.dump", "media.tar.gz", "manifest.json"
PROGRESS_EVERY = 100  # files between two progress lines


class BackupError(Exception):
    """The backup or restore can't go on; the message says why and what to do."""


def _conninfo(database: dict[str, Any]) -> dict[str, Any]:
    return {
        "dbname": database["NAME"],
        "user": database["USER"] or None,
        "password": database["PASSWORD"] or None,
        "host": database["HOST"] or None,
        "port": database["PORT"] or None,
    }


def _environment(database: dict[str, Any]) -> dict[str, str]:
    """libpq's variables for pg_dump and pg_restore (no password on a command line)."""
    names = {"dbname": "PGDATABASE", "user": "PGUSER", "password": "PGPASSWORD"}
    names |= {"host": "PGHOST", "port": "PGPORT"}
    info = _conninfo(database)
    return os.environ | {names[k]: str(v) for k, v in info.items() if v is not None}


def _server_major(database: dict[str, Any]) -> int:
    with psycopg.connect(**_conninfo(database)) as connection:
        return connection.info.server_version // 10000


def _tool(name: str, server_major: int) -> Path:
    """pg_dump or pg_restore at least as new as the server (older ones refuse)."""
    bindirs, _ = devdb.candidate_bindirs()
    for bindir in bindirs:
        tool = bindir / name
        if tool.exists() and devdb.major_version(bindir) >= server_major:
            return tool
    raise BackupError(
        f"No {name} for PostgreSQL {server_major} or newer was found: install the "
        f"OS package postgresql-client-{server_major}, or set PG_BINDIR."
    )


def row_counts(database: dict[str, Any]) -> dict[str, int]:
    """Rows in every table of the public schema, by table name."""
    with psycopg.connect(**_conninfo(database)) as connection:
        tables = connection.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
            "ORDER BY tablename"
        ).fetchall()
        return {
            table: connection.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]
            for (table,) in tables
        }


def backup(
    folder: Path, *, database: dict[str, Any], say: Callable[[str], None] = print
) -> Path:
    """Write a backup of `database` and the uploaded files (the media folder or
    bucket) into `folder` (made here)."""
    if folder.exists() and any(folder.iterdir()):
        raise BackupError(f"{folder} is not empty: choose a new folder.")
    folder.mkdir(parents=True, exist_ok=True)
    server_major = _server_major(database)
    pg_dump = _tool("pg_dump", server_major)
    say(f"dumping database {database['NAME']} with {pg_dump}")
    subprocess.run(
        [pg_dump, "--format=custom", "--no-owner", "--no-acl", "-f", folder / DUMP],
        env=_environment(database),
        check=True,
    )
    counts = row_counts(database)
    store = storages["default"]
    say(f"copying uploaded files from {_where(store)}")
    files = _archive_media(store, folder / MEDIA, say=say)
    manifest = {
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "database": database["NAME"],
        "server_version": server_major,
        "tables": counts,
        "media_store": _where(store),
        "media_files": files,
    }
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")
    say(f"backup written to {folder}: {sum(counts.values()):,} rows, {files} files")
    return folder


def restore(
    folder: Path,
    *,
    database: dict[str, Any],
    force: bool = False,
    say: Callable[[str], None] = print,
) -> dict[str, Any]:
    """Restore a backup into `database`, which must be empty unless `force` (its
    tables are then replaced), and its files into the media storage (the folder or
    the bucket configured now, whichever the backup came from). Returns the manifest
    after checking every table's row count against it."""
    try:
        manifest = json.loads((folder / MANIFEST).read_text())
    except (OSError, ValueError) as error:
        raise BackupError(f"{folder} is not a Newsroom backup ({error}).") from None
    existing = row_counts(database)
    if existing and not force:
        raise BackupError(
            f"Database {database['NAME']} already has {len(existing)} tables: "
            "restore into an empty database, or pass --force (FORCE=1) to replace "
            "what is there."
        )
    pg_restore = _tool("pg_restore", _server_major(database))
    say(f"restoring database {database['NAME']} with {pg_restore}")
    command = [pg_restore, "--no-owner", "--no-acl", "--exit-on-error", "-d"]
    command += [database["NAME"], "--single-transaction"]
    command += ["--clean", "--if-exists"] if existing else []
    subprocess.run([*command, folder / DUMP], env=_environment(database), check=True)
    store = storages["default"]
    say(f"restoring uploaded files into {_where(store)}")
    _restore_media(folder / MEDIA, store, say=say)
    counts = row_counts(database)
    differ = {
        table: (rows, counts.get(table))
        for table, rows in manifest["tables"].items()
        if counts.get(table) != rows
    }
    if differ:
        raise BackupError(f"Restored row counts differ from the backup: {differ}")
    rows = sum(counts.values())
    say(f"restored {rows:,} rows in {len(counts)} tables; row counts match")
    return manifest


def _where(store: Storage) -> str:
    if isinstance(store, ObjectStorage):
        return store.where()
    return f"the folder {store.location}"


def _media_names(store: Storage, prefix: str = "") -> Iterator[str]:
    """Every file in the storage, folder by folder (a missing folder has none)."""
    try:
        folders, files = store.listdir(prefix)
    except FileNotFoundError:
        return
    for name in sorted(files):
        yield posixpath.join(prefix, name)
    for name in sorted(folders):
        yield from _media_names(store, posixpath.join(prefix, name))


def _archive_media(store: Storage, path: Path, *, say: Callable[[str], None]) -> int:
    """Copy every file of `store` into a new tar.gz at `path`; returns how many."""
    files = 0
    with tarfile.open(path, "w:gz") as archive:
        try:
            for name in _media_names(store):
                with store.open(name, "rb") as source:
                    member = tarfile.TarInfo(name)
                    member.size, member.mtime = source.size, int(time.time())
                    archive.addfile(member, source)
                files += 1
                if files % PROGRESS_EVERY == 0:
                    say(f"  {files} files copied")
        except STORE_ERRORS as error:
            raise BackupError(
                f"Copying the uploaded files from {_where(store)} failed: "
                f"{describe(error)}. The backup is incomplete: fix that and back up "
                "again into a new folder."
            ) from error
    say(f"  {files} files copied")
    return files


def _restore_media(path: Path, store: Storage, *, say: Callable[[str], None]) -> None:
    """Put every file of the archive back into `store`, under its own name (a file
    there by that name is replaced)."""
    files = 0
    with tarfile.open(path, "r:gz") as archive:
        for member in archive:
            if not member.isfile():
                continue  # folders are implied; links are never followed
            try:
                if store.exists(member.name):
                    store.delete(member.name)
                saved = store.save(member.name, archive.extractfile(member))
            except SuspiciousFileOperation:
                raise BackupError(
                    f"The backup names a file outside the media storage "
                    f"({member.name!r}): it was not restored."
                ) from None
            except STORE_ERRORS as error:
                raise BackupError(
                    f"The uploaded files could not be written to {_where(store)}: "
                    f"{describe(error)}. The database is restored; restore again with "
                    "FORCE=1 once the storage works."
                ) from error
            if saved != member.name:
                raise BackupError(
                    f"{member.name} was restored as {saved}: another process wrote "
                    "a file by that name meanwhile. Restore again."
                )
            files += 1
            if files % PROGRESS_EVERY == 0:
                say(f"  {files} files restored")
    say(f"  {files} files restored")


def default_folder() -> Path:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    return Path(settings.DATA_DIR) / "backups" / f"newsroom-{stamp}"
