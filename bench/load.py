"""wrk: the Lua scripts of the rows that vary their requests, one run, its figures.

Every script tallies its responses by status and X-Page-Cache ("302/-", "200/miss")
and prints the tally when wrk ends, so the harness can check that each request did
what its row claims: a page-cache miss, a stored comment's redirect.
"""

import http.client
import json
import os
import re
import subprocess
import threading
import time
import urllib.parse
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from bench.servers import WORK

THREADS = 2  # wrk -t2: the Lua below gives each thread every second item

# Thread ids, the per-thread request count `n`, the tally and its report.
PRELUDE = """
local threads = {}
function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end
n = 0
tally = {}
function response(status, headers)
  local cache = headers["X-Page-Cache"] or headers["x-page-cache"] or "-"
  local key = status .. "/" .. cache
  tally[key] = (tally[key] or 0) + 1
end
function done()
  for _, thread in ipairs(threads) do
    for key, count in pairs(thread:get("tally")) do
      io.write("tally ", key, " ", count, "\\n")
    end
  end
end
"""


def lua_string(text: str) -> str:
    return json.dumps(text)  # a JSON string is a valid Lua string literal here


def lua_list(items: list) -> str:
    def item(value) -> str:
        if isinstance(value, list | tuple):
            return lua_list(list(value))
        return lua_string(value)

    return "{" + ",".join(item(value) for value in items) + "}"


def next_of(table: str) -> str:
    """This thread's next item of a Lua list: threads take turns, none repeats
    before the list is used up."""
    return f"{table}[((n - 1) * {THREADS} + id) % #{table} + 1]"


def _write(name: str, body: str) -> Path:
    out = WORK / "lua" / f"{name}.lua"
    out.write_text(PRELUDE + body)
    return out


def miss_script(name: str, path: str) -> Path:
    """`path` for the host `<name>-<thread>-<n>.miss.bench` (the bench's servers
    accept `.miss.bench`): the page cache keys a page by scheme, host and path, so
    every request misses its page and nothing else (stamps, fragments and the
    rendered body are shared by every host)."""
    return _write(
        name,
        f"""
function request()
  n = n + 1
  local host = "{name.lower().replace("_", "-")}-" .. id .. "-" .. n .. ".miss.bench"
  return wrk.format("GET", {lua_string(path)}, {{["Host"] = host}})
end
""",
    )


def cycle_script(name: str, paths: list[str]) -> Path:
    """Each request the next path of the list (one story after another)."""
    return _write(
        name,
        f"""
local paths = {lua_list(paths)}
function request()
  n = n + 1
  return wrk.format("GET", {next_of("paths")})
end
""",
    )


def post_script(
    name: str,
    path: str,
    form: dict[str, str],
    *,
    cookie: str,
    text_field: str,
    keys: list[list[str]] | None = None,
) -> Path:
    """A comment POST per request from a different reader (`Bench <name>-…`: the
    harness counts the rows by that prefix), each with its own solved CAPTCHA key
    (`keys`: [hashkey, answer] pairs) when the form has one."""
    captcha = ""
    if keys is not None:
        captcha = f"""
  local key = {next_of("keys")}
  body = body .. "&captcha_0=" .. key[1] .. "&captcha_1=" .. key[2]"""
    return _write(
        name,
        f"""
local keys = {lua_list(keys or [])}
local base = {lua_string(urllib.parse.urlencode(form))}
function request()
  n = n + 1
  local who = "{name}-" .. id .. "-" .. n
  local body = base .. "&name=Bench+" .. who
    .. "&email=reader-" .. who .. "%40example.org"
    .. "&{text_field}=Bench+comment+" .. who .. "+on+the+budget+vote."{captcha}
  return wrk.format("POST", {lua_string(path)}, {{
    ["Content-Type"] = "application/x-www-form-urlencoded",
    ["Cookie"] = {lua_string(cookie)},
  }}, body)
end
""",
    )


UNITS = {"us": 1e-3, "ms": 1.0, "s": 1000.0}


def to_ms(value: str) -> float:
    match = re.match(r"([\d.]+)(us|ms|s)$", value)
    return float(match[1]) * UNITS[match[2]] if match else float("nan")


def run_wrk(
    url: str,
    *,
    duration: float,
    connections: int,
    script: Path | None = None,
    headers: dict[str, str] | None = None,
) -> dict:
    command = ["wrk", f"-t{THREADS}", f"-c{connections}", f"-d{duration:g}s"]
    command += ["--latency", *(["-s", str(script)] if script else [])]
    for name, value in (headers or {}).items():
        command += ["-H", f"{name}: {value}"]
    load = os.getloadavg()[0]
    result = subprocess.run(
        [*command, url], capture_output=True, text=True, timeout=duration + 30
    )
    text = result.stdout + result.stderr
    rps = re.search(r"Requests/sec:\s+([\d.]+)", text)
    p50 = re.search(r"^\s+50%\s+(\S+)", text, re.M)
    p99 = re.search(r"^\s+99%\s+(\S+)", text, re.M)
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    sockets = re.search(r"Socket errors: (.*)", text)
    tally: dict[str, int] = {}
    for key, count in re.findall(r"^tally (\S+) (\d+)$", text, re.M):
        tally[key] = tally.get(key, 0) + int(count)
    return {
        "rps": float(rps[1]) if rps else 0.0,
        "p50_ms": to_ms(p50[1]) if p50 else float("nan"),
        "p99_ms": to_ms(p99[1]) if p99 else float("nan"),
        "non_2xx_3xx": int(bad[1]) if bad else 0,
        "socket_errors": sockets[1].strip() if sockets else "",
        "tally": tally,
        "load_1min": round(load, 2),
        "exit": result.returncode,
    }


def serve_each(base: str, paths: list[str], *, connections: int) -> dict:
    """GET every path once, `connections` at a time over kept-alive connections
    (not a throughput row: Python is the client). Tally, seconds, req/s."""
    where = urllib.parse.urlsplit(base)
    local = threading.local()

    def once(path: str) -> str:
        if getattr(local, "connection", None) is None:
            local.connection = http.client.HTTPConnection(
                where.hostname, where.port, timeout=60
            )
        local.connection.request("GET", path)
        response = local.connection.getresponse()
        response.read()
        return f"{response.status}/{response.getheader('X-Page-Cache', '-')}"

    def get(path: str) -> str:
        try:
            return once(path)
        except (http.client.HTTPException, ConnectionError):
            local.connection = None  # closed by the server: again, on a new one
            return once(path)

    started = time.monotonic()
    with ThreadPoolExecutor(connections) as pool:
        tally = Counter(pool.map(get, paths))
    seconds = time.monotonic() - started
    return {"tally": dict(tally), "seconds": seconds, "rps": len(paths) / seconds}
