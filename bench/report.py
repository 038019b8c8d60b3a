"""The bench's outputs: the goals checked, the Markdown table, a small SVG chart.

`goals(report)` turns a finished run (bench/run.py's report dict) into one record per
goal; `markdown(report)` and `svg(report)` draw them. Nothing here measures.
"""

import math
import statistics
from dataclasses import dataclass
from html import escape

ROWS = {
    "A": "nginx: static copy of the rendered story page",
    "L": "bare WSGI app on the main app server: the page's bytes, fixed headers",
    "S_proxy": "story page through deploy/nginx.conf (micro-cache)",
    "S_hit": "story page from the app's page cache",
    "S_304": "story page, conditional GET (If-None-Match)",
    "S_miss": "story page, page-cache miss: stamps, fragments, memos warm",
    "S_cold": "a different story each request, every cache empty",
    "P": "comment POST, solved CAPTCHA (302)",
    "P_peer": "stock peer: django-contrib-comments + CaptchaField (302)",
    "E": "bare comment INSERT view, bench settings only (303)",
    "H": "home page (page cache)",
    "T": "topic page (page cache)",
    "F": "RSS feed (page cache)",
}
QUALIFIERS = {"file": "file cache", "redis": "Redis"}
NOTES = """\
- A: nginx serving the story page as a file (the physical limit). L: a bare WSGI app
  returning the same bytes and headers on the main app server (bench/limit.py).
- S_hit, S_304: `[file]` runs with the local file cache (`make run` without
  REDIS_URL), `[redis]` with REDIS_URL on a private redis-server (no persistence).
- S_miss: the story under a new host name each request (`<n>.miss.bench`). The page
  cache keys a page by scheme, host and path: every request misses its own page
  (and stores it, as in production); stamps, the topics-bar and comment-thread
  fragments, rendered bodies and memos are warm.
- S_cold: a server with its own empty cache folders, each request a story it has
  not served (every published story once over the run's rounds): its page,
  comment thread and body are rendered afresh; the topics bar is shared.
- P: the site's comment POST (CSRF, honeypot and time checks, a solved CAPTCHA
  spent atomically, moderation rules, throttles, audit row). P_peer: the same job
  on a stock Django site (bench/peer/): django-contrib-comments' `post_comment`
  (security hash, timestamp, honeypot, duplicate check) with django-simple-captcha's
  `CaptchaField`, startproject's middleware, same database and app server. Each
  post spends its own solved CAPTCHA key, from a different reader (name, email,
  text); both count only redirects as success, checked against the rows stored.
- E: look the story up, validate a ModelForm, INSERT, 303 (informational).
- Ratios compare runs of the same round; a goal holds if the median of its
  per-round ratios meets the target."""


@dataclass(frozen=True)
class Goal:
    metric: str
    target: float
    higher: bool = True  # met when measured ≥ target (else ≤)
    moonshot: float | None = None
    unit: str = ""


# Ratios of two rows, per round: (numerator, denominator, goal).
RATIO_GOALS = [
    ("S_proxy", "A", Goal("S_proxy / A", 0.9)),
    ("S_hit[file]", "A", Goal("S_hit[file] / A", 0.2, moonshot=0.4)),
    ("S_hit[redis]", "A", Goal("S_hit[redis] / A", 0.2, moonshot=0.4)),
    # S_304 / A ≥ 0.9 × S_hit / A, i.e. S_304 / S_hit ≥ 0.9 in the same round.
    ("S_304[file]", "S_hit[file]", Goal("S_304[file] / S_hit[file]", 0.9)),
    ("S_304[redis]", "S_hit[redis]", Goal("S_304[redis] / S_hit[redis]", 0.9)),
    ("S_miss", "A", Goal("S_miss / A", 0.005)),
    ("S_cold", "A", Goal("S_cold / A", 0.0036)),
    ("P", "P_peer", Goal("P / P_peer", 1.0)),
]
GROWTH = Goal("story page ms, 10× / 1× data (in-process)", 1.2, higher=False)
MEMORY = Goal("largest app worker RSS after every story once", 300, False, unit=" MB")


def median_range(values: list[float]) -> tuple[float, float, float]:
    return statistics.median(values), min(values), max(values)


