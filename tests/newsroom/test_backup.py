"""Backup and restore: a consistent dump and the uploaded files, restored into a new
database with every table's row count and a story page the same, byte for byte."""

import os
import subprocess
import sys
import tarfile
from pathlib import Path
from urllib.parse import quote

import psycopg
import pytest
from django.conf import settings
from django.db import connection
from django.test import Client

from newsroom.backup import BackupError, backup, restore, row_counts
from tests.factories import (
    image_file,
    make_approved_comment,
    make_clarification,
    make_published_story,
)

pytestmark = pytest.mark.django_db(transaction=True)

PAGE = """
import sys, django
django.setup()
from django.test import Client
sys.stdout.buffer.write(Client().get(sys.argv[1]).content)
"""


@pytest.fixture
def new_database():
    """An empty database beside the test database, made and dropped here."""
    name = f"{connection.settings_dict['NAME']}_restored"
    admin = connection.settings_dict | {"NAME": "postgres"}
    info = {
        "dbname": "postgres",
        "user": admin["USER"] or None,
        "host": admin["HOST"] or None,
        "port": admin["PORT"] or None,
        "password": admin["PASSWORD"] or None,
        "autocommit": True,
    }
    with psycopg.connect(**info) as server:
        server.execute(f'DROP DATABASE IF EXISTS "{name}"')
        server.execute(f'CREATE DATABASE "{name}"')
    yield connection.settings_dict | {"NAME": name}
    with psycopg.connect(**info) as server:
        server.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def database_url(database: dict) -> str:
    user = quote(database["USER"] or "")
    host, port = database["HOST"] or "127.0.0.1", database["PORT"] or 5432
    return f"postgres://{user}@{host}:{port}/{database['NAME']}"


def page_from(database: dict, url: str) -> bytes:
    """The page as a server on `database` renders it (another process)."""
    environment = os.environ | {
        "DATABASE_URL": database_url(database),
        "DJANGO_SETTINGS_MODULE": "newsroom.settings_test",
    }
    result = subprocess.run(
        [sys.executable, "-c", PAGE, url],
        env=environment,
        capture_output=True,
        check=True,
    )
    return result.stdout


def test_a_backup_restores_into_a_new_database_with_the_same_rows_and_pages(
    tmp_path, new_database
):
    story = make_published_story(
        headline="Harbour dredged",
        lead_image=image_file(name="harbour.png"),
        lead_image_alt="The harbour at dawn",
    )
    make_clarification(story, text="The dredging ends in May.")
    make_approved_comment(story, body="Finally!")
    upload = Path(settings.MEDIA_ROOT) / story.lead_image.name
    original_page = Client().get(story.get_absolute_url()).content
    original_rows = row_counts(connection.settings_dict)

    folder = backup(tmp_path / "backup", database=connection.settings_dict)
    upload.unlink()  # lost with the machine
    manifest = restore(folder, database=new_database)

    assert row_counts(new_database) == original_rows == manifest["tables"]
    assert original_rows["articles_story"] == 1
    assert original_rows["comments_comment"] == 1
    assert upload.is_file() and manifest["media_files"] == 1
    assert page_from(new_database, story.get_absolute_url()) == original_page
    assert (
        b"Finally!" in original_page and b"The dredging ends in May." in original_page
    )


def test_restore_refuses_a_database_that_is_not_empty(tmp_path):
    make_published_story(headline="Still here")
    folder = backup(tmp_path / "backup", database=connection.settings_dict)
    before = row_counts(connection.settings_dict)

    with pytest.raises(
        BackupError, match="already has .* tables: restore into an empty"
    ):
        restore(folder, database=connection.settings_dict)

    assert row_counts(connection.settings_dict) == before


def test_restore_refuses_a_folder_that_is_not_a_backup(tmp_path, new_database):
    with pytest.raises(BackupError, match="is not a Newsroom backup"):
        restore(tmp_path, database=new_database)


def test_a_backup_never_writes_into_a_folder_that_holds_something(tmp_path):
    (tmp_path / "notes.txt").write_text("mine")

    with pytest.raises(BackupError, match="is not empty"):
        backup(tmp_path, database=connection.settings_dict)

    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]


def test_with_a_bucket_the_backup_copies_its_objects_and_restore_puts_them_back(
    tmp_path, new_database, s3_media
):
    story = make_published_story(
        lead_image=image_file(name="harbour.png"), lead_image_alt="The harbour"
    )
    name = story.lead_image.name
    original = s3_media.read(name)
    said = []

    folder = backup(
        tmp_path / "backup", database=connection.settings_dict, say=said.append
    )
    with tarfile.open(folder / "media.tar.gz") as archive:
        archived = {
            m.name: archive.extractfile(m).read() for m in archive if m.isfile()
        }
    s3_media.client.delete_object(Bucket=s3_media.name, Key=name)  # lost
    manifest = restore(folder, database=new_database, say=said.append)

    assert archived == {name: original}
    assert manifest["media_files"] == 1
    assert manifest["media_store"].startswith(f"bucket “{s3_media.name}” at http://")
    assert f"copying uploaded files from bucket “{s3_media.name}”" in said[1]
    assert "  1 files copied" in said and "  1 files restored" in said
    assert s3_media.names() == [name] and s3_media.read(name) == original
    assert not any(Path(settings.MEDIA_ROOT).rglob("*"))  # nothing went to the disk


def test_a_backup_says_so_when_the_bucket_cannot_be_read(tmp_path, dead_media_store):
    with pytest.raises(BackupError) as failed:
        backup(tmp_path / "backup", database=connection.settings_dict, say=print)

    assert str(failed.value) == (
        "Copying the uploaded files from bucket “newsroom-media” at "
        f"{dead_media_store.removesuffix('/newsroom-media')} failed: the media store "
        "did not answer. The backup is incomplete: fix that and back up again into "
        "a new folder."
    )
