"""A task worker killed in the middle of a task: another worker runs it again."""

import socket
import threading
import time
import uuid

import pytest

from tests.cluster.conftest import TASK_LOST_AFTER
from tests.servers import Worker, free_port, wait_until

pytestmark = pytest.mark.cluster


class SilentMailServer:
    """A TCP port that accepts connections and never says a word: an SMTP client
    waits there for the server's greeting (up to the site's 10 s mail timeout)."""

    def __init__(self) -> None:
        self.port = free_port()
        self.listener = socket.create_server(("127.0.0.1", self.port))
        self.accepted: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                connection, _ = self.listener.accept()
            except OSError:
                return  # closed
            self.accepted.append(connection)

    def close(self) -> None:
        self.listener.close()
        for connection in self.accepted:
            connection.close()


def test_a_worker_killed_mid_task_leaves_the_task_to_be_run_again_and_the_mail_goes_out(
    cluster,
):
    """Delivery of a task is **at-least-once** (newsroom/tasks.py): a task whose
    worker dies is run again once it has been RUNNING for NEWSROOM_TASK_LOST_AFTER
    seconds, so its mail goes out at least once, and twice if the worker died after
    sending it. The worker here dies while it waits for the mail server's greeting,
    so the mail must arrive at least once; exactly once is not promised."""
    silent = SilentMailServer()
    cluster.worker.stop()  # the cluster's own worker: only the doomed one runs tasks
    doomed = Worker(
        "worker-doomed",
        cluster.a.log.parent,
        cluster.environment
        | {
            "NEWSROOM_SMTP_HOST": "127.0.0.1",
            "NEWSROOM_SMTP_PORT": str(silent.port),
            "NEWSROOM_SMTP_TLS": "false",
        },
    )
    try:
        doomed.start()
        # Three links hold a comment for a moderator, who is mailed about it.
        body = (
            f"Held for its links {uuid.uuid4().hex}: https://one.example "
            "https://two.example https://three.example"
        )
        posted = cluster.post_comment(cluster.nginx.base, body)
        assert posted.status == 302, posted.text
        [(comment_id, rule)] = cluster.primary.query(
            "SELECT id, rule FROM comments_comment WHERE body = %s", body
        )
        assert rule == "links"

        # The doomed worker is sending the mail: connected, waiting for a greeting.
        wait_until(lambda: silent.accepted, 30, "the worker never reached SMTP")
        assert task_statuses(cluster, comment_id) == ["RUNNING"]
        doomed.kill()
        time.sleep(TASK_LOST_AFTER + 0.5)  # RUNNING that long: its worker is lost
    finally:
        doomed.stop()
        silent.close()
        if cluster.worker.process.poll() is not None:
            cluster.worker.start()  # with the file mail backend: mail goes out

    def about_the_comment() -> list:
        return [m for m in cluster.mails() if body in m.get_body().get_content()]

    wait_until(about_the_comment, 30, "no mail about the held comment")
    mails = about_the_comment()
    assert len(mails) >= 1  # at least once
    assert mails[0]["To"] == "moderator@newsroom.invalid"
    assert mails[0]["Subject"].startswith("Comment held")
    wait_until(
        lambda: task_statuses(cluster, comment_id) == ["FAILED", "SUCCESSFUL"],
        10,
        "the task was not recorded as failed, then run again",
    )


def task_statuses(cluster, comment_id: int) -> list[str]:
    """Each run of notify_moderators for the comment, oldest first."""
    return [
        status
        for (status,) in cluster.primary.query(
            "SELECT status FROM django_tasks_database_dbtaskresult "
            "WHERE task_path LIKE %s AND args_kwargs -> 'args' ->> 0 = %s "
            "ORDER BY enqueued_at",
            "%notify_moderators",
            str(comment_id),
        )
    ]