def ratio(rows: dict, a: str, b: str) -> tuple[float, float, float] | None:
    if a not in rows or b not in rows:
        return None
    per_round = [
        x["rps"] / y["rps"] for x, y in zip(rows[a], rows[b], strict=True) if y["rps"]
    ]
    return median_range(per_round) if per_round else None


def fmt(x: float) -> str:
    if x != x:  # NaN
        return "–"
    if x >= 100:
        return f"{x:,.0f}"
    if x >= 1:
        return f"{x:.2f}"
    return f"{x:.4f}"


def cells(*values) -> str:
    """One Markdown table row."""
    return "| " + " | ".join(str(value) for value in values) + " |"


def spread(measured, form=fmt) -> str:
    """ "median (min..max)" of a (median, min, max) triple."""
    value, low, high = measured
    return f"{form(value)} ({form(low)}..{form(high)})"


def _record(goal: Goal, measured: tuple[float, float, float], note: str = "") -> dict:
    value = measured[0]
    return {
        "metric": goal.metric,
        "target": goal.target,
        "higher": goal.higher,
        "moonshot": goal.moonshot,
        "unit": goal.unit,
        "measured": list(measured),
        "met": value >= goal.target if goal.higher else value <= goal.target,
        "moonshot_met": goal.moonshot is not None and value >= goal.moonshot,
        "note": note,
    }


def goals(report: dict) -> list[dict]:
    out = []
    for a, b, goal in RATIO_GOALS:
        measured = ratio(report["rows"], a, b)
        if measured is not None:
            note = ""
            if b != "A":
                per_a = ratio(report["rows"], a, "A")
                note = f"{a} / A = {fmt(per_a[0])}"
            out.append(_record(goal, measured, note))
    out.append(_record(GROWTH, tuple(report["growth"]["story"]["ratio"])))
    memory = report["memory"]
    workers = memory["workers_mb"]
    out.append(
        _record(
            MEMORY,
            (max(workers), min(workers), max(workers)),
            f"{len(workers)} workers, after {memory['pages']:,} distinct story pages",
        )
    )
    return out


def growth(report: dict) -> dict:
    rounds = report["cost_rounds"]
    small, big = (report["corpus_names"][k] for k in ("small", "big"))
    return {
        page: {
            "1x_ms": statistics.median(r[small]["pages"][page]["ms"] for r in rounds),
            "10x_ms": statistics.median(r[big]["pages"][page]["ms"] for r in rounds),
            "ratio": median_range(
                [
                    r[big]["pages"][page]["ms"] / r[small]["pages"][page]["ms"]
                    for r in rounds
                ]
            ),
        }
        for page in rounds[-1][small]["pages"]
    }


# --- Markdown ------------------------------------------------------------------------


def _what(name: str) -> str:
    base, _, qualifier = name.partition("[")
    qualifier = qualifier.rstrip("]")
    what = ROWS.get(base, "")
    return f"{what}; {QUALIFIERS.get(qualifier, qualifier)}" if qualifier else what


def _queries(report: dict, name: str) -> str:
    base = name.split("[")[0]
    if base == "S_proxy":
        return "0 (1 per s)"
    if base == "S_cold":
        first = report["queries"]["S_first"]["queries"]
        return f"{report['queries']['S_cold']['queries']} ({first} first page)"
    return str(report["queries"].get(base, {}).get("queries", ""))


def _errors(outcomes: list[dict]) -> str:
    errors = sum(o["non_2xx_3xx"] + o.get("unexpected", 0) for o in outcomes)
    sockets = sorted({o["socket_errors"] for o in outcomes if o["socket_errors"]})
    return f"{errors}{' + sockets: ' + '; '.join(sockets) if sockets else ''}"


