"""`make bench`: generate a corpus, serve it the production way, measure with wrk.

Everything runs on 127.0.0.1 and stops at the end (also on Ctrl-C). The bench uses
its own databases, `newsroom_bench` (10×) and `newsroom_bench_small` (1×), on the
server of DATABASE_URL, or else on an embedded server of its own (newsroom/devdb.py,
purpose "bench"); it creates them, marks them as its own, and drops them at the end.
Results: one table on stdout, the same as JSON under bench/results/.
docs/performance.md explains the rows, the goals and one run.
"""

import argparse
import json
import os
import platform
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import Message
from pathlib import Path

from newsroom import devdb
from newsroom.run import APP_SERVERS, app_server_command

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
WORK = devdb.DATA_DIR / "bench"
NGINX_SITE = ROOT / "deploy" / "nginx.conf"
MARK = "newsroom make bench: created and dropped by bench/run.py"
BIG, SMALL = "newsroom_bench", "newsroom_bench_small"
CORPUS = {
    BIG: ["--stories", "10000", "--comments", "500000", "--clarifications", "2000"],
    SMALL: ["--stories", "1000", "--comments", "50000", "--clarifications", "200"],
}
COST_ROUNDS = 3  # in-process 1× / 10× measurements, alternating
KEYS_PER_POST_RUN = 3000  # solved CAPTCHAs for one P run; more than it can use
GOALS = [  # (number, metric, numerator, denominator, goal, higher is better)
    (1, "S_proxy / A", "S_proxy", "A", 0.9, True),
    (2, "S_hit / A", "S_hit", "A", 0.06, True),
    (3, "S_miss / A", "S_miss", "A", 0.004, True),
    (4, "S_304 / A", "S_304", "A", 0.013, True),
    (5, "P / E", "P", "E", 0.8, True),
]
ROWS = {
    "A": "nginx: static copy of the rendered story page",
    "S_proxy": "story page through deploy/nginx.conf (micro-cache)",
    "S_hit": "story page from the app's page cache",
    "S_miss": "story page, caching off",
    "S_304": "story page, conditional GET (If-None-Match)",
    "P": "comment POST, solved CAPTCHA (302)",
    "E": "bare comment INSERT view, bench settings only (303)",
    "H": "home page (page cache)",
    "T": "topic page (page cache)",
    "F": "RSS feed (page cache)",
}


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# --- Tools ---------------------------------------------------------------------------


def ensure_tools() -> None:
    """wrk and nginx from Debian, installed when missing and we are root with apt."""
    missing = [
        p for p, tool in (("wrk", "wrk"), ("nginx-light", "nginx")) if not find(tool)
    ]
    if not missing:
        return
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        sys.exit(
            f"The bench needs {' and '.join(missing)}: "
            f"apt-get install {' '.join(missing)}"
        )
    log(f"installing {' '.join(missing)} (apt-get)")
    already = Path("/run/nginx.pid").exists()
    environment = os.environ | {"DEBIAN_FRONTEND": "noninteractive"}
    install = ["apt-get", "install", "-y", "-qq", *missing]
    if subprocess.run(install, env=environment, capture_output=True).returncode:
        subprocess.run(["apt-get", "update", "-qq"], env=environment, check=True)
        subprocess.run(install, env=environment, check=True, capture_output=True)
    if not already and Path("/run/nginx.pid").exists():
        # The package may start a system nginx on port 80: we started it, we stop it.
        subprocess.run([find("nginx"), "-s", "quit"], check=False)


def find(tool: str) -> str | None:
    return shutil.which(tool) or next(
        (
            str(p)
            for p in (Path("/usr/sbin") / tool, Path("/usr/bin") / tool)
            if p.exists()
        ),
        None,
    )


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

    def _admin(self):
        import psycopg

        return psycopg.connect(self.url("postgres"), autocommit=True)

    def create(self, name: str) -> None:
        with self._admin() as connection:
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
        with self._admin() as connection:
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


@dataclass
class Server:
    name: str
    kind: str
    cached: bool
    port: int = field(default_factory=free_port)
    process: subprocess.Popen | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"


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
                # nginx stops gracefully on QUIT, gunicorn and granian on TERM.
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
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
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


