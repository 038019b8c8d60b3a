"""Post comments the way a reader does: open the form, read the challenge, answer
it honestly from the CAPTCHA table (never CAPTCHA_TEST_MODE)."""

import re

from captcha.models import CaptchaStore
from django.urls import reverse

KEY_RE = re.compile(r'name="captcha_0" value="([0-9a-f]{40})"')
TOKEN_RE = re.compile(r'name="started" value="([^"]+)"')


def form_url(story) -> str:
    return reverse("comments:comment-form", args=[story.pk])


def captcha_key(html: str) -> str:
    match = KEY_RE.search(html)
    assert match, "no CAPTCHA key in the form"
    return match.group(1)


def solution(key: str) -> str:
    return CaptchaStore.objects.get(hashkey=key).response


def filled_form(client, story, **fields) -> dict:
    """The form's data as a reader would send it, with the CAPTCHA solved."""
    html = client.get(form_url(story)).content.decode()
    key = captcha_key(html)
    data = {
        "name": "Ada Reader",
        "email": "ada@example.org",
        "body": "A thoughtful comment.",
        "captcha_0": key,
        "captcha_1": solution(key),
        "started": TOKEN_RE.search(html).group(1),
        "website": "",
    }
    return data | fields
