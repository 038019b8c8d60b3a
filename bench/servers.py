"""What `make bench` starts and stops: tools, databases, processes, nginx, Redis.

Everything listens on 127.0.0.1 and is stopped (databases dropped) by its owner's
`close()`/`stop_all()`, which bench/run.py calls on every exit, Ctrl-C included.
"""

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from email.message import Message
from pathlib import Path

from newsroom import devdb
from newsroom.run import app_server_command

ROOT = Path(__file__).resolve().parents[1]
WORK = devdb.DATA_DIR / "bench"
NGINX_SITE = ROOT / "deploy" / "nginx.conf"
MARK = "newsroom make bench: created and dropped by bench/run.py"
# Debian package and the program it brings.
TOOLS = {"wrk": "wrk", "nginx-light": "nginx", "redis-server": "redis-server"}
SITE_WSGI = "newsroom.wsgi"


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# --- Tools ---------------------------------------------------------------------------


def find(tool: str) -> str | None:
    return shutil.which(tool) or next(
        (
            str(p)
            for p in (Path("/usr/sbin") / tool, Path("/usr/bin") / tool)
            if p.exists()
        ),
        None,
    )


def ensure_tools() -> None:
    """wrk, nginx and redis-server from Debian, installed when missing and we are
    root with apt."""
    missing = [package for package, tool in TOOLS.items() if not find(tool)]
    if not missing:
        return
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        sys.exit(
            f"The bench needs {' and '.join(missing)}: "
            f"apt-get install {' '.join(missing)}"
        )
    log(f"installing {' '.join(missing)} (apt-get)")
    running = {tool: _system_service_running(tool) for tool in ("nginx", "redis")}
    environment = os.environ | {"DEBIAN_FRONTEND": "noninteractive"}
    install = ["apt-get", "install", "-y", "-qq", *missing]
    if subprocess.run(install, env=environment, capture_output=True).returncode:
        subprocess.run(["apt-get", "update", "-qq"], env=environment, check=True)
        subprocess.run(install, env=environment, check=True, capture_output=True)
    # A package may start its system service (nginx on port 80, redis on 6379):
    # the ones we started, we stop.
    if not running["nginx"] and _system_service_running("nginx"):
        subprocess.run([find("nginx"), "-s", "quit"], check=False)
    if not running["redis"] and _system_service_running("redis"):
        subprocess.run(["service", "redis-server", "stop"], check=False)


def _system_service_running(name: str) -> bool:
    pid_file = {"nginx": "/run/nginx.pid", "redis": "/run/redis/redis-server.pid"}
    return Path(pid_file[name]).exists()


# --- Databases -----------------------------------------------------------------------


class Databases:
    """The bench's own databases on DATABASE_URL's server or an embedded one."""

    def __init__(self) -> None:
        self.started_embedded = False
        self.created: list[str] = []
        given = os.environ.get("DATABASE_URL")
        if given:
            self.server = given
        else:
            self.server, self.started_embedded = devdb.start("bench")

    def url(self, name: str) -> str:
        parts = urllib.parse.urlsplit(self.server)
        return urllib.parse.urlunsplit(parts._replace(path=f"/{name}"))

    def connect(self, name: str = "postgres"):
        import psycopg

        return psycopg.connect(self.url(name), autocommit=True)

    def create(self, name: str) -> None:
        with self.connect() as connection:
            row = connection.execute(
                "SELECT shobj_description(oid, 'pg_database') FROM pg_database "
                "WHERE datname = %s",
                (name,),
            ).fetchone()
            if row is not None:
                if row[0] != MARK:
                    sys.exit(
                        f"Database {name} exists and is not the bench's: left alone."
                    )
                connection.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
            connection.execute(f'CREATE DATABASE "{name}"')
            connection.execute(f"COMMENT ON DATABASE \"{name}\" IS '{MARK}'")
        self.created.append(name)

    def drop_all(self) -> None:
        with self.connect() as connection:
            for name in self.created:
                connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        self.created.clear()

    def close(self) -> None:
        try:
            if self.created:
                self.drop_all()
        finally:
            if self.started_embedded:
                devdb.stop("bench")


# --- Processes -----------------------------------------------------------------------


class Processes:
    """Everything the bench starts, each in its own process group, stopped by pid."""

    def __init__(self) -> None:
        self.running: list[tuple[str, subprocess.Popen]] = []

    def start(self, name: str, command: list[str], **kwargs) -> subprocess.Popen:
        logfile = (WORK / "logs" / f"{name}.log").open("w")
        process = subprocess.Popen(
            command,
            cwd=ROOT,
            stdout=logfile,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            **kwargs,
        )
        self.running.append((name, process))
        return process

    def stop_all(self) -> None:
        for name, process in reversed(self.running):
            if process.poll() is None:
                # nginx stops gracefully on QUIT; app servers and Redis on TERM.
                sig = signal.SIGQUIT if name == "nginx" else signal.SIGTERM
                try:
                    os.killpg(process.pid, sig)
                except ProcessLookupError:
                    continue
        deadline = time.monotonic() + 20
        for name, process in self.running:
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
                log(f"{name} did not stop in time: killed")
        self.running.clear()


@dataclass
class AppServer:
    """One app server process tree (`kind` from newsroom.run) serving `wsgi`."""

    name: str
    kind: str
    wsgi: str = SITE_WSGI
    port: int = field(default_factory=free_port)
    process: subprocess.Popen | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, processes: Processes, environment: dict[str, str]) -> None:
        """`make run`'s command line for this kind, pointed at this WSGI module."""
        command = [
            argument.replace(SITE_WSGI, self.wsgi, 1)
            if argument.startswith(SITE_WSGI)
            else argument
            for argument in app_server_command(self.kind, bind=f"127.0.0.1:{self.port}")
        ]
        self.process = processes.start(self.name, command, env=environment)

    def worker_rss_mb(self) -> list[float]:
        """Resident memory of each worker (the server's child processes)."""
        return [rss_mb(pid) for pid in children(self.process.pid)]