def manage(environment: dict, *args: str) -> None:
    subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=environment, check=True
    )


def python_json(environment: dict, *args: str) -> dict:
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


# --- nginx ---------------------------------------------------------------------------


def nginx_config(*, static_port: int, proxy_port: int, upstream: str) -> Path:
    """A minimal nginx with A (a static file) and the shipped site config, rendered."""
    base = WORK / "nginx"
    for sub in ("html", "cache", "tmp", "logs"):
        (base / sub).mkdir(parents=True, exist_ok=True)
    values = {
        "NEWSROOM_LISTEN": f"127.0.0.1:{proxy_port}",
        "NEWSROOM_SERVER_NAME": "127.0.0.1",
        "NEWSROOM_UPSTREAM": upstream,
        "NEWSROOM_CACHE_DIR": str(base / "cache"),
        "NEWSROOM_STATIC_ROOT": str(WORK / "data" / "static"),
        "NEWSROOM_MEDIA_ROOT": str(WORK / "data" / "media"),
    }
    site = NGINX_SITE.read_text()
    for name, value in values.items():
        site = site.replace("${" + name + "}", value)
    if "${NEWSROOM_" in site:
        sys.exit("deploy/nginx.conf has a placeholder the bench does not fill")
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


# --- wrk -----------------------------------------------------------------------------


def lua_string(text: str) -> str:
    return json.dumps(text)  # a JSON string is a valid Lua string literal here


def post_script(
    path: str, form: dict, cookie: str, keys: list[list[str]], name: str
) -> Path:
    """P: each request consumes its own solved CAPTCHA (threads take turns)."""
    base = urllib.parse.urlencode(form)
    key_table = ",".join(f"{{{lua_string(k)},{lua_string(a)}}}" for k, a in keys)
    script = f"""
local keys = {{{key_table}}}
local base = {lua_string(base)}
local n = 0
local threads = 0
function setup(thread)
  thread:set("id", threads)
  threads = threads + 1
end
function request()
  n = n + 1
  local i = ((n - 1) * 2 + id) % #keys + 1
  local body = base .. "&captcha_0=" .. keys[i][1] .. "&captcha_1=" .. keys[i][2]
    .. "&body=Bench+comment+" .. id .. "+" .. n .. "+on+the+budget+vote."
  return wrk.format("POST", {lua_string(path)}, {{
    ["Content-Type"] = "application/x-www-form-urlencoded",
    ["Cookie"] = {lua_string(cookie)},
  }}, body)
end
"""
    out = WORK / "lua" / f"{name}.lua"
    out.write_text(script)
    return out


def insert_script(path: str, form: dict, cookie: str) -> Path:
    body = urllib.parse.urlencode(form | {"body": "Bench comment on the budget vote."})
    script = f"""
wrk.method = "POST"
wrk.path = {lua_string(path)}
wrk.body = {lua_string(body)}
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Cookie"] = {lua_string(cookie)}
"""
    out = WORK / "lua" / "insert.lua"
    out.write_text(script)
    return out


UNITS = {"us": 1e-3, "ms": 1.0, "s": 1000.0}


def to_ms(value: str) -> float:
    match = re.match(r"([\d.]+)(us|ms|s)$", value)
    return float(match[1]) * UNITS[match[2]] if match else float("nan")


def run_wrk(url: str, *, duration: float, connections: int, extra: list[str]) -> dict:
    command = ["wrk", "-t2", f"-c{connections}", f"-d{duration:g}s", "--latency"]
    command += [*extra, url]
    load = os.getloadavg()[0]
    result = subprocess.run(
        command, capture_output=True, text=True, timeout=duration + 30
    )
    text = result.stdout + result.stderr
    rps = re.search(r"Requests/sec:\s+([\d.]+)", text)
    p50 = re.search(r"^\s+50%\s+(\S+)", text, re.M)
    p99 = re.search(r"^\s+99%\s+(\S+)", text, re.M)
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    sockets = re.search(r"Socket errors: (.*)", text)
    total = re.search(r"(\d+) requests in", text)
    return {
        "rps": float(rps[1]) if rps else 0.0,
        "p50_ms": to_ms(p50[1]) if p50 else float("nan"),
        "p99_ms": to_ms(p99[1]) if p99 else float("nan"),
        "requests": int(total[1]) if total else 0,
        "non_2xx_3xx": int(bad[1]) if bad else 0,
        "socket_errors": sockets[1].strip() if sockets else "",
        "load_1min": round(load, 2),
    }


