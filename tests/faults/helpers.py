"""What the fault suite starts and breaks: an embedded PostgreSQL, a private Redis and
the site on granian, as `make run` serves it; and a bounded load of readers and
commenters whose every answer is recorded."""

import http.client
import itertools
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import psycopg

from newsroom import devdb
from newsroom.run import app_server_command

ROOT = Path(__file__).resolve().parents[2]
PURPOSE = "faults"
# The site's timeouts in this suite (seconds): short, so the suite is quick.
READER_TIMEOUT = 2.0
CONNECT_TIMEOUT = 2
CACHE_TIMEOUT = 0.25
# The harness's own patience with one request: far past any timeout above.
CLIENT_TIMEOUT = 30


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until(check, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.1)
    raise AssertionError(f"{what} within {seconds} s")


class Database:
    """The suite's own embedded PostgreSQL, always on the same port."""

    def __init__(self) -> None:
        self.port = free_port()
        self.url = devdb.url(self.port)

    def start(self) -> None:
        url, _ = devdb.start(PURPOSE, port=self.port)
        assert url == self.url, f"PostgreSQL came back on {url}, not {self.url}"

    def stop(self) -> None:
        devdb.stop(PURPOSE)

    def _processes(self) -> list[int]:
        data = devdb.cluster_dir(PURPOSE, devdb.major_version(devdb.find_bindir()))
        postmaster = int((data / "data" / "postmaster.pid").read_text().split()[0])
        children = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == postmaster:
                children.append(int(stat.parent.name))
        return [postmaster, *children]

    def freeze(self) -> None:
        """Every PostgreSQL process stopped: connections stay open and hang."""
        self.frozen = self._processes()
        for pid in self.frozen:
            os.kill(pid, signal.SIGSTOP)

    def thaw(self) -> None:
        for pid in self.frozen:
            os.kill(pid, signal.SIGCONT)

    def query(self, sql: str, *params: object) -> list[tuple]:
        with psycopg.connect(self.url, connect_timeout=2) as connection:
            return connection.execute(sql, params).fetchall()


class Redis:
    """A private redis-server on a free port, nothing kept on disk."""

    def __init__(self, folder: Path) -> None:
        self.port, self.folder = free_port(), folder
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1"]
            + ["--save", "", "--appendonly", "no", "--dir", str(self.folder)],
            stdout=subprocess.DEVNULL,
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


class Site:
    """The site on granian (2 workers, 4 threads each) over the database and Redis."""

    def __init__(self, folder: Path, database: Database, redis: Redis) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.environment = os.environ | {
            "DJANGO_SETTINGS_MODULE": "newsroom.settings",
            "DATABASE_URL": database.url,
            "REDIS_URL": redis.url,
            "DJANGO_SECRET_KEY": "faults-only-secret-key-" + "f" * 40,
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
            "NEWSROOM_HTTPS": "false",
            "NEWSROOM_DATA_DIR": str(folder),
            "NEWSROOM_LOG_LEVEL": "ERROR",
            "NEWSROOM_DB_READER_TIMEOUT": str(READER_TIMEOUT),
            "NEWSROOM_DB_CONNECT_TIMEOUT": str(CONNECT_TIMEOUT),
            "NEWSROOM_CACHE_TIMEOUT": str(CACHE_TIMEOUT),
            "NEWSROOM_COMMENTS_MIN_SECONDS": "0",
            "NEWSROOM_COMMENTS_THROTTLE_PER_IP": "1000000",
            "NEWSROOM_COMMENTS_THROTTLE_PER_EMAIL": "1000000",
            "NEWSROOM_CAPTCHA_REFRESH_PER_IP": "1000000",
            "NEWSROOM_CAPTCHA_AUDIO": "false",
        }
        self.environment.pop("DJANGO_DEBUG", None)
        self.log = folder / "server.log"
        self.process: subprocess.Popen | None = None

    def manage(self, *args: str) -> str:
        result = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=self.environment,
            capture_output=True,
            text=True,
            check=True,
        )
        return result.stdout

    def start(self) -> None:
        command = app_server_command(
            "granian", bind=f"127.0.0.1:{self.port}", workers=2, threads=4
        )
        self.process = subprocess.Popen(
            command,
            cwd=ROOT,
            env=self.environment,
            stdout=self.log.open("w"),
            stderr=subprocess.STDOUT,
            process_group=0,
        )
        wait_until(lambda: get(self.base + "/healthz")[0] == 200, 60, "no site")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()


