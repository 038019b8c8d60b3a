import time
import unicodedata
from typing import Any

from django import forms
from django.conf import settings
from django.core import signing

from articles.models import Story
from comments.captcha.field import AtomicCaptchaField
from comments.rules import is_blank, strip_invisible

TOKEN_SALT = "comments.form"
TOKEN_MAX_AGE_SECONDS = 24 * 60 * 60
MAX_COMBINING_MARKS = 4  # per letter: enough for any language, not for "Zalgo"
EXPIRED = "This form has expired. Your comment is still here: please send it again."


def form_token(story: Story) -> str:
    """Signed (story, time served): proves the form came from us, for this story,
    and lets us drop posts that come back faster than a person could type."""
    return signing.dumps({"story": story.pk, "at": time.time()}, salt=TOKEN_SALT)


class CommentForm(forms.Form):
    name = forms.CharField(max_length=50, help_text="Shown with your comment.")
    email = forms.EmailField(
        help_text="Never shown to anyone outside the newsroom.",
    )
    body = forms.CharField(
        label="Comment",
        max_length=3000,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text="Plain text, up to 3,000 characters. A moderator reads every "
        "comment before it appears.",
    )
    captcha = AtomicCaptchaField()
    # Bot traps: a field people never see, and the signed time the form was served.
    website = forms.CharField(
        required=False,
        label="Leave this field empty",
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )
    started = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, story: Story, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.story = story
        self.fields["started"].initial = form_token(story)
        self.notices: list[str] = []  # shown like errors, also on an unbound form
        self.captcha_withheld = False

    def withhold_captcha(self) -> None:
        """Render without a CAPTCHA: the widget would mint a code the reader's
        budget no longer allows (comments/throttle.py)."""
        self.fields.pop("captcha", None)
        self.captcha_withheld = True

    def looks_automated(self) -> bool:
        """Honeypot filled, or posted sooner than a person could. The view drops
        these silently, answering exactly as it does to a real comment."""
        if self.data.get("website", ""):
            return True
        token = self._token()
        if token is None:
            return False  # tampered or stale: clean_started says so politely
        return time.time() - token["at"] < settings.COMMENTS_MIN_SECONDS_TO_SUBMIT

    def renew_token(self) -> None:
        """Serve the re-rendered form with a fresh token (the data is otherwise
        shown back as typed)."""
        self.data = self.data.copy()
        self.data["started"] = form_token(self.story)

    def clean_name(self) -> str:
        name = strip_invisible(self.cleaned_data["name"]).strip()
        if not name:
            raise forms.ValidationError("Write the name to show with your comment.")
        if any(unicodedata.category(char) == "Cc" for char in name):
            raise forms.ValidationError("Write your name on one line.")
        return name

    def clean_body(self) -> str:
        body = self.cleaned_data["body"]
        if is_blank(body):
            raise forms.ValidationError("Write your comment.", code="required")
        run = 0
        for char in body:
            run = run + 1 if unicodedata.combining(char) else 0
            if run > MAX_COMBINING_MARKS:
                raise forms.ValidationError("Too many accent marks on one letter.")
        return body

    def clean(self) -> dict[str, Any]:
        if self._token() is None:
            raise forms.ValidationError(EXPIRED, code="expired")
        return self.cleaned_data

    def _token(self) -> dict | None:
        try:
            token = signing.loads(
                self.data.get("started", ""),
                salt=TOKEN_SALT,
                max_age=TOKEN_MAX_AGE_SECONDS,
            )
        except signing.BadSignature:
            return None
        if not isinstance(token, dict) or token.get("story") != self.story.pk:
            return None
        return token
