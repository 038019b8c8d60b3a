"""The comments app's background work (newsroom/tasks.py explains retries and
schedules): moderators' mail, and the clean-ups that used to need cron lines."""

import smtplib
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage
from django.core.management import call_command
from django.db.models import Q
from django.tasks import task
from django.urls import reverse
from django.utils import timezone
from django.utils.text import Truncator

from comments.models import Comment
from newsroom.tasks import periodic, retry_later, schedule_next


@task
def notify_moderators(comment_id: int, *, why: str = "", attempt: int = 1) -> int:
    """Email moderators about a comment waiting for them (held by a rule, or hidden
    after reports: `why`): no commenter email or IP in it.
    Returns how many addresses it went to. A mail server that is down or refuses
    gets the mail again later (retry_later)."""
    comment = Comment.objects.select_related("story").filter(pk=comment_id).first()
    if comment is None:
        return 0  # deleted since
    recipients = list(
        get_user_model()
        .objects.filter(
            Q(groups__permissions__codename="moderate_comment")
            | Q(user_permissions__codename="moderate_comment"),
            is_active=True,
        )
        .exclude(email="")
        .values_list("email", flat=True)
        .distinct()
    )
    if not recipients:
        return 0
    headline = " ".join(comment.story.headline.split())
    body = "\n".join(
        [
            f"A comment on “{headline}” is waiting for a moderator.",
            "",
            why or f"Held because: {comment.hold_reason}",
            f"Name: {comment.name}",
            "",
            Truncator(comment.body).chars(1000),
            "",
            "Review it on the moderation desk: "
            + settings.SITE_URL
            + reverse("desk:queue")
            + f"?comment={comment.pk}",
        ]
    )
    subject = "Comment hidden" if why else "Comment held"
    message = EmailMessage(f"{subject}: {headline}"[:150], body, to=recipients)
    try:
        message.send()
    except (OSError, smtplib.SMTPException) as error:
        retry_later(
            notify_moderators, comment_id, why=why, attempt=attempt, error=error
        )
        return 0
    return len(recipients)


@periodic(every=timedelta(days=1))
@task
def purge_comment_ips() -> None:
    """Erase raw commenter IPs past NEWSROOM_COMMENTS_IP_RETENTION_DAYS."""
    schedule_next(purge_comment_ips)
    call_command("purge_comment_ips", verbosity=0)


@periodic(every=timedelta(minutes=15))
@task
def clean_captcha_keys() -> int:
    """Delete expired CAPTCHA keys (django-simple-captcha's captcha_clean)."""
    from captcha.models import CaptchaStore

    schedule_next(clean_captcha_keys)
    deleted, _ = CaptchaStore.objects.filter(expiration__lt=timezone.now()).delete()
    return deleted