def get(url: str, headers: dict | None = None) -> tuple[int, dict, bytes]:
    parts = urllib.parse.urlsplit(url)
    connection = http.client.HTTPConnection(parts.netloc, timeout=CLIENT_TIMEOUT)
    try:
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        connection.request("GET", path, headers=headers or {})
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    except OSError:
        return 0, {}, b""
    finally:
        connection.close()


@dataclass
class Outcome:
    kind: str
    phase: str
    status: int
    seconds: float
    at: float  # when it ended (monotonic)
    cache: str = ""


@dataclass
class Load:
    """Readers and commenters, one thread each, until stopped."""

    site: Site
    database: Database
    story_url: str
    story_id: int
    phase: str = "warm-up"
    outcomes: list[Outcome] = field(default_factory=list)
    acknowledged: list[str] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)
    serial: Iterator[int] = field(default_factory=itertools.count)
    run: str = field(default_factory=lambda: uuid.uuid4().hex[:8])

    def record(self, kind: str, started: float, status: int, headers: dict) -> None:
        cache = headers.get("x-page-cache", headers.get("X-Page-Cache", ""))
        ended = time.monotonic()
        outcome = Outcome(kind, self.phase, status, ended - started, ended, cache)
        self.outcomes.append(outcome)

    def reader(self, kind: str, path: str) -> None:
        while not self.stop.is_set():
            started = time.monotonic()
            status, headers, _ = get(self.site.base + path)
            self.record(kind, started, status, headers)
            time.sleep(0.05)

    def commenter(self) -> None:
        form_path = f"/comments/{self.story_id}/write/"
        while not self.stop.is_set():
            started = time.monotonic()
            status, headers, page = get(self.site.base + form_path)
            self.record("form", started, status, headers)
            if status != 200:
                time.sleep(0.1)
                continue
            try:
                answer = self.database.query(
                    "SELECT response FROM captcha_captchastore WHERE hashkey = %s",
                    _field(page, "captcha_0"),
                )[0][0]
            except (psycopg.Error, IndexError):
                continue  # the harness can't read the answer during an outage
            body = f"Comment {next(self.serial)} of fault run {self.run}"
            self.post(form_path, page, headers, answer, body)

    def post(self, path: str, page: bytes, headers: dict, answer: str, body: str):
        cookie = headers.get("set-cookie", headers.get("Set-Cookie", ""))
        csrf = re.search(r"csrftoken=([^;]+)", cookie)
        data = urllib.parse.urlencode(
            {
                "csrfmiddlewaretoken": _field(page, "csrfmiddlewaretoken"),
                "started": _field(page, "started"),
                "name": "Fault Reader",
                "email": "fault@example.org",
                "body": body,
                "website": "",
                "captcha_0": _field(page, "captcha_0"),
                "captcha_1": answer,
            }
        )
        connection = http.client.HTTPConnection(
            self.site.base.removeprefix("http://"), timeout=CLIENT_TIMEOUT
        )
        started = time.monotonic()
        try:
            connection.request(
                "POST",
                path,
                body=data,
                headers={
                    "Content-Type": "application/x-www-form-urlencoded",
                    "Cookie": f"csrftoken={csrf[1] if csrf else ''}",
                },
            )
            response = connection.getresponse()
            response.read()
            status = response.status
        except OSError:
            status = 0
        finally:
            connection.close()
        self.record("post", started, status, {})
        if status == 302:
            self.acknowledged.append(body)


def _field(page: bytes, name: str) -> str:
    match = re.search(rf'name="{name}" value="([^"]*)"'.encode(), page)
    return match[1].decode() if match else ""


def summary(outcomes: list[Outcome]) -> str:
    table: dict[tuple[str, str], dict[int, int]] = {}
    for outcome in outcomes:
        counts = table.setdefault((outcome.phase, outcome.kind), {})
        counts[outcome.status] = counts.get(outcome.status, 0) + 1
    return json.dumps({f"{p} {k}": v for (p, k), v in table.items()}, indent=1)
