"""The comment form's budgets, counted per client and per email in the shared cache
(newsroom/throttle.py). When the cache is unavailable they fail open: posts go
through, still behind the CAPTCHA and pre-moderation, because turning every reader
away while Redis is down hurts more than a burst of comments that a moderator reads
before anyone sees them (docs/operations.md)."""

from django.conf import settings
from django.http import HttpRequest

from newsroom.throttle import client_ip, is_over_limit, over_limit


def over_budget(kind: str, value: str, *, limit: int) -> bool:
    """Count one more event for (kind, value) in the comments' throttle window
    (NEWSROOM_COMMENTS_THROTTLE_WINDOW); True once past `limit`."""
    window = settings.COMMENTS_THROTTLE_WINDOW_SECONDS
    return over_limit(kind, value, limit=limit, window=window)


def new_code_over_limit(request: HttpRequest) -> bool:
    """Count one CAPTCHA code minted for this client: form page, fragment,
    refresh, "Change the CAPTCHA code", re-rendered form. Every one writes a row,
    so all share one budget; unknown image/audio keys spend it too."""
    return over_budget(
        "captcha", client_ip(request), limit=settings.COMMENTS_THROTTLE_REFRESH_PER_IP
    )


def count_wrong_answer(request: HttpRequest) -> bool:
    """Count one wrong CAPTCHA answer from this client; True once past the limit."""
    return over_budget(
        "captcha-wrong",
        client_ip(request),
        limit=settings.COMMENTS_THROTTLE_WRONG_PER_IP,
    )


def too_many_wrong_answers(request: HttpRequest) -> bool:
    """This client already gave more wrong answers than allowed in this window:
    further answers are not even checked, so guessing stops here."""
    return is_over_limit(
        "captcha-wrong",
        client_ip(request),
        limit=settings.COMMENTS_THROTTLE_WRONG_PER_IP,
        window=settings.COMMENTS_THROTTLE_WINDOW_SECONDS,
    )
