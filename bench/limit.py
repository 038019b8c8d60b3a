"""L, the app-server limit: a bare WSGI app answering every request with the story
page's bytes and the headers of a page-cache hit, both fixed at start-up.

bench/run.py serves it with the main rows' app server (same workers and threads), so
L / A is what the app server alone allows and S_hit / L what Django's request path
and the page cache keep of it. BENCH_PAGE names the page; its headers are beside it
as JSON (BENCH_PAGE + ".headers.json").
"""

import json
import os
from pathlib import Path

PAGE = Path(os.environ["BENCH_PAGE"])
BODY = PAGE.read_bytes()
HEADERS = [
    *(tuple(pair) for pair in json.loads(Path(f"{PAGE}.headers.json").read_text())),
    ("Content-Length", str(len(BODY))),
]


def application(environ: dict, start_response) -> list[bytes]:
    start_response("200 OK", HEADERS)
    return [BODY]
