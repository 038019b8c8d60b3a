"""Who is posting (client IP behind trusted proxies) and how often (shared cache).

Counters live in Django's cache (Redis in production), so every worker sees the
same count; cache.incr is atomic there.
"""

import ipaddress
import time

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from django.utils.crypto import salted_hmac


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


def over_limit(kind: str, value: str, *, limit: int) -> bool:
    """Count one more event for (kind, value) in the current window; True once
    there have been more than `limit` in it."""
    window = settings.COMMENTS_THROTTLE_WINDOW_SECONDS
    slot = int(time.time()) // window
    key = f"comments:throttle:{kind}:{keyed_hash(kind, value)}:{slot}"
    # One cache operation for the first event of a window, two after it.
    if cache.add(key, 1, timeout=window * 2):
        count = 1
    else:
        try:
            count = cache.incr(key)
        except ValueError:  # evicted between add and incr
            cache.add(key, 1, timeout=window * 2)
            count = 1
    return count > limit
