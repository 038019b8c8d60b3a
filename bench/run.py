"""`make bench`: generate a corpus, serve it the production way, measure with wrk.

Everything runs on 127.0.0.1 and stops at the end (also on Ctrl-C). The bench uses
its own databases, `newsroom_bench` (10×) and `newsroom_bench_small` (1×), on the
server of DATABASE_URL, or else on an embedded server of its own (newsroom/devdb.py,
purpose "bench"); it creates them, marks them as its own, and drops them at the end.
It starts its own redis-server for the [redis] rows and touches no other.
Results: the Markdown table on stdout, and bench/results/bench-<UTC time>.json, .md
and .svg (bench/results/README.md). docs/performance.md explains rows and goals.
"""

import argparse
import json
import os
import platform
import re
import shutil
import signal
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from bench import report as output
from bench.load import cycle_script, miss_script, post_script, run_wrk, serve_each
from bench.servers import (
    WORK,
    AppServer,
    Databases,
    Processes,
    django_environment,
    ensure_tools,
    fetch,
    find,
    free_port,
    log,
    manage,
    nginx_config,
    private_data_dir,
    python_json,
    start_redis,
    wait_for,
)
from newsroom.run import APP_SERVERS

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
BIG, SMALL = "newsroom_bench", "newsroom_bench_small"
CORPUS = {
    BIG: ["--stories", "10000", "--comments", "500000", "--clarifications", "2000"],
    SMALL: ["--stories", "1000", "--comments", "50000", "--clarifications", "200"],
}
PEER_SETTINGS = "bench.peer.settings"
COST_ROUNDS = 3  # in-process 1× / 10× measurements, alternating
KEYS_PER_POST_RUN = 4000  # solved CAPTCHAs for one P or P_peer run; more than it uses
SWEEP_CONNECTIONS = 8
# Headers of a page-cache hit that L does not repeat: they belong to one response.
PER_RESPONSE_HEADERS = {"date", "server", "content-length", "connection"}
# Where each post row's comments are stored: table, story column, name column.
POST_TABLES = {
    "P": ("comments_comment", "story_id", "name"),
    "P_peer": ("django_comments", "object_pk", "user_name"),
}
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


@dataclass
class Target:
    """One row: what wrk requests, in every run (the warm-up first)."""

    name: str
    url: str
    headers: dict[str, str] = field(default_factory=dict)
    scripts: list[Path] | None = None  # one Lua script per run, else plain GETs
    expect: str | None = None  # the tally every scripted response must have


@dataclass
class CommentForm:
    """A comment form as served: its hidden fields and the CSRF cookie."""

    fields: dict[str, str]
    cookie: str


