"""What the fault and cluster suites start, each on a free loopback port and stopped
by its owner: embedded PostgreSQL (newsroom/devdb.py) and a streaming standby of
it, a private redis-server, the site on granian as `make run` serves it, its task
worker, and nginx with deploy/nginx.conf. Every process runs in a process group of
its own, so stopping it stops everything it started."""

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from pathlib import Path

import psycopg

from bench.servers import find, render_nginx_site
from newsroom import devdb
from newsroom.run import app_server_command, stop_group

ROOT = Path(__file__).resolve().parents[1]
# The harness's own patience with one request: far past any timeout of the site.
CLIENT_TIMEOUT = 30


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until(check: Callable[[], object], seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.1)
    raise AssertionError(f"{what} within {seconds} s")


def answers_http(url: str) -> bool:
    from tests.clients import get

    return get(url)[0] == 200


def _start(
    command: list[str], log: Path, environment: Mapping[str, str] | None = None
) -> subprocess.Popen:
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("a") as output:
        return subprocess.Popen(
            command,
            cwd=ROOT,
            env=environment,
            stdout=output,
            stderr=subprocess.STDOUT,
            process_group=0,
        )


def _tail(log: Path, characters: int = 3000) -> str:
    return log.read_text(errors="replace")[-characters:] if log.exists() else ""


# --- PostgreSQL ---------------------------------------------------------------------


class Database:
    """An embedded PostgreSQL of its own `purpose` (newsroom/devdb.py), always on the
    same port; `settings` are extra server settings (wal_level, …)."""

    def __init__(self, purpose: str, settings: Mapping[str, str] | None = None):
        self.purpose, self.settings = purpose, settings
        self.port = free_port()
        self.url = devdb.url(self.port)

    @property
    def folder(self) -> Path:
        return devdb.cluster_dir(self.purpose, devdb.major_version(devdb.find_bindir()))

    def start(self) -> None:
        url, _ = devdb.start(self.purpose, port=self.port, settings=self.settings)
        assert url == self.url, f"PostgreSQL came back on {url}, not {self.url}"

    def stop(self) -> None:
        devdb.stop(self.purpose)

    def remove(self) -> None:
        """Stopped, and its data folder deleted (a fresh initdb next time)."""
        self.stop()
        shutil.rmtree(self.folder, ignore_errors=True)

    def _postmaster(self) -> int:
        return int((self.folder / "data" / "postmaster.pid").read_text().split()[0])

    def _children(self, postmaster: int) -> list[int]:
        children = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == postmaster:
                children.append(int(stat.parent.name))
        return children

    def freeze(self) -> None:
        """Every PostgreSQL process stopped: connections stay open and hang. The
        postmaster first, so no backend is forked after the children were listed."""
        postmaster = self._postmaster()
        os.kill(postmaster, signal.SIGSTOP)
        self.frozen = [postmaster, *self._children(postmaster)]
        for pid in self.frozen[1:]:
            os.kill(pid, signal.SIGSTOP)

    def thaw(self) -> None:
        for pid in self.frozen:
            with contextlib.suppress(ProcessLookupError):  # a child that has exited
                os.kill(pid, signal.SIGCONT)

    def query(self, sql: str, *params: object) -> list[tuple]:
        with psycopg.connect(self.url, connect_timeout=2, autocommit=True) as db:
            cursor = db.execute(sql, params)
            return cursor.fetchall() if cursor.description else []

    def recreate_database(self) -> None:
        """An empty `newsroom` database (this server's own, so never someone else's)."""
        with psycopg.connect(devdb.url(self.port, "postgres"), autocommit=True) as db:
            db.execute(f'DROP DATABASE IF EXISTS "{devdb.DATABASE_NAME}" WITH (FORCE)')
            db.execute(f'CREATE DATABASE "{devdb.DATABASE_NAME}"')


