"""The CAPTCHA's own URLs: image, spoken version, refresh. django-simple-captcha's
views, with expiry, unknown keys and the per-client code budget enforced."""

import contextlib
import io
import logging

from captcha import views as captcha_views
from captcha.models import CaptchaStore
from django.conf import settings
from django.core.cache import cache
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from ranged_response import RangedFileResponse

from comments.captcha.audio import AudioUnavailable, speak
from comments.captcha.store import captcha_store
from comments.throttle import new_code_over_limit
from newsroom.cache import CacheUnavailable

log = logging.getLogger(__name__)

TOO_MANY_CODES = (
    "You have asked for many new CAPTCHA codes in a short time. Please wait a few "
    "minutes, then try again."
)


def _not_live(request: HttpRequest, store: CaptchaStore | None) -> HttpResponse | None:
    """410 for an expired key; 404 for an unknown one (spent, swept or made up),
    counted against the client's "new code" budget (429 past it), so probing for
    keys costs as much as asking for codes."""
    if store is None:
        if new_code_over_limit(request):
            return HttpResponse(
                TOO_MANY_CODES,
                status=429,
                content_type="text/plain; charset=utf-8",
                headers={"Retry-After": str(settings.COMMENTS_THROTTLE_WINDOW_SECONDS)},
            )
        return HttpResponse(status=404)
    if store.expiration <= timezone.now():
        return HttpResponse(status=410)
    return None


@never_cache
def captcha_image(request: HttpRequest, key: str, scale: int = 1) -> HttpResponse:
    """The library's image, but 410 once the key has expired, not only once swept,
    and 404 (rate-limited) for a key we never issued or already spent."""
    if refusal := _not_live(request, captcha_store(key)):
        return refusal
    return captcha_views.captcha_image(request, key, scale=scale)


@never_cache
def captcha_audio(request: HttpRequest, key: str) -> HttpResponse:
    """The spoken challenge: made once per key and cached for the key's life.

    Never a 500: a missing or failing synthesiser answers 503 and logs why.
    """
    flite = settings.CAPTCHA_FLITE_PATH
    if not flite:
        raise Http404("No spoken CAPTCHA on this site.")
    store = captcha_store(key)
    if refusal := _not_live(request, store):
        return refusal
    cache_key = f"comments:captcha-audio:{key}"
    audio = None
    with contextlib.suppress(CacheUnavailable):
        audio = cache.get(cache_key)
    if audio is None:
        try:
            audio = speak(store.challenge, flite=flite)
        except AudioUnavailable as error:
            log.error("Spoken CAPTCHA unavailable: %s", error)
            return HttpResponse(
                "The spoken CAPTCHA is unavailable right now. Please use the image, "
                "or try again in a few minutes.",
                status=503,
                content_type="text/plain; charset=utf-8",
            )
        seconds_left = (store.expiration - timezone.now()).total_seconds()
        # Without the cache, each fetch makes a new clip (new noise): slower, and
        # averaging clips is still bounded by the key's one answer.
        with contextlib.suppress(CacheUnavailable):
            cache.set(cache_key, audio, timeout=max(1, int(seconds_left)))
    response = RangedFileResponse(request, io.BytesIO(audio), content_type="audio/wav")
    response["Content-Disposition"] = 'inline; filename="captcha.wav"'
    return response


@never_cache
def captcha_refresh(request: HttpRequest) -> HttpResponse:
    """The library's JSON refresh (404 without X-Requested-With: XMLHttpRequest),
    counted against the client's "new code" budget because every call writes a
    row."""
    xhr = request.headers.get("x-requested-with") == "XMLHttpRequest"
    if xhr and new_code_over_limit(request):
        return HttpResponse(
            TOO_MANY_CODES,
            status=429,
            content_type="text/plain; charset=utf-8",
            headers={"Retry-After": str(settings.COMMENTS_THROTTLE_WINDOW_SECONDS)},
        )
    return captcha_views.captcha_refresh(request)