# --- The run -------------------------------------------------------------------------


def median_range(values: list[float]) -> tuple[float, float, float]:
    return statistics.median(values), min(values), max(values)


def fmt(x: float) -> str:
    if x != x:  # NaN
        return "–"
    if x >= 100:
        return f"{x:,.0f}"
    if x >= 1:
        return f"{x:.2f}"
    return f"{x:.4f}"


def machine() -> str:
    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return (
        f"{os.cpu_count()} vCPU {model}, {memory:.0f} GiB, {platform.system()} "
        f"{platform.release()}, Python {platform.python_version()}"
    )


def interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt  # SIGTERM cleans up like Ctrl-C


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--duration", type=float, default=5, help="seconds per wrk run")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument(
        "--server",
        default=APP_SERVERS[0],
        choices=APP_SERVERS,
        help="app server of the main rows (default: make run's)",
    )
    parser.add_argument(
        "--compare",
        default=",".join(APP_SERVERS),
        help="app servers measured side by side (S_hit, S_miss)",
    )
    args = parser.parse_args(argv)
    started = time.monotonic()
    signal.signal(signal.SIGTERM, interrupt)
    ensure_tools()
    if WORK.exists():
        shutil.rmtree(WORK)
    for sub in ("logs", "lua", "data"):
        (WORK / sub).mkdir(parents=True, exist_ok=True)
    RESULTS.mkdir(parents=True, exist_ok=True)
    processes = Processes()
    databases = Databases()
    try:
        return measure(args, databases, processes, started)
    except KeyboardInterrupt:
        log("interrupted: stopping everything the bench started")
        return 130
    finally:
        processes.stop_all()
        databases.close()
        log(f"stopped servers, dropped {BIG} and {SMALL}")


