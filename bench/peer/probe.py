"""Queries per request of P_peer, as bench/probe.py counts the site's rows.

    DJANGO_SETTINGS_MODULE=bench.peer.settings DATABASE_URL=… \
        python -m bench.peer.probe STORY_ID

Posts two comments (named "Probe reader", which the bench's count of its own posts
leaves out), each with a freshly minted, solved CAPTCHA key, and counts the second:
the first in a process also reads the site and the content type, which stay cached.
"""

import json
import sys

import django

django.setup()

import django_comments  # noqa: E402
from captcha.models import CaptchaStore  # noqa: E402
from django.test import Client  # noqa: E402

from articles.models import Story  # noqa: E402
from bench.counting import count  # noqa: E402


def post_data(story: Story, text: str) -> dict[str, str]:
    key = CaptchaStore.generate_key()
    return django_comments.get_form()(story).initial | {
        "name": "Probe reader",
        "email": "probe@example.org",
        "url": "",
        "honeypot": "",
        "comment": text,
        "captcha_0": key,
        "captcha_1": CaptchaStore.objects.get(hashkey=key).response,
    }


def main() -> None:
    story = Story.objects.get(pk=int(sys.argv[1]))
    client = Client()
    client.post("/comments/post/", data=post_data(story, "A first probe comment."))
    data = post_data(story, "A second probe comment.")
    print(json.dumps({"P_peer": count(client, "post", "/comments/post/", data=data)}))


if __name__ == "__main__":
    main()