class Standby(Database):
    """A streaming standby of `primary` (pg_basebackup -R -X stream, same binaries),
    made afresh on every start. Pausing its replay makes it lag on purpose."""

    def __init__(self, purpose: str, primary: Database) -> None:
        super().__init__(purpose)
        self.primary = primary

    def start(self) -> None:
        url = devdb.start_standby(
            self.purpose, primary_port=self.primary.port, port=self.port
        )
        assert url == self.url, url

    def pause_replay(self) -> None:
        self.query("SELECT pg_wal_replay_pause()")
        wait_until(
            lambda: (
                self.query("SELECT pg_get_wal_replay_pause_state()")[0][0] == "paused"
            ),
            10,
            "the standby's replay did not pause",
        )

    def resume_replay(self) -> None:
        self.query("SELECT pg_wal_replay_resume()")

    def catch_up(self, seconds: float = 20) -> None:
        """Wait until the standby has replayed everything the primary wrote so far."""
        target = self.primary.query("SELECT pg_current_wal_insert_lsn()")[0][0]
        wait_until(
            lambda: self.query(
                "SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", str(target)
            )[0][0],
            seconds,
            f"the standby did not replay up to {target}",
        )


# --- Redis --------------------------------------------------------------------------


class Redis:
    """A private redis-server on a free port, nothing kept on disk."""

    def __init__(self, folder: Path) -> None:
        self.port, self.folder = free_port(), folder
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        self.process = subprocess.Popen(
            [find("redis-server") or "redis-server", "--port", str(self.port)]
            + ["--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
            + ["--dir", str(self.folder)],
            stdout=subprocess.DEVNULL,
            process_group=0,
        )
        wait_until(self._answers, 10, "redis did not answer")

    def _answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as s:
                s.sendall(b"PING\r\n")
                return s.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def kill(self) -> None:
        self.process.kill()
        self.process.wait()

    def freeze(self) -> None:
        self.process.send_signal(signal.SIGSTOP)

    def thaw(self) -> None:
        self.process.send_signal(signal.SIGCONT)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.thaw()
            self.kill()


# --- The site -----------------------------------------------------------------------


def site_environment(
    data: Path, *, database_url: str, redis_url: str, **extra: str
) -> dict[str, str]:
    """The site's environment as a production app server would have it, with nothing
    inherited from the caller's DJANGO_/NEWSROOM_ variables; the throttles that a
    load from one address would trip are lifted (tests that test them set them)."""
    inherited = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("DJANGO_", "NEWSROOM_", "DATABASE_"))
        and name not in ("REDIS_URL", "CACHE_URL")
    }
    return (
        inherited
        | {
            "DJANGO_SETTINGS_MODULE": "newsroom.settings",
            "DATABASE_URL": database_url,
            "REDIS_URL": redis_url,
            "DJANGO_SECRET_KEY": "server-tests-only-secret-key-" + "s" * 40,
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
            "NEWSROOM_HTTPS": "false",
            "NEWSROOM_DATA_DIR": str(data),
            "NEWSROOM_LOG_LEVEL": "ERROR",
            "NEWSROOM_COMMENTS_MIN_SECONDS": "0",
            "NEWSROOM_COMMENTS_THROTTLE_PER_IP": "1000000",
            "NEWSROOM_COMMENTS_THROTTLE_PER_EMAIL": "1000000",
            "NEWSROOM_CAPTCHA_REFRESH_PER_IP": "1000000",
            "NEWSROOM_CAPTCHA_AUDIO": "false",
        }
        | extra
    )


def manage(environment: Mapping[str, str], *args: str) -> str:
    """Run one manage.py command with the site's environment; its output."""
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
    )
    if result.returncode:
        raise AssertionError(f"manage.py {' '.join(args)} failed:\n{result.stderr}")
    return result.stdout