def children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            # "pid (comm) state ppid …": comm may hold spaces, so split after ")".
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # exited meanwhile
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return sorted(found)


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def django_environment(database_url: str, **extra: str) -> dict[str, str]:
    keep = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "NEWSROOM_")) and k != "REDIS_URL"
    }
    return (
        keep
        | {
            "DJANGO_SETTINGS_MODULE": "bench.settings",
            "DATABASE_URL": database_url,
            "DJANGO_SECRET_KEY": "bench-only-secret-key-" + "b" * 40,
            # `.miss.bench`: S_miss asks for the story under a new host every time.
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost,testserver,.miss.bench",
            "NEWSROOM_HTTPS": "false",
            "NEWSROOM_DATA_DIR": str(WORK / "data"),
            "NEWSROOM_LOG_LEVEL": "WARNING",
            # One client address posts thousands of comments: no throttle here.
            "NEWSROOM_COMMENTS_THROTTLE_PER_IP": "1000000000",
            "NEWSROOM_COMMENTS_THROTTLE_PER_EMAIL": "1000000000",
            "NEWSROOM_CAPTCHA_AUDIO": "false",
        }
        | extra
    )


def private_data_dir(name: str) -> Path:
    """A data folder of its own (empty cache folders) sharing the collected static
    files, which the site's templates need."""
    folder = WORK / name
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "static").symlink_to(WORK / "data" / "static")
    return folder


def manage(environment: dict, *args: str) -> None:
    subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=environment, check=True
    )


def python_json(environment: dict, *args: str):
    result = subprocess.run(
        [sys.executable, *args],
        cwd=ROOT,
        env=environment,
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def wait_for(url: str, process: subprocess.Popen, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            sys.exit(f"{url}: the server exited (see {WORK / 'logs'})")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.2)
    sys.exit(f"{url} did not answer within {seconds:.0f} s")


def fetch(url: str, headers: dict | None = None) -> tuple[int, Message, bytes]:
    """Status, headers (case-insensitive: granian sends them in lower case), body."""
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


# --- Redis ---------------------------------------------------------------------------


def start_redis(processes: Processes) -> str:
    """A private redis-server for the S_*[redis] rows: no persistence, its own
    folder and port (the machine's Redis is never touched). Its URL."""
    folder = WORK / "redis"
    folder.mkdir(parents=True, exist_ok=True)
    port = free_port()
    command = [find("redis-server"), "--bind", "127.0.0.1", "--port", str(port)]
    command += ["--save", "", "--appendonly", "no", "--dir", str(folder)]
    process = processes.start("redis", command)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            sys.exit(f"redis-server exited (see {WORK / 'logs' / 'redis.log'})")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as sock:
                sock.sendall(b"PING\r\n")
                if sock.recv(16).startswith(b"+PONG"):
                    return f"redis://127.0.0.1:{port}/0"
        except OSError:
            time.sleep(0.1)
    sys.exit("redis-server did not answer within 30 s")


# --- nginx ---------------------------------------------------------------------------


def render_nginx_site(
    *,
    listen: str,
    app_servers: list[str],
    cache_dir: Path,
    static_root: Path,
    media_root: Path,
) -> str:
    """deploy/nginx.conf with its NEWSROOM_* placeholders filled in, as envsubst
    would (`make bench`, `make test-cluster`): `app_servers` are host:port."""
    values = {
        "NEWSROOM_LISTEN": listen,
        "NEWSROOM_SERVER_NAME": "127.0.0.1",
        "NEWSROOM_UPSTREAM_SERVERS": " ".join(f"server {a};" for a in app_servers),
        "NEWSROOM_CACHE_DIR": str(cache_dir),
        "NEWSROOM_STATIC_ROOT": str(static_root),
        "NEWSROOM_MEDIA_ROOT": str(media_root),
    }
    site = NGINX_SITE.read_text()
    for name, value in values.items():
        site = site.replace("${" + name + "}", value)
    if "${NEWSROOM_" in site:
        raise ValueError("deploy/nginx.conf has a placeholder this does not fill")
    return site


def nginx_config(*, static_port: int, proxy_port: int, upstream: str) -> Path:
    """A minimal nginx with A (a static file) and the shipped site config, rendered."""
    base = WORK / "nginx"
    for sub in ("html", "cache", "tmp", "logs"):
        (base / sub).mkdir(parents=True, exist_ok=True)
    site = render_nginx_site(
        listen=f"127.0.0.1:{proxy_port}",
        app_servers=[upstream],
        cache_dir=base / "cache",
        static_root=WORK / "data" / "static",
        media_root=WORK / "data" / "media",
    )
    (base / "newsroom.conf").write_text(site)
    user = "user root;\n" if os.geteuid() == 0 else ""
    temp = "".join(
        f"    {kind}_temp_path {base / 'tmp' / kind};\n"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    main = f"""{user}daemon off;
worker_processes 2;
pid {base / "nginx.pid"};
error_log {base / "logs" / "error.log"} warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    default_type text/html;
{temp}    server {{
        # A: the physical limit, the rendered story page as a file (keep-alive).
        listen 127.0.0.1:{static_port};
        keepalive_requests 100000;
        sendfile on;
        tcp_nopush on;
        root {base / "html"};
        location / {{ try_files $uri =404; }}
    }}
    include {base / "newsroom.conf"};
}}
"""
    (base / "nginx.conf").write_text(main)
    return base / "nginx.conf"