def _row_lines(report: dict) -> list[str]:
    rows = report["rows"]
    lines = [
        "| row | what | req/s median (min..max) | × A | p50 ms | p99 ms | "
        "queries/req | errors |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for name, outcomes in rows.items():
        rps = median_range([o["rps"] for o in outcomes])
        per_a = ratio(rows, name, "A")
        lines.append(
            cells(
                name,
                _what(name),
                spread(rps),
                fmt(per_a[0]) if per_a else "",
                fmt(statistics.median(o["p50_ms"] for o in outcomes)),
                fmt(statistics.median(o["p99_ms"] for o in outcomes)),
                _queries(report, name),
                _errors(outcomes),
            )
        )
    return lines


def _goal_lines(report: dict) -> list[str]:
    lines = [
        "| # | goal | target | moonshot | measured median (min..max) | met |",
        "|---|---|---:|---:|---:|---|",
    ]
    for number, goal in enumerate(report["goals"], 1):
        unit = goal["unit"]
        moonshot = ""
        if goal["moonshot"] is not None:
            reached = "yes" if goal["moonshot_met"] else "no"
            moonshot = f"≥ {goal['moonshot']}: {reached}"
        note = f"; {goal['note']}" if goal["note"] else ""
        lines.append(
            cells(
                number,
                goal["metric"],
                f"{'≥' if goal['higher'] else '≤'} {goal['target']}{unit}",
                moonshot,
                f"{spread(goal['measured'])}{unit}{note}",
                "yes" if goal["met"] else "NO",
            )
        )
    return lines


def _growth_lines(report: dict) -> list[str]:
    small, big = (report["corpus_names"][k] for k in ("small", "big"))
    small_cost, big_cost = report["cost"][small], report["cost"][big]
    lines = [
        f"Data growth ({small_cost['corpus']['stories']:,} stories / "
        f"{small_cost['corpus']['comments']:,} comments vs "
        f"{big_cost['corpus']['stories']:,} / {big_cost['corpus']['comments']:,}; "
        f"in-process median ms over {len(report['cost_rounds'])} alternating rounds, "
        "caching off; ratio: median (min..max) of the rounds; scans in the 10× "
        "plans):",
        "",
        "| page | 1× ms | 10× ms | 10× / 1× | queries | scans in the plans (10×) |",
        "|---|---:|---:|---:|---:|---|",
    ]
    for page, row in report["growth"].items():
        large = big_cost["pages"][page]
        scans = sorted(
            {node for plan in large["plans"] for node in plan if "Scan" in node}
        )
        lines.append(
            cells(
                page,
                f"{row['1x_ms']:.2f}",
                f"{row['10x_ms']:.2f}",
                spread(row["ratio"], "{:.2f}".format),
                large["queries"],
                "; ".join(scans),
            )
        )
    return lines


def _memory_lines(report: dict) -> list[str]:
    memory = report["memory"]
    lines = [
        f"Memory: the S_cold server then served every published story once "
        f"({memory['pages']:,} distinct pages, {memory['seconds']:.0f} s, "
        f"{memory['rps']:.0f} req/s; answers {memory['tally']}). Worker RSS (MB) "
        "of every app server at the end:",
        "",
        "| server | workers' RSS MB |",
        "|---|---|",
    ]
    for server, workers in memory["servers"].items():
        lines.append(cells(server, ", ".join(f"{mb:.0f}" for mb in workers)))
    return lines


def _post_lines(report: dict) -> list[str]:
    return [
        f"- {row}: {check['redirects']:,} posts answered {check['expect']}, "
        f"{check['stored']:,} comments stored "
        f"({'ok' if check['ok'] else 'MISMATCH'})."
        for row, check in report["posts"].items()
    ]


def markdown(report: dict) -> str:
    rows, settings = report["rows"], report["settings"]
    big = report["corpus"][report["corpus_names"]["big"]]
    loads = [r["load_1min"] for rs in rows.values() for r in rs]
    lines = [
        f"## make bench, {report['date']}",
        "",
        f"Machine: {report['machine']}. Load average (1 min) during the runs: "
        f"{min(loads):.2f}..{max(loads):.2f}.",
        f"Corpus: {big['stories']:,} stories (~1,000 words), {big['authors']} authors, "
        f"{big['topics']} topics, {big['clarifications']:,} clarifications, "
        f"{big['comments']:,} comments, generated in "
        f"{big['seconds']['migrate_and_generate']} s (migrate + COPY).",
        f"wrk -t2 -c{settings['connections']} -d{settings['duration']:g}s, "
        f"{settings['rounds']} interleaved rounds after a warm-up; app server of the "
        f"main rows: {settings['server']}; whole run "
        f"{report['elapsed_seconds'] / 60:.1f} min.",
        "",
        *_row_lines(report),
        "",
        *_goal_lines(report),
        "",
        NOTES,
        *_post_lines(report),
        "",
        *_memory_lines(report),
        "",
        *_growth_lines(report),
    ]
    return "\n".join(lines) + "\n"


# --- SVG -----------------------------------------------------------------------------

WIDTH, LEFT, RIGHT, ROW, TOP = 960, 330, 850, 46, 92
SCALE = (0.1, 10.0)  # measured ÷ target (inverted for "≤" goals), log scale
TICKS = [0.1, 0.2, 0.5, 1, 2, 5, 10]


def _x(score: float) -> float:
    low, high = (math.log10(v) for v in SCALE)
    clamped = min(max(score, SCALE[0]), SCALE[1])
    return LEFT + (math.log10(clamped) - low) / (high - low) * (RIGHT - LEFT)


def _score(goal: dict, value: float) -> float:
    """How far past its target a value is: > 1 met, < 1 missed."""
    if not value:
        return SCALE[0]
    return value / goal["target"] if goal["higher"] else goal["target"] / value


def svg(report: dict) -> str:
    goals_ = report["goals"]
    height = TOP + ROW * len(goals_) + 40
    met = sum(g["met"] for g in goals_)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" '
        f'viewBox="0 0 {WIDTH} {height}" font-family="sans-serif" font-size="12">',
        f'<rect width="{WIDTH}" height="{height}" fill="white"/>',
        f'<text x="16" y="26" font-size="16" font-weight="bold">make bench '
        f"{escape(report['date'])}: {met} of {len(goals_)} goals met</text>",
        '<text x="16" y="46" fill="#444">Each goal\'s measured value divided by '
        "its target (inverted for ≤ goals), log scale: right of the target line is "
        "met. Dot: median of the rounds; bar: min..max.</text>",
    ]
    axis_y = TOP - 14
    for tick in TICKS:
        x = _x(tick)
        parts.append(
            f'<line x1="{x:.1f}" y1="{axis_y}" x2="{x:.1f}" '
            f'y2="{TOP + ROW * len(goals_)}" stroke="#e4e4e4"/>'
            f'<text x="{x:.1f}" y="{axis_y - 6}" text-anchor="middle" '
            f'fill="#666">×{tick:g}</text>'
        )
    target_x = _x(1)
    parts.append(
        f'<line x1="{target_x:.1f}" y1="{axis_y}" x2="{target_x:.1f}" '
        f'y2="{TOP + ROW * len(goals_)}" stroke="#333" stroke-width="2"/>'
        f'<text x="{target_x + 4:.1f}" y="{TOP + ROW * len(goals_) + 16}" '
        'fill="#333">target</text>'
    )
    for index, goal in enumerate(goals_):
        parts.append(_svg_goal(goal, TOP + ROW * index + ROW / 2))
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def _svg_goal(goal: dict, y: float) -> str:
    value, low, high = goal["measured"]
    colour = "#1a7f37" if goal["met"] else "#cf222e"
    sign = "≥" if goal["higher"] else "≤"
    unit = goal["unit"]
    x_low, x_high = sorted((_x(_score(goal, low)), _x(_score(goal, high))))
    parts = [
        f'<text x="16" y="{y - 4:.1f}" font-weight="bold">{escape(goal["metric"])}'
        "</text>",
        f'<text x="16" y="{y + 12:.1f}" fill="#444">{spread(goal["measured"])}'
        f"{unit}, target {sign} {goal['target']}{unit}</text>",
        f'<line x1="{x_low:.1f}" y1="{y:.1f}" x2="{x_high:.1f}" y2="{y:.1f}" '
        f'stroke="{colour}" stroke-width="6" stroke-opacity="0.35"/>',
        f'<circle cx="{_x(_score(goal, value)):.1f}" cy="{y:.1f}" r="6" '
        f'fill="{colour}"/>',
        f'<text x="{RIGHT + 12}" y="{y + 4:.1f}" fill="{colour}" font-weight="bold">'
        f"{'met' if goal['met'] else 'NOT met'}</text>",
    ]
    if goal["moonshot"] is not None:
        x = _x(goal["moonshot"] / goal["target"])
        parts.append(
            f'<line x1="{x:.1f}" y1="{y - 12:.1f}" x2="{x:.1f}" y2="{y + 12:.1f}" '
            'stroke="#8250df" stroke-width="2" stroke-dasharray="3 2"/>'
            f'<text x="{x + 4:.1f}" y="{y - 8:.1f}" fill="#8250df">moonshot '
            f"{goal['moonshot']}</text>"
        )
    return "\n".join(parts)
