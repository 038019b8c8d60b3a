"""The cluster suite (`make test-cluster`): the site as several machines would run it,
all on this one, every part on a free loopback port and started by the project's own
code: an embedded PostgreSQL primary and a streaming standby of it, a private Redis,
two app servers (granian, as `make run` serves), one task worker, and nginx with
deploy/nginx.conf balancing across both app servers. Started once per run, stopped
and deleted at the end even when a test fails."""

import shutil
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_string
from email.message import EmailMessage
from email.policy import default
from pathlib import Path

import pytest

from tests.clients import (
    Browser,
    Response,
    captcha_answer,
    form_field,
    form_fields,
    get,
)
from tests.conftest import S3_KEYS, Bucket, public_read_policy
from tests.servers import (
    ROOT,
    AppServer,
    Database,
    Nginx,
    Redis,
    Standby,
    Worker,
    manage,
    site_environment,
)

# A task RUNNING longer than this (seconds) lost its worker (newsroom/tasks.py).
TASK_LOST_AFTER = 3
# The comment throttle per email address, and the throttle windows: a year, so a
# window never ends in the middle of a test.
COMMENTS_PER_EMAIL = 3
YEAR_SECONDS = 365 * 24 * 60 * 60
# nginx keeps an anonymous page for the app's s-maxage (its micro-cache), counted in
# whole seconds: up to one more second after it was stored.
MICRO_CACHE_SECONDS = 1


def wait_out_micro_cache(stored_at: float) -> None:
    """Sleep until a page nginx stored at `stored_at` (monotonic) has expired there."""
    time.sleep(max(0.0, stored_at + MICRO_CACHE_SECONDS + 1.05 - time.monotonic()))


@dataclass
class Cluster:
    folder: Path
    primary: Database
    standby: Standby
    redis: Redis
    a: AppServer
    b: AppServer
    worker: Worker
    nginx: Nginx
    mail: Path
    bucket: Bucket
    environment: dict[str, str]
    accounts: dict[str, str] = field(default_factory=dict)
    story_id: int = 0
    story_url: str = ""

    def shell(self, code: str) -> str:
        """Run Python in `manage.py shell` with the site's settings; its output."""
        return manage(self.environment, "shell", "--no-imports", "-c", code)

    def solved_form(self, visitor: Browser, base: str) -> tuple[Response, str]:
        """The comment form of the story from `base`, and its CAPTCHA's answer."""
        form = visitor.comment_form(base, self.story_id)
        assert form.status == 200, form.text
        return form, captcha_answer(
            self.primary.url, form_field(form.body, "captcha_0")
        )

    def post_comment(self, base: str, body: str, **fields: str) -> Response:
        """A new visitor posts a comment through `base` (form fetched there too),
        from an address of its own unless `email` is given."""
        visitor = Browser()
        form, answer = self.solved_form(visitor, base)
        fields.setdefault("email", f"reader-{uuid.uuid4().hex[:12]}@example.org")
        return visitor.post_comment(
            base, self.story_id, form, answer, body=body, **fields
        )

    def comment(self, body: str) -> list[tuple[int, str]]:
        """(id, status) of the comment with this text, from the primary."""
        return self.primary.query(
            "SELECT id, status FROM comments_comment WHERE body = %s", body
        )

    def staff(self, role: str, base: str) -> Browser:
        """The demo account `role` (editor, moderator), signed in through `base`."""
        browser = Browser()
        signed_in = browser.sign_in(base, role, self.accounts[role])
        assert signed_in.status == 302, signed_in.text
        return browser

    def approve(self, moderator: Browser, base: str, comment_id: int) -> Response:
        """The bulk action on the desk's comment list, as a moderator uses it."""
        page = moderator.get(f"{base}/admin/comments/comment/")
        assert page.status == 200, page.status
        return moderator.post(
            f"{base}/admin/comments/comment/",
            {
                "csrfmiddlewaretoken": form_field(page.body, "csrfmiddlewaretoken"),
                "action": "approve_selected",
                "_selected_action": [str(comment_id)],
                "index": "0",
                "select_across": "0",
            },
        )

    def edit_story(
        self,
        editor: Browser,
        base: str,
        files: dict[str, tuple[str, str, bytes]] | None = None,
        **changes: str,
    ) -> Response:
        """Open the story in the desk, change some fields (and choose `files`),
        press Save."""
        url = f"{base}/admin/articles/story/{self.story_id}/change/"
        page = editor.get(url)
        assert page.status == 200, page.status
        fields = [
            (name, changes.get(name, value))
            for name, value in form_fields(page.body, "story_form")
        ]
        return editor.post(url, [*fields, ("_save", "Save")], files)

    def mails(self) -> list[EmailMessage]:
        """Every mail sent so far (the file backend writes one file per batch, each
        message followed by a line of dashes)."""
        found = []
        for path in sorted(self.mail.glob("*.log")):
            for part in path.read_text().split("-" * 79):
                if part.strip():
                    found.append(message_from_string(part.strip(), policy=default))
        return found


def _bucket(endpoint: str) -> Bucket:
    """A new bucket, public for reading as docs/operations.md asks."""
    import boto3

    client = boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id=S3_KEYS["access_key"],
        aws_secret_access_key=S3_KEYS["secret_key"],
    )
    name = f"cluster-{uuid.uuid4().hex[:12]}"
    client.create_bucket(Bucket=name)
    client.put_bucket_policy(Bucket=name, Policy=public_read_policy(name))
    return Bucket(name, client, f"{endpoint}/{name}")


