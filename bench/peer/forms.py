from captcha.fields import CaptchaField
from django_comments.forms import CommentForm


class CaptchaCommentForm(CommentForm):
    """django-contrib-comments' form plus django-simple-captcha, both unchanged."""

    captcha = CaptchaField()
