"""Real HTTP clients for the fault and cluster suites: one-off GETs, a visitor with
its cookies (signing in, posting the comment form with a solved CAPTCHA), and a
bounded load of readers and commenters whose every answer is recorded."""

import http.client
import itertools
import json
import re
import threading
import time
import urllib.parse
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import Message
from html.parser import HTMLParser
from http.cookies import SimpleCookie

import psycopg

from tests.servers import CLIENT_TIMEOUT


def _request(
    method: str,
    url: str,
    *,
    body: bytes | None = None,
    headers: dict | None = None,
) -> tuple[int, Message, bytes]:
    """Status, headers and body; status 0 when the connection failed."""
    parts = urllib.parse.urlsplit(url)
    connection = http.client.HTTPConnection(parts.netloc, timeout=CLIENT_TIMEOUT)
    try:
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.msg, response.read()
    except OSError:
        return 0, Message(), b""
    finally:
        connection.close()


def get(url: str, headers: dict | None = None) -> tuple[int, dict, bytes]:
    """A GET with no cookies (an anonymous reader); headers as a plain dict."""
    status, message, body = _request("GET", url, headers=headers)
    return status, dict(message.items()), body


def form_field(page: bytes, name: str) -> str:
    match = re.search(rf'name="{name}" value="([^"]*)"'.encode(), page)
    return match[1].decode() if match else ""


def captcha_answer(database_url: str, key: str) -> str:
    """The answer to a CAPTCHA, read from the database as only the site could."""
    with psycopg.connect(database_url, connect_timeout=2) as connection:
        return connection.execute(
            "SELECT response FROM captcha_captchastore WHERE hashkey = %s", (key,)
        ).fetchone()[0]


class _FormParser(HTMLParser):
    """The fields a browser would submit from the form with id `form_id`."""

    def __init__(self, form_id: str) -> None:
        super().__init__(convert_charrefs=True)
        self.form_id, self.inside = form_id, False
        self.fields: list[tuple[str, str]] = []
        self.textarea: str | None = None
        self.select: tuple[str, bool, list[tuple[str, bool]]] | None = None
        self.option: str | None = None

    def handle_starttag(self, tag: str, attributes: list) -> None:
        attrs = {name: value if value is not None else "" for name, value in attributes}
        if tag == "form" and attrs.get("id") == self.form_id:
            self.inside = True
        if not self.inside or "disabled" in attrs:
            return
        name = attrs.get("name", "")
        if tag == "input" and name:
            kind = attrs.get("type", "text").lower()
            if kind in ("checkbox", "radio"):
                if "checked" in attrs:
                    self.fields.append((name, attrs.get("value", "on")))
            elif kind not in ("submit", "button", "image", "reset", "file"):
                self.fields.append((name, attrs.get("value", "")))
        elif tag == "textarea" and name:
            self.textarea = name
            self.fields.append((name, ""))
        elif tag == "select" and name:
            self.select = (name, "multiple" in attrs, [])
        elif tag == "option" and self.select is not None:
            self.option = attrs.get("value")
            self.select[2].append((self.option or "", "selected" in attrs))

    def handle_data(self, data: str) -> None:
        if self.textarea is not None:
            name, text = self.fields.pop()
            self.fields.append((name, text + data))
        elif self.select is not None and self.option is None and self.select[2]:
            # <option> without a value attribute: its text is the value.
            value, selected = self.select[2].pop()
            self.select[2].append((value + data.strip(), selected))

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.inside = False
        elif tag == "textarea" and self.textarea is not None:
            name, text = self.fields.pop()
            # Browsers drop the newline that follows <textarea>.
            self.fields.append((name, text.removeprefix("\n")))
            self.textarea = None
        elif tag == "select" and self.select is not None:
            name, multiple, options = self.select
            chosen = [value for value, selected in options if selected]
            if not chosen and not multiple and options:
                chosen = [options[0][0]]
            self.fields += [(name, value) for value in chosen]
            self.select = None
        elif tag == "option":
            self.option = None


def form_fields(page: bytes, form_id: str) -> list[tuple[str, str]]:
    """What a browser would send from the form `form_id` of `page`, unchanged
    (no file chosen, no submit button pressed)."""
    parser = _FormParser(form_id)
    parser.feed(page.decode())
    return parser.fields


@dataclass
class Response:
    status: int
    headers: Message
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode(errors="replace")

    @property
    def location(self) -> str:
        return self.headers.get("Location", "")