def measure(args, databases: Databases, processes: Processes, started: float) -> int:
    report: dict = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "settings": vars(args),
        "corpus": {},
    }
    # 1. Corpora: 10× for every wrk row, 1× for the data-growth row.
    environments = {}
    for name in (BIG, SMALL):
        databases.create(name)
        environment = django_environment(databases.url(name))
        environments[name] = environment
        t = time.monotonic()
        manage(environment, "migrate", "--noinput", "--verbosity", "0")
        corpus = python_json(environment, "-m", "bench.corpus", *CORPUS[name])
        corpus["seconds"]["migrate_and_generate"] = round(time.monotonic() - t, 1)
        report["corpus"][name] = corpus
        log(
            f"{name}: {corpus['stories']:,} stories, {corpus['comments']:,} comments "
            f"in {corpus['seconds']['migrate_and_generate']} s (COPY)"
        )
    big = environments[BIG]
    manage(big, "collectstatic", "--noinput", "--verbosity", "0")

    # 2. In-process facts: queries per request; page cost at 1× and 10×.
    # Interleaved like the wrk rounds: each 10×/1× ratio compares neighbours.
    report["cost_rounds"] = [
        {
            name: python_json(environments[name], "-m", "bench.probe", "cost")
            for name in (SMALL, BIG)
        }
        for _ in range(COST_ROUNDS)
    ]
    report["cost"] = report["cost_rounds"][-1]  # corpus sizes and plans
    report["queries"] = python_json(big, "-m", "bench.probe", "queries")
    urls = python_json(big, "-m", "bench.probe", "urls")
    log("queries per request and 1×/10× page cost measured in-process")

    # 3. Servers: each kind with the page cache on and off; nginx for A and S_proxy.
    kinds = [k for k in args.compare.split(",") if k]
    if args.server not in kinds:
        kinds.insert(0, args.server)
    servers = {}
    for kind in kinds:
        for cached in (True, False):
            server = Server(f"{kind}-{'cache' if cached else 'nocache'}", kind, cached)
            environment = big | {
                "NEWSROOM_PAGE_CACHE_SECONDS": "600" if cached else "0"
            }
            server.process = processes.start(
                server.name,
                app_server_command(kind, bind=f"127.0.0.1:{server.port}"),
                env=environment,
            )
            servers[server.name] = server
    for server in servers.values():
        wait_for(server.base + "/healthz", server.process)
    main_server = servers[f"{args.server}-cache"]
    static_port, proxy_port = free_port(), free_port()
    config = nginx_config(
        static_port=static_port,
        proxy_port=proxy_port,
        upstream=f"127.0.0.1:{main_server.port}",
    )
    nginx = processes.start(
        "nginx", [find("nginx"), "-p", str(config.parent), "-c", str(config)]
    )
    log(f"servers up: {', '.join(servers)}, nginx")

    # 4. What every row requests.
    story = urls["story"]
    status, headers, page = fetch(main_server.base + story)
    if status != 200:
        sys.exit(f"story page answered {status}")
    (config.parent / "html" / "story.html").write_bytes(page)
    wait_for(f"http://127.0.0.1:{static_port}/story.html", nginx)
    etag = headers["ETag"]
    _, _, cached_again = fetch(main_server.base + story)
    assert cached_again == page, "two anonymous GETs differ"
    form_status, form_headers, form_page = fetch(
        main_server.base + "/comments/1/write/"
    )
    if form_status != 200:
        sys.exit(f"comment form answered {form_status}")
    cookie_header = "; ".join(form_headers.get_all("Set-Cookie") or [])
    csrf_cookie = re.search(r"csrftoken=([^;]+)", cookie_header)[1]
    html = form_page.decode()
    fields = dict(
        re.findall(r'name="(csrfmiddlewaretoken|started)" value="([^"]+)"', html)
    )
    form = {
        "csrfmiddlewaretoken": fields["csrfmiddlewaretoken"],
        "started": fields["started"],
        "name": "Bench Reader",
        "email": "reader@example.org",
        "website": "",
    }
    cookie = f"csrftoken={csrf_cookie}"
    runs = args.rounds + 1  # and the warm-up
    keys = python_json(big, "-c", MINT_KEYS, str(KEYS_PER_POST_RUN * runs))
    post_scripts = [
        post_script(
            "/comments/1/write/",
            form,
            cookie,
            keys[i * KEYS_PER_POST_RUN : (i + 1) * KEYS_PER_POST_RUN],
            f"post-{i}",
        )
        for i in range(runs)
    ]
    insert = insert_script(
        "/bench/insert/1/",
        {
            k: v
            for k, v in form.items()
            if k in ("csrfmiddlewaretoken", "name", "email")
        },
        cookie,
    )
    time.sleep(3)  # the form's "served at" token: posts come later than a bot would

    targets: list[tuple[str, str, list[str] | None]] = [
        ("A", f"http://127.0.0.1:{static_port}/story.html", []),
        ("S_proxy", f"http://127.0.0.1:{proxy_port}{story}", []),
        ("S_hit", main_server.base + story, []),
        ("S_miss", servers[f"{args.server}-nocache"].base + story, []),
        ("S_304", main_server.base + story, ["-H", f"If-None-Match: {etag}"]),
        ("P", main_server.base + "/comments/1/write/", None),
        ("E", main_server.base + "/bench/insert/1/", ["-s", str(insert)]),
        ("H", main_server.base + urls["home"], []),
        ("T", main_server.base + urls["topic"], []),
        ("F", main_server.base + urls["feed"], []),
    ]
    for kind in kinds:
        if kind != args.server:
            targets.append(
                (f"S_hit[{kind}]", servers[f"{kind}-cache"].base + story, [])
            )
            targets.append(
                (f"S_miss[{kind}]", servers[f"{kind}-nocache"].base + story, [])
            )
    for name, url, extra in targets:  # every URL answers as it should
        if extra is None or "-s" in (extra or []):
            continue
        status, headers, _ = fetch(
            url, dict([extra[1].split(": ", 1)]) if extra else None
        )
        expected = 304 if name == "S_304" else 200
        if status != expected:
            sys.exit(f"{name}: {url} answered {status}, not {expected}")

    # 5. Interleaved rounds: every ratio compares runs from the same round.
    results: dict[str, list[dict]] = {name: [] for name, _, _ in targets}
    for run in range(runs):
        label = "warm-up" if run == 0 else f"round {run}/{args.rounds}"
        log(label)
        duration = 2 if run == 0 else args.duration
        for name, url, extra in targets:
            if extra is None:
                extra = ["-s", str(post_scripts[run])]
            outcome = run_wrk(
                url, duration=duration, connections=args.connections, extra=extra
            )
            if run:
                results[name].append(outcome)
            time.sleep(0.5)
    report["rows"] = results

    # 6. The table.
    report["elapsed_seconds"] = round(time.monotonic() - started, 1)
    text = table(report, args)
    print(text)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    out = RESULTS / f"bench-{stamp}.json"
    out.write_text(json.dumps(report, indent=2))
    (RESULTS / f"bench-{stamp}.md").write_text(text)
    log(f"written {out.relative_to(ROOT)} (and .md)")
    return 0


