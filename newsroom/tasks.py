"""Background work: Django's Tasks framework (`django.tasks`) on django-tasks-db, the
database backend (the PostgreSQL we already run; no new service to operate).

- `make run` starts one worker beside the web server (`manage.py run_worker`); in
  production run one or more on any machine (deploy/newsroom-worker.service).
- **Retries.** A task that fails for a passing reason calls `retry_later`: it is
  enqueued again after 1, 2, 4, 8… minutes, up to MAX_ATTEMPTS times; the last
  failure is logged as an error and stays FAILED in the admin (Background tasks),
  so a mail is never lost silently.
- **Schedules.** A `periodic` task enqueues its next run when it runs; the worker
  makes sure each has one waiting when it starts (no cron line).
- **A worker that dies mid-task** (killed, machine lost) leaves its task RUNNING:
  after NEWSROOM_TASK_LOST_AFTER seconds a periodic check marks it failed and runs
  it again. Delivery is therefore at-least-once: a mail whose worker died after
  sending it and before recording it is sent twice, never zero times.

Switching to a Redis-backed backend (django-tasks-rq) is a settings change
(TASKS), plus its own worker command and scheduler.
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import connections, transaction
from django.tasks import Task, TaskResultStatus, task
from django.utils import timezone

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 6  # 1 + 2 + 4 + 8 + 16 minutes of back-off: half an hour in all
BACKOFF_SECONDS = 60


class GiveUp(Exception):
    """A task failed MAX_ATTEMPTS times; the message says what and why."""


def retry_later(
    task: Task, *args: Any, attempt: int, error: Exception, **kwargs: Any
) -> None:
    """Run `task(*args, **kwargs)` again after a back-off, counting attempts; after
    the last one, raise GiveUp so the task ends FAILED (logged, shown in the
    admin)."""
    if attempt >= MAX_ATTEMPTS:
        log.error("%s failed %d times, giving up: %s", task.name, attempt, error)
        raise GiveUp(f"{task.name} failed {attempt} times: {error}") from error
    delay = timedelta(seconds=settings.TASK_BACKOFF_SECONDS * 2 ** (attempt - 1))
    log.warning(
        "%s failed (attempt %d of %d), again in %s: %s",
        task.name,
        attempt,
        MAX_ATTEMPTS,
        delay,
        error,
    )
    task.using(run_after=timezone.now() + delay).enqueue(
        *args, attempt=attempt + 1, **kwargs
    )


def enqueue_on_commit(task: Task, *args: Any, **kwargs: Any) -> None:
    """Enqueue once the current transaction commits: a task must never run before
    the rows it reads exist, nor for a write that was rolled back."""
    transaction.on_commit(lambda: task.enqueue(*args, **kwargs), robust=True)


# --- Schedules ----------------------------------------------------------------------


@dataclass(frozen=True)
class Schedule:
    task: Task
    every: timedelta


_schedules: list[Schedule] = []


def periodic(every: timedelta) -> Callable[[Task], Task]:
    """Run this (argument-free) task every `every`: registered here, enqueued by
    `ensure_scheduled`, and each run enqueues the next."""

    def register(task: Task) -> Task:
        _schedules.append(Schedule(task, every))
        return task

    return register


def schedule_next(task: Task) -> None:
    """Called by a periodic task when it runs: its next run, `every` from now."""
    schedule = next(s for s in _schedules if s.task.name == task.name)
    task.using(run_after=timezone.now() + schedule.every).enqueue()


def ensure_scheduled() -> list[str]:
    """Each periodic task has a run waiting (or running); enqueue the missing ones.
    Several workers starting at once agree through an advisory lock. Returns the
    names enqueued."""
    from django_tasks_db.models import DBTaskResult

    enqueued = []
    with transaction.atomic():
        with connections["default"].cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext('newsroom-tasks'))")
        waiting = set(
            DBTaskResult.objects.filter(
                status__in=[TaskResultStatus.READY, TaskResultStatus.RUNNING]
            ).values_list("task_path", flat=True)
        )
        for schedule in _schedules:
            if schedule.task.module_path not in waiting:
                schedule.task.enqueue()
                enqueued.append(schedule.task.name)
    return enqueued


def requeue_lost() -> int:
    """Tasks RUNNING for longer than NEWSROOM_TASK_LOST_AFTER lost their worker:
    mark them failed and run them again. Returns how many."""
    from django_tasks_db.models import DBTaskResult

    cutoff = timezone.now() - timedelta(seconds=settings.TASK_LOST_AFTER_SECONDS)
    requeued = 0
    with transaction.atomic():
        lost = list(
            DBTaskResult.objects.running()
            .filter(started_at__lt=cutoff)
            .select_for_update(skip_locked=True)
        )
        for result in lost:
            result.set_failed(RuntimeError("its worker stopped before it finished"))
            arguments = result.args_kwargs
            result.task.enqueue(*arguments["args"], **arguments["kwargs"])
            log.error("Task %s lost its worker; running it again", result.task_name)
            requeued += 1
    return requeued


# --- The site's own housekeeping ----------------------------------------------------


@periodic(every=timedelta(minutes=1))
@task
def check_lost_tasks() -> int:
    """Run again the tasks whose worker stopped mid-way (see `requeue_lost`)."""
    schedule_next(check_lost_tasks)
    return requeue_lost()


@periodic(every=timedelta(days=1))
@task
def prune_task_results() -> None:
    """Forget finished tasks after NEWSROOM_TASK_RESULT_DAYS (failed ones too: they
    were logged when they failed)."""
    from django_tasks_db.models import DBTaskResult

    schedule_next(prune_task_results)
    cutoff = timezone.now() - timedelta(days=settings.TASK_RESULT_DAYS)
    DBTaskResult.objects.finished().filter(finished_at__lt=cutoff).delete()
