"""P_peer: a stock Django site that takes comments the way many do, beside ours.

django-contrib-comments' `post_comment` view (security hash, timestamp, honeypot,
duplicate check, INSERT, 302) with django-simple-captcha's stock `CaptchaField` added
to its form: the comment app named by COMMENTS_APP (this package) only swaps the form.
It runs on the bench's own corpus database with its own settings and URLconf
(bench/peer/settings.py, urls.py), served by the same app server as the main rows.
Nothing here is part of the site.
"""


def get_form():
    """COMMENTS_APP hook: the stock comment form with a stock CAPTCHA."""
    from bench.peer.forms import CaptchaCommentForm

    return CaptchaCommentForm