MINT_KEYS = """
import json, sys, django
django.setup()
from captcha.models import CaptchaStore
from django.db import transaction
n = int(sys.argv[1])
with transaction.atomic():
    keys = [CaptchaStore.generate_key() for _ in range(n)]
stored = CaptchaStore.objects.filter(hashkey__in=keys)
answers = dict(stored.values_list("hashkey", "response"))
print(json.dumps([[k, answers[k]] for k in keys]))
"""


def ratio(rows: dict, a: str, b: str) -> tuple[float, float, float] | None:
    if a not in rows or b not in rows:
        return None
    per_round = [
        x["rps"] / y["rps"] for x, y in zip(rows[a], rows[b], strict=True) if y["rps"]
    ]
    return median_range(per_round) if per_round else None


def table(report: dict, args) -> str:
    rows, queries = report["rows"], report["queries"]
    big = report["corpus"][BIG]
    lines = [
        f"## make bench, {report['date']}",
        "",
        f"Machine: {report['machine']}. Load average (1 min) during the runs: "
        + "{:.2f}..{:.2f}.".format(
            min(r["load_1min"] for rs in rows.values() for r in rs),
            max(r["load_1min"] for rs in rows.values() for r in rs),
        ),
        f"Corpus: {big['stories']:,} stories (~1,000 words), {big['authors']} authors, "
        f"{big['topics']} topics, {big['clarifications']:,} clarifications, "
        f"{big['comments']:,} comments, generated in "
        f"{big['seconds']['migrate_and_generate']} s (migrate + COPY).",
        f"wrk -t2 -c{args.connections} -d{args.duration:g}s, {args.rounds} interleaved "
        f"rounds after a warm-up; app server of the main rows: {args.server}; "
        f"whole run {report['elapsed_seconds'] / 60:.1f} min.",
        "",
        "| row | what | req/s median (min..max) | p50 ms | p99 ms | queries/req | "
        "errors |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for name, outcomes in rows.items():
        rps = median_range([o["rps"] for o in outcomes])
        base = name.split("[")[0]
        q = queries.get(base, {}).get("queries", "") if base != "A" else ""
        if base == "S_proxy":
            q = "0 (1 per s)"
        errors = sum(o["non_2xx_3xx"] for o in outcomes)
        sockets = {o["socket_errors"] for o in outcomes if o["socket_errors"]}
        what = ROWS.get(base, "")
        if "[" in name:
            what = f"{ROWS[base]}, {name.split('[')[1].rstrip(']')}"
        lines.append(
            f"| {name} | {what} | {fmt(rps[0])} ({fmt(rps[1])}..{fmt(rps[2])}) | "
            f"{fmt(statistics.median(o['p50_ms'] for o in outcomes))} | "
            f"{fmt(statistics.median(o['p99_ms'] for o in outcomes))} | {q} | "
            f"{errors}{' + sockets: ' + '; '.join(sorted(sockets)) if sockets else ''}"
            " |"
        )
    lines += [
        "",
        "| # | goal | target | measured median (min..max) | met |",
        "|---|---|---:|---:|---|",
    ]
    goals = []
    for number, metric, a, b, target, higher in GOALS:
        r = ratio(rows, a, b)
        if r is None:
            continue
        met = r[0] >= target if higher else r[0] <= target
        goals.append(
            {"goal": number, "metric": metric, "target": target, "ratio": r, "met": met}
        )
        lines.append(
            f"| {number} | {metric} | ≥ {target} | "
            f"{fmt(r[0])} ({fmt(r[1])}..{fmt(r[2])}) "
            f"| {'yes' if met else 'NO'} |"
        )
    small_cost, big_cost = report["cost"][SMALL], report["cost"][BIG]
    growth = {
        page: {
            "1x_ms": statistics.median(
                r[SMALL]["pages"][page]["ms"] for r in report["cost_rounds"]
            ),
            "10x_ms": statistics.median(
                r[BIG]["pages"][page]["ms"] for r in report["cost_rounds"]
            ),
            "ratio": median_range(
                [
                    r[BIG]["pages"][page]["ms"] / r[SMALL]["pages"][page]["ms"]
                    for r in report["cost_rounds"]
                ]
            ),
        }
        for page in small_cost["pages"]
    }
    report["growth"] = growth
    story_ratio = growth["story"]["ratio"][0]
    met = story_ratio <= 1.2
    goals.append(
        {
            "goal": 6,
            "metric": "story page ms at 10× / 1×",
            "target": 1.2,
            "ratio": story_ratio,
            "met": met,
        }
    )
    lines.append(
        f"| 6 | story page cost at 10× / 1× data (in-process, caching off) | ≤ 1.2 | "
        f"{story_ratio:.2f} ({growth['story']['ratio'][1]:.2f}.."
        f"{growth['story']['ratio'][2]:.2f}) | {'yes' if met else 'NO'} |"
    )
    report["goals"] = goals
    lines += [
        "",
        "Server comparison (same rounds; req/s median, ratio to A):",
        "",
        "| app server | S_hit | S_hit / A | S_miss | S_miss / A |",
        "|---|---:|---:|---:|---:|",
    ]
    for kind in [
        args.server,
        *[k for k in args.compare.split(",") if k != args.server],
    ]:
        hit = "S_hit" if kind == args.server else f"S_hit[{kind}]"
        miss = "S_miss" if kind == args.server else f"S_miss[{kind}]"
        if hit not in rows:
            continue
        hit_ratio, miss_ratio = ratio(rows, hit, "A"), ratio(rows, miss, "A")
        lines.append(
            f"| {kind} | {fmt(statistics.median(o['rps'] for o in rows[hit]))} | "
            f"{fmt(hit_ratio[0])} | "
            f"{fmt(statistics.median(o['rps'] for o in rows[miss]))} "
            f"| {fmt(miss_ratio[0])} |"
        )
    lines += [
        "",
        f"Data growth ({small_cost['corpus']['stories']:,} stories / "
        f"{small_cost['corpus']['comments']:,} comments vs "
        f"{big_cost['corpus']['stories']:,} / {big_cost['corpus']['comments']:,}; "
        f"in-process median ms over {COST_ROUNDS} alternating rounds, caching off; "
        "ratio: median (min..max) of the rounds; scans in the 10× plans):",
        "",
        "| page | 1× ms | 10× ms | 10× / 1× | queries | scans in the plans (10×) |",
        "|---|---:|---:|---:|---:|---|",
    ]
    for page, row in growth.items():
        large = big_cost["pages"][page]
        scans = sorted(
            {node for plan in large["plans"] for node in plan if "Scan" in node}
        )
        lines.append(
            f"| {page} | {row['1x_ms']:.2f} | {row['10x_ms']:.2f} | "
            f"{row['ratio'][0]:.2f} ({row['ratio'][1]:.2f}..{row['ratio'][2]:.2f}) | "
            f"{large['queries']} | {'; '.join(scans)} |"
        )
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.exit(main())