class Bench:
    """One run, step by step (`run`). What it starts goes into `processes` and
    `databases`, which main() stops and drops however the run ends."""

    def __init__(self, args, processes: Processes, databases: Databases) -> None:
        self.args, self.processes, self.databases = args, processes, databases
        self.runs = args.rounds + 1  # and the warm-up
        self.environments: dict[str, dict] = {}
        self.urls: dict = {}  # bench.probe urls: the pages the rows request
        self.stories: list[str] = []  # every published story's address
        self.servers: dict[str, AppServer] = {}
        self.tallies: dict[str, Counter] = {}  # every run's, the warm-up included
        self.report: dict = {
            "date": datetime.now(UTC).isoformat(timespec="seconds"),
            "machine": machine(),
            "settings": vars(args),
            "corpus_names": {"big": BIG, "small": SMALL},
        }

    @property
    def big(self) -> dict:
        return self.environments[BIG]

    @property
    def peer(self) -> dict:
        return self.big | {"DJANGO_SETTINGS_MODULE": PEER_SETTINGS}

    @property
    def compared_kinds(self) -> list[str]:
        kinds = self.args.compare.split(",")
        return [k for k in kinds if k and k != self.args.server]

    def run(self, started: float) -> dict:
        self.make_corpora()
        self.urls = python_json(self.big, "-m", "bench.probe", "urls")
        self.stories = python_json(self.big, "-m", "bench.probe", "stories")
        self.in_process_facts()
        self.start_servers()
        targets = self.targets()
        self.report["targets"] = {t.name: t.url for t in targets}
        self.report["rows"] = self.measure_rounds(targets)
        self.report["posts"] = self.check_posts()
        self.report["memory"] = self.serve_every_story()
        self.report["elapsed_seconds"] = round(time.monotonic() - started, 1)
        self.report["growth"] = output.growth(self.report)
        self.report["goals"] = output.goals(self.report)
        return self.report

    # 1. Corpora, and what is measured in-process.

    def make_corpora(self) -> None:
        """10× for every wrk row, 1× for the data-growth row; the peer's tables
        (sites, django_comments) in the 10× database; static files collected."""
        self.report["corpus"] = {}
        for name in (BIG, SMALL):
            self.databases.create(name)
            environment = django_environment(self.databases.url(name))
            self.environments[name] = environment
            t = time.monotonic()
            manage(environment, "migrate", "--noinput", "--verbosity", "0")
            corpus = python_json(environment, "-m", "bench.corpus", *CORPUS[name])
            corpus["seconds"]["migrate_and_generate"] = round(time.monotonic() - t, 1)
            self.report["corpus"][name] = corpus
            log(
                f"{name}: {corpus['stories']:,} stories, {corpus['comments']:,} "
                f"comments in {corpus['seconds']['migrate_and_generate']} s (COPY)"
            )
        manage(self.peer, "migrate", "--noinput", "--verbosity", "0")
        manage(self.big, "collectstatic", "--noinput", "--verbosity", "0")

    def in_process_facts(self) -> None:
        """Queries per request; page cost at 1× and 10×, interleaved like the wrk
        rounds (each 10×/1× ratio compares neighbours)."""
        cost = [
            {
                name: python_json(self.environments[name], "-m", "bench.probe", "cost")
                for name in (SMALL, BIG)
            }
            for _ in range(COST_ROUNDS)
        ]
        self.report["cost_rounds"] = cost
        self.report["cost"] = cost[-1]  # corpus sizes and plans
        queries = python_json(self.big, "-m", "bench.probe", "queries")
        story_id = str(self.urls["story_id"])
        queries |= python_json(self.peer, "-m", "bench.peer.probe", story_id)
        self.report["queries"] = queries
        log("queries per request and 1×/10× page cost measured in-process")

    # 2. Servers.

    def start_servers(self) -> None:
        """The main kind with the file cache, with Redis, and cold (empty cache
        folders of its own); the stock peer; each compared kind (file cache); then
        L and nginx, which serve the page fetched from the first."""
        kind = self.args.server
        redis_url = start_redis(self.processes)
        cold_data = private_data_dir("cold-data")
        planned = {
            "file": (AppServer("file", kind), self.big),
            "redis": (AppServer("redis", kind), self.big | {"REDIS_URL": redis_url}),
            "cold": (
                AppServer("cold", kind),
                self.big | {"NEWSROOM_DATA_DIR": str(cold_data)},
            ),
            "peer": (AppServer("peer", kind, "bench.peer.wsgi"), self.peer),
        }
        for other in self.compared_kinds:
            planned[other] = (AppServer(other, other), self.big)
        for name, (server, environment) in planned.items():
            server.start(self.processes, environment)
            self.servers[name] = server
        for server in self.servers.values():
            wait_for(server.base + "/healthz", server.process)
        self.start_static_servers()
        log(f"servers up: {', '.join(self.servers)}, nginx; redis at {redis_url}")

    def start_static_servers(self) -> None:
        """L (bench/limit.py: a hit's bytes and headers) on the main kind, and nginx
        with A (the page as a file) and S_proxy (deploy/nginx.conf in front of the
        file-cache server)."""
        story = self.servers["file"].base + self.urls["story"]
        status, _, self.page = fetch(story)
        if status != 200:
            sys.exit(f"story page answered {status}")
        _, headers, again = fetch(story)
        assert again == self.page, "two anonymous GETs differ"
        page_file = WORK / "limit" / "story.html"
        page_file.parent.mkdir()
        page_file.write_bytes(self.page)
        fixed = [
            (name, value)
            for name, value in headers.items()
            if name.lower() not in PER_RESPONSE_HEADERS
        ]
        Path(f"{page_file}.headers.json").write_text(json.dumps(fixed))
        limit = AppServer("limit", self.args.server, "bench.limit")
        limit.start(self.processes, os.environ | {"BENCH_PAGE": str(page_file)})
        self.servers["limit"] = limit
        self.static_port, self.proxy_port = free_port(), free_port()
        config = nginx_config(
            static_port=self.static_port,
            proxy_port=self.proxy_port,
            upstream=f"127.0.0.1:{self.servers['file'].port}",
        )
        (config.parent / "html" / "story.html").write_bytes(self.page)
        nginx = self.processes.start(
            "nginx", [find("nginx"), "-p", str(config.parent), "-c", str(config)]
        )
        wait_for(f"http://127.0.0.1:{self.static_port}/story.html", nginx)
        wait_for(limit.base + "/", limit.process)

    # 3. What every row requests.

    def targets(self) -> list[Target]:
        """Every row, its URL and its Lua scripts; the plain rows checked once."""
        servers, story = self.servers, self.urls["story"]
        file, redis = servers["file"], servers["redis"]
        targets = [
            Target("A", f"http://127.0.0.1:{self.static_port}/story.html"),
            Target("L", servers["limit"].base + story),
            Target("S_proxy", f"http://127.0.0.1:{self.proxy_port}{story}"),
            Target("S_hit[file]", file.base + story),
            Target("S_304[file]", file.base + story, self.etag(file)),
            Target("S_hit[redis]", redis.base + story),
            Target("S_304[redis]", redis.base + story, self.etag(redis)),
            self.miss_target("S_miss", file),
            Target(
                "S_cold",
                servers["cold"].base + story,
                scripts=self.scripts("S_cold", self.cold_script),
                expect="200/miss",
            ),
            *self.post_targets(),
            Target("H", file.base + self.urls["home"]),
            Target("T", file.base + self.urls["topic"]),
            Target("F", file.base + self.urls["feed"]),
        ]
        for kind in self.compared_kinds:
            targets.append(Target(f"S_hit[{kind}]", servers[kind].base + story))
            targets.append(self.miss_target(f"S_miss[{kind}]", servers[kind]))
        for target in targets:
            if target.scripts is None:
                status = fetch(target.url, target.headers)[0]
                expected = 304 if target.headers else 200
                if status != expected:
                    sys.exit(f"{target.name}: {target.url} answered {status}")
        return targets

    def etag(self, server: AppServer) -> dict[str, str]:
        etag = fetch(server.base + self.urls["story"])[1]["ETag"]
        return {"If-None-Match": etag}

    def scripts(self, row: str, make: Callable[[str, int], Path]) -> list[Path]:
        """One script per run, named after the row and the run (`S_miss-1`): the
        name also marks what the run's requests send."""
        slug = re.sub(r"\W", "", row)
        return [make(f"{slug}-{run}", run) for run in range(self.runs)]

    def cold_script(self, name: str, run: int) -> Path:
        """Every run its own share of the stories: none is requested twice."""
        return cycle_script(name, self.stories[run :: self.runs])

    def miss_target(self, row: str, server: AppServer) -> Target:
        return Target(
            row,
            server.base + self.urls["story"],
            scripts=self.scripts(
                row, lambda name, run: miss_script(name, self.urls["story"])
            ),
            expect="200/miss",
        )

    def post_targets(self) -> list[Target]:
        """P, P_peer and E on the hot story; each P and P_peer run with its own
        solved CAPTCHA keys, minted once the forms have been read (which makes the
        forms older than the site's 3-second bot check)."""
        story_id, runs = self.urls["story_id"], self.runs
        site = self.comment_form(
            self.servers["file"].base + f"/comments/{story_id}/write/", ("started",)
        )
        site.fields["website"] = ""
        peer = self.comment_form(
            self.servers["peer"].base + f"/stories/{story_id}/comment/",
            ("content_type", "object_pk", "timestamp", "security_hash"),
        )
        peer.fields |= {"url": "", "honeypot": ""}
        count = 2 * runs * KEYS_PER_POST_RUN
        keys = python_json(self.big, "-c", MINT_KEYS, str(count))
        log(f"{count:,} solved CAPTCHA keys minted for P and P_peer")
        batches = [
            keys[i : i + KEYS_PER_POST_RUN] for i in range(0, count, KEYS_PER_POST_RUN)
        ]
        bare = CommentForm(
            {"csrfmiddlewaretoken": site.fields["csrfmiddlewaretoken"]}, site.cookie
        )
        return [
            self.post_target(
                "P",
                "file",
                f"/comments/{story_id}/write/",
                site,
                "body",
                batches[:runs],
                "302/-",
            ),
            self.post_target(
                "P_peer",
                "peer",
                "/comments/post/",
                peer,
                "comment",
                batches[runs:],
                "302/-",
            ),
            self.post_target(
                "E", "file", f"/bench/insert/{story_id}/", bare, "body", None, "303/-"
            ),
        ]

    def post_target(
        self,
        row: str,
        server: str,
        path: str,
        form: CommentForm,
        text_field: str,
        keys: list[list] | None,
        expect: str,
    ) -> Target:
        def make(name: str, run: int) -> Path:
            return post_script(
                name,
                path,
                form.fields,
                cookie=form.cookie,
                text_field=text_field,
                keys=keys[run] if keys else None,
            )

        base = self.servers[server].base
        return Target(row, base + path, scripts=self.scripts(row, make), expect=expect)

    def comment_form(self, url: str, hidden: tuple[str, ...]) -> CommentForm:
        status, headers, page = fetch(url)
        if status != 200:
            sys.exit(f"comment form {url} answered {status}")
        cookies = "; ".join(headers.get_all("Set-Cookie") or [])
        names = "|".join(("csrfmiddlewaretoken", *hidden))
        fields = dict(re.findall(rf'name="({names})" value="([^"]*)"', page.decode()))
        csrf = re.search(r"csrftoken=([^;]+)", cookies)[1]
        return CommentForm(fields, f"csrftoken={csrf}")

    # 4. The rounds, and what they did.

    def measure_rounds(self, targets: list[Target]) -> dict[str, list[dict]]:
        """Interleaved rounds: every ratio compares runs from the same round."""
        results: dict[str, list[dict]] = {t.name: [] for t in targets}
        for run in range(self.runs):
            log("warm-up" if run == 0 else f"round {run}/{self.args.rounds}")
            for target in targets:
                outcome = run_wrk(
                    target.url,
                    duration=2 if run == 0 else self.args.duration,
                    connections=self.args.connections,
                    script=target.scripts[run] if target.scripts else None,
                    headers=target.headers,
                )
                if target.expect:
                    tally = outcome["tally"]
                    outcome["expect"] = target.expect
                    outcome["unexpected"] = sum(tally.values()) - tally.get(
                        target.expect, 0
                    )
                    self.tallies.setdefault(target.name, Counter()).update(tally)
                if run:
                    results[target.name].append(outcome)
                time.sleep(0.5)
        return results

    def check_posts(self) -> dict:
        """Every P and P_peer response was a redirect, and each stored a comment
        (a few more rows than counted redirects: posts in flight when wrk stopped)."""
        checks = {}
        in_flight = self.args.connections * self.runs
        with self.databases.connect(BIG) as connection:
            for row, (table, story_column, name_column) in POST_TABLES.items():
                stored = connection.execute(
                    f"SELECT count(*) FROM {table} WHERE {story_column}::text = %s "
                    f"AND starts_with({name_column}, %s)",
                    (str(self.urls["story_id"]), f"Bench {row}-"),
                ).fetchone()[0]
                tally = self.tallies[row]
                redirects = tally["302/-"]
                checks[row] = {
                    "expect": "302",
                    "redirects": redirects,
                    "other_answers": sum(tally.values()) - redirects,
                    "stored": stored,
                    "ok": sum(tally.values()) == redirects
                    and 0 <= stored - redirects <= in_flight,
                }
                if not checks[row]["ok"]:
                    log(f"!! {row}: {checks[row]}")
        return checks

    def serve_every_story(self) -> dict:
        """The cold server serves every published story once (those of the S_cold
        rounds again, from its page cache); then each app server's worker RSS."""
        log(f"serving {len(self.stories):,} story pages from the cold server")
        sweep = serve_each(
            self.servers["cold"].base, self.stories, connections=SWEEP_CONNECTIONS
        )
        return sweep | {
            "pages": len(self.stories),
            "workers_mb": self.servers["cold"].worker_rss_mb(),
            "servers": {
                name: server.worker_rss_mb() for name, server in self.servers.items()
            },
        }


def write_results(report: dict) -> None:
    text = output.markdown(report)
    print(text)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    out = RESULTS / f"bench-{stamp}"
    out.with_suffix(".json").write_text(json.dumps(report, indent=2))
    out.with_suffix(".md").write_text(text)
    out.with_suffix(".svg").write_text(output.svg(report))
    log(f"written {out.relative_to(ROOT)}.json, .md and .svg")


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
        default="",
        help="other app servers measured beside it, e.g. gthread,sync (S_hit and "
        "S_miss, file cache; about 40 s each): none by default, to keep the run "
        "under 15 minutes",
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
        write_results(Bench(args, processes, databases).run(started))
        return 0
    except KeyboardInterrupt:
        log("interrupted: stopping everything the bench started")
        return 130
    finally:
        processes.stop_all()
        databases.close()
        log(f"stopped servers and redis, dropped {BIG} and {SMALL}")


if __name__ == "__main__":
    sys.exit(main())
