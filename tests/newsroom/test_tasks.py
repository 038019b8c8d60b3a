"""Background tasks on the database backend (newsroom/tasks.py): a real worker runs
them; failures are retried with back-off and end visible; schedules keep one run
waiting; a task whose worker died runs again."""

import smtplib
from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.core import mail
from django.core.management import call_command
from django.tasks import TaskResultStatus
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from comments.models import ModerationWord
from comments.services import submit_comment
from comments.tasks import clean_captcha_keys, notify_moderators, purge_comment_ips
from newsroom import tasks
from tests.factories import make_published_story, make_user

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def database_backend(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    settings.TASK_BACKOFF_SECONDS = 0  # retries are due at once in these tests


def run_worker() -> None:
    call_command("run_worker", "--batch", "--interval", "0", verbosity=0)


def held_comment():
    # Given the permission itself: the groups made by migrations are gone once an
    # earlier test of this kind has emptied the tables.
    moderator = make_user(email="mod@newsroom.example")
    moderator.user_permissions.add(Permission.objects.get(codename="moderate_comment"))
    ModerationWord.objects.create(word="lawsuit")
    return submit_comment(
        make_published_story(),
        name="Ada",
        email="ada@example.org",
        body="A lawsuit is coming.",
        ip_address="198.51.100.4",
    )


def test_the_held_comment_mail_is_sent_by_the_worker_after_commit():
    comment = held_comment()

    queued = DBTaskResult.objects.filter(task_path__endswith="notify_moderators")
    assert [(r.status, r.args_kwargs["args"]) for r in queued] == [
        ("READY", [comment.pk])
    ]
    assert mail.outbox == []

    run_worker()

    assert len(mail.outbox) == 1
    assert queued.get().status == TaskResultStatus.SUCCESSFUL


class RefusingMailServer:
    """An SMTP backend that always fails as a server that is down does."""

    def __init__(self, *args, **kwargs) -> None:
        pass

    def send_messages(self, messages) -> int:
        raise smtplib.SMTPServerDisconnected("the mail server went away")


def test_a_failing_mail_is_retried_then_left_failed_and_logged(
    settings, monkeypatch, caplog
):
    settings.MAILERS = {"default": {"BACKEND": f"{__name__}.RefusingMailServer"}}
    comment = held_comment()

    run_worker()  # every attempt: back-off 0 makes each retry due at once

    attempts = DBTaskResult.objects.filter(task_path__endswith="notify_moderators")
    statuses = sorted(attempts.values_list("status", flat=True))
    assert statuses == ["FAILED"] + ["SUCCESSFUL"] * (tasks.MAX_ATTEMPTS - 1)
    failed = attempts.get(status="FAILED")
    assert failed.exception_class_path == "newsroom.tasks.GiveUp"
    assert failed.args_kwargs["args"] == [comment.pk]
    assert f"failed {tasks.MAX_ATTEMPTS} times, giving up" in caplog.text


def test_retries_wait_longer_each_time(settings):
    settings.TASK_BACKOFF_SECONDS = 60
    before = timezone.now()

    tasks.retry_later(
        notify_moderators, 7, attempt=3, error=OSError("connection refused")
    )

    retry = DBTaskResult.objects.get()
    assert retry.args_kwargs == {"args": [7], "kwargs": {"attempt": 4}}
    assert retry.run_after - before >= timedelta(minutes=4)


def test_each_periodic_task_has_exactly_one_run_waiting():
    run_worker()  # schedules, runs what is due, and each run schedules its next
    tasks.ensure_scheduled()

    waiting = DBTaskResult.objects.filter(status="READY")
    names = sorted(waiting.values_list("task_path", flat=True))
    assert names == sorted(
        task.module_path
        for task in (
            clean_captcha_keys,
            purge_comment_ips,
            tasks.check_lost_tasks,
            tasks.prune_task_results,
        )
    )
    assert all(result.run_after > timezone.now() for result in waiting)


def test_a_task_whose_worker_died_runs_again_and_the_mail_goes_out(settings):
    comment = held_comment()
    lost = DBTaskResult.objects.get(task_path__endswith="notify_moderators")
    lost.claim("a-worker-that-was-killed")
    DBTaskResult.objects.filter(pk=lost.pk).update(
        started_at=timezone.now() - timedelta(seconds=settings.TASK_LOST_AFTER_SECONDS)
    )

    run_worker()

    lost.refresh_from_db()
    assert lost.status == TaskResultStatus.FAILED
    assert "its worker stopped" in lost.traceback
    again = DBTaskResult.objects.filter(
        task_path__endswith="notify_moderators", args_kwargs__args=[comment.pk]
    ).exclude(pk=lost.pk)
    assert again.get().status == TaskResultStatus.SUCCESSFUL
    assert len(mail.outbox) == 1  # at least once: here, exactly once