class Browser:
    """One visitor and its cookies, which it sends to whichever server it talks to
    (every app server has the same secret key, so each accepts the others')."""

    def __init__(self) -> None:
        self.cookies: dict[str, str] = {}

    def request(
        self,
        method: str,
        url: str,
        data: dict | list | None = None,
        files: dict[str, tuple[str, str, bytes]] | None = None,
    ) -> Response:
        """`files`: field name -> (file name, content type, content), sent as
        multipart/form-data with `data`, as a browser sends a form with files."""
        headers = {}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if files:
            boundary = uuid.uuid4().hex
            body = _multipart(boundary, data or [], files)
            headers["Content-Type"] = f"multipart/form-data; boundary={boundary}"
        elif data is not None:
            body = urllib.parse.urlencode(data, doseq=True).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        status, message, content = _request(method, url, body=body, headers=headers)
        for header in message.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                if morsel["max-age"] == "0" or not morsel.value:
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value
        return Response(status, message, content)

    def get(self, url: str) -> Response:
        return self.request("GET", url)

    def post(
        self,
        url: str,
        data: dict | list,
        files: dict[str, tuple[str, str, bytes]] | None = None,
    ) -> Response:
        return self.request("POST", url, data, files)

    def sign_in(self, base: str, username: str, password: str) -> Response:
        """The desk's sign-in form (newsroom/signin.py): 302 to /admin/ when it
        worked, 200 with the form and its error otherwise."""
        page = self.get(f"{base}/admin/login/?next=/admin/")
        return self.post(
            f"{base}/admin/login/?next=/admin/",
            {
                "csrfmiddlewaretoken": form_field(page.body, "csrfmiddlewaretoken"),
                "username": username,
                "password": password,
                "otp_token": "",
                "next": "/admin/",
            },
        )

    def comment_form(self, base: str, story_id: int) -> Response:
        return self.get(f"{base}/comments/{story_id}/write/")

    def post_comment(
        self,
        base: str,
        story_id: int,
        form: Response,
        answer: str,
        *,
        body: str,
        email: str = "reader@example.org",
        name: str = "Cluster Reader",
    ) -> Response:
        """Post the comment form `form` (fetched from any server) to `base`."""
        return self.post(
            f"{base}/comments/{story_id}/write/",
            comment_data(form, answer, body, email, name),
        )


def _multipart(
    boundary: str, data: dict | list, files: dict[str, tuple[str, str, bytes]]
) -> bytes:
    pairs = data.items() if isinstance(data, dict) else data
    parts = []
    for name, value in pairs:
        for item in value if isinstance(value, list) else [value]:
            parts.append(
                f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"'
                f"\r\n\r\n{item}\r\n".encode()
            )
    for name, (filename, content_type, content) in files.items():
        head = (
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
            f'filename="{filename}"\r\nContent-Type: {content_type}\r\n\r\n'
        )
        parts.append(head.encode() + content + b"\r\n")
    return b"".join(parts) + f"--{boundary}--\r\n".encode()


def comment_data(
    form: Response, answer: str, body: str, email: str, name: str
) -> dict[str, str]:
    return {
        "csrfmiddlewaretoken": form_field(form.body, "csrfmiddlewaretoken"),
        "started": form_field(form.body, "started"),
        "name": name,
        "email": email,
        "body": body,
        "website": "",
        "captcha_0": form_field(form.body, "captcha_0"),
        "captcha_1": answer,
    }


# --- A bounded load -----------------------------------------------------------------


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
    """Readers and commenters on the site at `base`, one thread each, until stopped.
    A commenter reads each CAPTCHA's answer from `database_url`."""

    base: str
    database_url: str
    story_url: str
    story_id: int
    phase: str = "warm-up"
    outcomes: list[Outcome] = field(default_factory=list)
    acknowledged: list[str] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)
    serial: Iterator[int] = field(default_factory=itertools.count)
    run: str = field(default_factory=lambda: uuid.uuid4().hex[:8])

    def begin(self) -> tuple[str, float]:
        """The phase a request starts in, and when: an outcome belongs to the phase
        its request was sent in, not the one it came back in."""
        return self.phase, time.monotonic()

    def record(
        self, kind: str, begun: tuple[str, float], status: int, headers: dict
    ) -> None:
        phase, started = begun
        cache = headers.get("x-page-cache", headers.get("X-Page-Cache", ""))
        ended = time.monotonic()
        outcome = Outcome(kind, phase, status, ended - started, ended, cache)
        self.outcomes.append(outcome)

    def reader(self, kind: str, path: str, *, vary: bool = False) -> None:
        """GET `path` again and again; with `vary`, each with a new `?r=` parameter
        (a new URL to a proxy's cache, the same page to the site's)."""
        for n in itertools.count():
            if self.stop.is_set():
                return
            url = self.base + path + (f"?r={self.run}-{n}" if vary else "")
            begun = self.begin()
            status, headers, _ = get(url)
            self.record(kind, begun, status, headers)
            time.sleep(0.05)

    def commenter(self) -> None:
        form_path = f"/comments/{self.story_id}/write/"
        while not self.stop.is_set():
            visitor = Browser()
            begun = self.begin()
            form = visitor.get(self.base + form_path)
            self.record("form", begun, form.status, dict(form.headers.items()))
            if form.status != 200:
                time.sleep(0.1)
                continue
            try:
                answer = captcha_answer(
                    self.database_url, form_field(form.body, "captcha_0")
                )
            except (psycopg.Error, TypeError):
                continue  # the harness can't read the answer during an outage
            n = next(self.serial)
            body = f"Comment {n} of load run {self.run}"
            begun = self.begin()
            posted = visitor.post_comment(
                self.base,
                self.story_id,
                form,
                answer,
                body=body,
                # One address per comment: the per-email throttle stays out of it.
                email=f"load-{self.run}-{n}@example.org",
                name="Load Reader",
            )
            self.record("post", begun, posted.status, {})
            if posted.status == 302:
                self.acknowledged.append(body)


def summary(outcomes: list[Outcome]) -> str:
    table: dict[tuple[str, str], dict[int, int]] = {}
    for outcome in outcomes:
        counts = table.setdefault((outcome.phase, outcome.kind), {})
        counts[outcome.status] = counts.get(outcome.status, 0) + 1
    return json.dumps({f"{p} {k}": v for (p, k), v in table.items()}, indent=1)
