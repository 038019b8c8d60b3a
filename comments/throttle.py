"""Who is posting (client IP behind trusted proxies) and how often (shared cache).

Counters live in Django's cache (Redis in production), so every worker sees the
same count; cache.incr is atomic there. When the cache is unavailable the counters
fail open: posts go through, still behind the CAPTCHA and pre-moderation, because
turning every reader away while Redis is down hurts more than a burst of comments
that a moderator reads before anyone sees them (docs/operations.md).
"""

import ipaddress
import time

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from django.utils.crypto import salted_hmac

from newsroom.cache import CacheUnavailable


def client_ip(request: HttpRequest) -> str:
    """The reader's address: the TCP peer, or with N trusted proxy hops the Nth
    address from the right of X-Forwarded-For (what the outermost trusted proxy
    saw). Addresses a client wrote further left are ignored."""
    peer = request.META.get("REMOTE_ADDR", "")
    hops = settings.COMMENTS_TRUSTED_PROXY_HOPS
    if hops > 0:
        forwarded = [
            part.strip()
            for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
            if part.strip()
        ]
        if len(forwarded) >= hops:
            peer = forwarded[-hops]
    try:
        return str(ipaddress.ip_address(peer))
    except ValueError:
        return "0.0.0.0"


def keyed_hash(kind: str, value: str) -> str:
    """HMAC-SHA256 under SECRET_KEY: stable for throttles and bans, useless to
    anyone who reads the database without the key."""
    digest = salted_hmac(f"comments.{kind}", value.strip().lower(), algorithm="sha256")
    return digest.hexdigest()


def _counter_key(kind: str, value: str) -> str:
    slot = int(time.time()) // settings.COMMENTS_THROTTLE_WINDOW_SECONDS
    return f"comments:throttle:{kind}:{keyed_hash(kind, value)}:{slot}"


def over_limit(kind: str, value: str, *, limit: int) -> bool:
    """Count one more event for (kind, value) in the current window; True once
    there have been more than `limit` in it."""
    window = settings.COMMENTS_THROTTLE_WINDOW_SECONDS
    key = _counter_key(kind, value)
    # incr first: one cache operation once the window has a count (the case under
    # load). Without a counter, add starts one; if another worker started it in
    # between, incr again.
    count = 1  # if it is evicted twice in a row, this event counts alone
    try:
        for _ in range(2):
            try:
                count = cache.incr(key)
                break
            except ValueError:
                if cache.add(key, 1, timeout=window * 2):
                    break
    except CacheUnavailable:
        return False  # fail open (see the module's docstring)
    return count > limit


def is_over_limit(kind: str, value: str, *, limit: int) -> bool:
    """True if (kind, value) already went past `limit` in this window; counts
    nothing (a look before doing the work the counter guards)."""
    try:
        return (cache.get(_counter_key(kind, value)) or 0) > limit
    except CacheUnavailable:
        return False  # fail open (see the module's docstring)


def new_code_over_limit(request: HttpRequest) -> bool:
    """Count one CAPTCHA code minted for this client: form page, fragment,
    refresh, "Change the CAPTCHA code", re-rendered form. Every one writes a row,
    so all share one budget; unknown image/audio keys spend it too."""
    return over_limit(
        "captcha", client_ip(request), limit=settings.COMMENTS_THROTTLE_REFRESH_PER_IP
    )


def count_wrong_answer(request: HttpRequest) -> bool:
    """Count one wrong CAPTCHA answer from this client; True once past the limit."""
    return over_limit(
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
    )