def _say(config: pytest.Config):
    capture = config.pluginmanager.getplugin("capturemanager")

    def say(message: str) -> None:
        with capture.global_and_fixture_disabled():
            print(f"[cluster {time.strftime('%H:%M:%S')}] {message}", flush=True)

    return say


def _tails(cluster: Cluster) -> str:
    logs = [cluster.a.log, cluster.b.log, cluster.worker.log, cluster.nginx.error_log]
    logs += [
        cluster.primary.folder / "server.log",
        cluster.standby.folder / "server.log",
    ]
    return "\n".join(
        f"--- {log} ---\n{log.read_text(errors='replace')[-2000:]}"
        for log in logs
        if log.exists()
    )


@pytest.fixture(scope="session")
def cluster(pytestconfig, request, s3_server) -> Iterator[Cluster]:
    """Everything, started once. The S3-compatible server is the suite's moto server
    (tests/conftest.py `s3_server`), with a public-read bucket of the cluster's."""
    say = _say(pytestconfig)
    started = time.monotonic()
    bucket = _bucket(s3_server)
    say(f"S3-compatible server (moto_server) at {s3_server}, bucket {bucket.name}")
    (ROOT / ".data").mkdir(exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix="cluster-", dir=ROOT / ".data"))
    data, logs = folder / "data", folder / "logs"
    # Streaming replication, and commits flushed before they return, as in
    # production: a WAL position read after a commit then covers it.
    primary = Database(
        "cluster", settings={"wal_level": "replica", "synchronous_commit": "on"}
    )
    standby = Standby("cluster-standby", primary)
    redis = Redis(folder / "redis")
    nginx = Nginx(folder / "nginx", data)
    environment = site_environment(
        data,
        database_url=primary.url,
        redis_url=redis.url,
        DATABASE_REPLICA_URLS=standby.url,
        NEWSROOM_SITE_URL=nginx.base,
        NEWSROOM_MAIL_FILE_PATH=str(folder / "mail"),
        NEWSROOM_TASK_LOST_AFTER=str(TASK_LOST_AFTER),
        NEWSROOM_TRUSTED_PROXY_HOPS="1",
        NEWSROOM_COMMENTS_THROTTLE_PER_EMAIL=str(COMMENTS_PER_EMAIL),
        NEWSROOM_COMMENTS_THROTTLE_WINDOW=str(YEAR_SECONDS),
        NEWSROOM_SIGNIN_COOLOFF_MINUTES=str(YEAR_SECONDS // 60),
        NEWSROOM_SHARED_CACHE_SECONDS=str(MICRO_CACHE_SECONDS),
        NEWSROOM_S3_BUCKET=bucket.name,
        NEWSROOM_S3_ENDPOINT_URL=s3_server,
        NEWSROOM_S3_ACCESS_KEY_ID=S3_KEYS["access_key"],
        NEWSROOM_S3_SECRET_ACCESS_KEY=S3_KEYS["secret_key"],
    )
    a = AppServer("app-a", logs, environment)
    b = AppServer("app-b", logs, environment)
    worker = Worker("worker", logs, environment)
    cluster = Cluster(
        folder,
        primary,
        standby,
        redis,
        a,
        b,
        worker,
        nginx,
        folder / "mail",
        bucket,
        environment,
    )
    try:
        say(f"PostgreSQL primary (embedded, wal_level=replica) on :{primary.port}")
        standby.remove()  # a standby or primary left by an interrupted run
        primary.remove()
        primary.start()
        say(f"redis-server on :{redis.port}")
        redis.start()
        say("migrations, demo content, static files")
        manage(environment, "migrate", "--noinput")
        manage(environment, "load_demo")
        manage(environment, "collectstatic", "--noinput", "--verbosity", "0")
        say(f"streaming standby (pg_basebackup -R -X stream) on :{standby.port}")
        standby.start()
        say(f"app servers A on :{a.port} and B on :{b.port} (granian)")
        a.spawn()
        b.spawn()
        a.wait_ready()
        b.wait_ready()
        say("task worker (manage.py run_worker)")
        worker.start()
        say(f"nginx (deploy/nginx.conf) on :{nginx.port} in front of A and B")
        nginx.start([a.address, b.address])
        for line in (data / "demo-accounts.txt").read_text().splitlines():
            name, password = line.split()
            cluster.accounts[name] = password
        story = cluster.shell(
            "from articles.models import Story; s = Story.objects.get(); "
            "print(s.pk, s.get_absolute_url())"
        )
        cluster.story_id, cluster.story_url = int(story.split()[0]), story.split()[1]
        assert get(nginx.base + cluster.story_url)[0] == 200
        say(f"cluster up in {time.monotonic() - started:.0f} s")
        yield cluster
    finally:
        if request.session.testsfailed:
            say(f"logs of the cluster's servers:\n{_tails(cluster)}")
        say("stopping nginx, the worker, the app servers, Redis and PostgreSQL")
        for part in (nginx, worker, a, b, redis):
            try:
                part.stop()
            except Exception as error:  # stop the others all the same
                say(f"stopping {part}: {error}")
        for database in (standby, primary):
            database.remove()
        bucket.remove()
        shutil.rmtree(folder, ignore_errors=True)
        say(f"cluster stopped and deleted ({time.monotonic() - started:.0f} s in all)")
