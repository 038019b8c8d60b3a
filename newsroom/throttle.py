"""Who is asking (client IP behind trusted proxies) and how often (shared cache).

Counters live in Django's cache (Redis in production), so every worker and every
app server sees the same count; cache.incr is atomic there. The comment form
(comments/throttle.py) and the admin sign-in (newsroom/signin.py) count with them.
When the cache is unavailable a counter fails open: it counts nothing and lets the
request through (each user says why that is the right choice for it).
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
    hops = settings.TRUSTED_PROXY_HOPS
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


def _counter_key(kind: str, value: str, window: int) -> str:
    slot = int(time.time()) // window
    return f"throttle:{kind}:{keyed_hash(kind, value)}:{slot}"


def over_limit(kind: str, value: str, *, limit: int, window: int) -> bool:
    """Count one more event for (kind, value) in the current window of `window`
    seconds; True once there have been more than `limit` in it."""
    key = _counter_key(kind, value, window)
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


def is_over_limit(kind: str, value: str, *, limit: int, window: int) -> bool:
    """True if (kind, value) already went past `limit` in this window; counts
    nothing (a look before doing the work the counter guards)."""
    try:
        return (cache.get(_counter_key(kind, value, window)) or 0) > limit
    except CacheUnavailable:
        return False  # fail open (see the module's docstring)