class AppServer:
    """The site on granian (2 workers, 4 threads each), `make run`'s command line."""

    def __init__(self, name: str, logs: Path, environment: Mapping[str, str]):
        self.name, self.environment = name, dict(environment)
        self.port = free_port()
        self.address = f"127.0.0.1:{self.port}"
        self.base = f"http://{self.address}"
        self.log = logs / f"{name}.log"
        self.process: subprocess.Popen | None = None

    def manage(self, *args: str) -> str:
        return manage(self.environment, *args)

    def spawn(self) -> None:
        command = app_server_command("granian", bind=self.address, workers=2, threads=4)
        self.process = _start(command, self.log, self.environment)

    def wait_ready(self, seconds: float = 60) -> None:
        def ready() -> bool:
            if self.process.poll() is not None:
                raise AssertionError(f"{self.name} exited:\n{_tail(self.log)}")
            return answers_http(self.base + "/healthz")

        wait_until(ready, seconds, f"{self.name} did not answer /healthz")

    def start(self) -> None:
        self.spawn()
        self.wait_ready()

    def stop(self) -> None:
        """SIGTERM to its process group, SIGKILL if it lingers (as `make run`)."""
        if self.process and self.process.poll() is None:
            stop_group(self.process)


class Worker:
    """One task worker (`manage.py run_worker`, as `make run` starts it)."""

    def __init__(self, name: str, logs: Path, environment: Mapping[str, str]):
        self.name, self.environment = name, dict(environment)
        self.log = logs / f"{name}.log"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        command = [sys.executable, "manage.py", "run_worker"]
        self.process = _start(command, self.log, self.environment)

    def kill(self) -> None:
        """SIGKILL, as a machine lost or the OOM killer would: no clean-up at all."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            stop_group(self.process)


# --- nginx --------------------------------------------------------------------------

# Which app server answered each request ($upstream_addr lists every one tried).
ACCESS_LOG_FORMAT = (
    "$msec $request_time $request_method $request_uri $status "
    "[$upstream_addr] [$upstream_status] $upstream_cache_status"
)


class Nginx:
    """nginx with deploy/nginx.conf itself (rendered, as envsubst would) in front of
    `app_servers`; an access log that names the app server of every request."""

    def __init__(self, folder: Path, data: Path) -> None:
        self.folder, self.data = folder, data
        self.app_servers: list[str] = []
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.access_log = folder / "logs" / "access.log"
        self.error_log = folder / "logs" / "error.log"
        self.process: subprocess.Popen | None = None

    def configure(self) -> Path:
        for sub in ("cache", "tmp", "logs"):
            (self.folder / sub).mkdir(parents=True, exist_ok=True)
        site = render_nginx_site(
            listen=f"127.0.0.1:{self.port}",
            app_servers=self.app_servers,
            cache_dir=self.folder / "cache",
            static_root=self.data / "static",
            media_root=self.data / "media",
        )
        (self.folder / "newsroom.conf").write_text(site)
        temp = "".join(
            f"    {kind}_temp_path {self.folder / 'tmp' / kind};\n"
            for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
        )
        user = "user root;\n" if os.geteuid() == 0 else ""
        main = f"""{user}daemon off;
worker_processes 2;
pid {self.folder / "nginx.pid"};
error_log {self.error_log} warn;
events {{ worker_connections 1024; }}
http {{
    log_format upstreams '{ACCESS_LOG_FORMAT}';
    access_log {self.access_log} upstreams;
    default_type text/html;
{temp}    include {self.folder / "newsroom.conf"};
}}
"""
        (self.folder / "nginx.conf").write_text(main)
        return self.folder / "nginx.conf"

    def start(self, app_servers: list[str]) -> None:
        self.app_servers = app_servers
        nginx = find("nginx")
        assert nginx, "nginx is not installed (make cluster-tools installs it)"
        config = self.configure()
        command = [nginx, "-p", str(self.folder), "-c", str(config)]
        self.process = _start(command, self.folder / "logs" / "nginx.log")
        wait_until(
            lambda: answers_http(self.base + "/healthz"), 30, "nginx did not answer"
        )

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGQUIT)  # graceful
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()

    def log_lines(self) -> list[str]:
        return self.access_log.read_text().splitlines()
