"""The key store: django-simple-captcha's CaptchaStore rows, spent atomically.

Keys are written when a form renders and read moments later by the image, audio and
post requests, always on the primary database (router.py).
"""

from captcha.models import CaptchaStore
from django.db import connections
from django.utils import timezone
from django.utils.crypto import constant_time_compare

from newsroom.throttle import keyed_hash


def consume_captcha(key: str, answer: str) -> bool:
    """Spend the key: True only if it existed, had not expired and `answer` matches.

    One DELETE … RETURNING on the primary. Concurrent posts of the same solved key
    queue on the row lock and all but the first delete nothing, so exactly one
    passes; a wrong answer burns the key too (one attempt per key).
    """
    table = CaptchaStore._meta.db_table
    with connections["default"].cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {table} WHERE hashkey = %s RETURNING response, expiration",
            [key],
        )
        row = cursor.fetchone()
    if row is None:
        return False
    response, expiration = row
    return expiration > timezone.now() and constant_time_compare(response, answer)


def receipt(key: str, answer: str) -> str:
    """A keyed hash of a key and the answer given to it, stored with the comment it
    let in: only someone holding both (the reader who posted) can show it again."""
    return keyed_hash("captcha-receipt", f"{key}:{answer.strip().lower()}")


def captcha_store(key: str) -> CaptchaStore | None:
    """The challenge behind `key`, expired or not; None once spent or swept (or if
    we never issued it)."""
    return CaptchaStore.objects.using("default").filter(hashkey=key).first()
