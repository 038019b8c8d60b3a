import time
import unicodedata
from typing import Any

from django import forms
from django.conf import settings
from django.core import signing

from articles.models import Story
from comments.captcha.field import AtomicCaptchaField
from comments.models import Ban, Comment, Report
from comments.rules import is_blank, strip_invisible
from comments.services import REPLY_REFUSED

TOKEN_SALT = "comments.form"
TOKEN_MAX_AGE_SECONDS = 24 * 60 * 60
MAX_COMBINING_MARKS = 4  # per letter: enough for any language, not for "Zalgo"
EXPIRED = "This form has expired. Your comment is still here: please send it again."
# The largest id PostgreSQL's bigint holds: larger numbers are "no such comment".
MAX_ID = 2**63 - 1
GONE = "That comment no longer exists."
NOTHING_TO_UNDO = "There is nothing to undo."


def replying_to(story: Story, number: Any) -> Comment | None:
    """The comment a reply may answer: shown to readers on `story`, and not itself a
    reply (threads are one level deep). None for anything else, junk included."""
    try:
        number = int(number)
    except (TypeError, ValueError):
        return None
    if not 1 <= number <= MAX_ID:
        return None
    return (
        Comment.objects.public()
        .filter(pk=number, story=story, parent=None)
        .only("pk", "name", "body", "submitted_at", "story_id", "status")
        .first()
    )


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
    # A reply names the comment it answers (the form's ?reply_to=).
    reply_to = forms.IntegerField(
        required=False,
        min_value=1,
        max_value=MAX_ID,
        widget=forms.HiddenInput,
        error_messages={
            "invalid": REPLY_REFUSED,
            "min_value": REPLY_REFUSED,
            "max_value": REPLY_REFUSED,
        },
    )

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

    def clean_reply_to(self) -> Comment | None:
        """The comment replied to: one readers see on this story, not a reply."""
        number = self.cleaned_data["reply_to"]
        if number is None:
            return None
        parent = replying_to(self.story, number)
        if parent is None:
            raise forms.ValidationError(REPLY_REFUSED)
        return parent

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


# --- Reports ------------------------------------------------------------------------


class ReportForm(forms.Form):
    reason = forms.ChoiceField(
        label="What is wrong with this comment?",
        choices=Report.Reason,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose what is wrong with the comment."},
    )
    text = forms.CharField(
        label="Anything to add (optional)",
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Up to 500 characters. Moderators read it; nobody else does.",
    )

    def clean_text(self) -> str:
        text = self.cleaned_data["text"]
        return "" if is_blank(text) else text.strip()


# --- The moderation desk ------------------------------------------------------------


class DeskFilterForm(forms.Form):
    queue = forms.ChoiceField(choices=Comment.Queue, required=False)
    q = forms.CharField(
        label="Search text, name or email", required=False, max_length=200
    )
    story = forms.IntegerField(
        required=False,
        min_value=1,
        max_value=MAX_ID,
        error_messages={"invalid": "Choose a story from the list."},
    )
    comment = forms.IntegerField(required=False, min_value=1, max_value=MAX_ID)


class CardForm(forms.Form):
    """A form posted from a comment's card: which comment, and where to go back."""

    comment = forms.IntegerField(
        min_value=1,
        max_value=MAX_ID,
        error_messages={
            "required": "Say which comment.",
            "invalid": "Say which comment.",
            "min_value": GONE,
            "max_value": GONE,
        },
    )
    next = forms.CharField(required=False, max_length=2000)

    def clean_comment(self) -> Comment:
        comment = (
            Comment.objects.filter(pk=self.cleaned_data["comment"])
            .only("pk", "name", "email", "status")
            .first()
        )
        if comment is None:
            raise forms.ValidationError(GONE)
        return comment


class DecisionForm(CardForm):
    decision = forms.ChoiceField(
        choices=[("approve", "Approve"), ("reject", "Reject"), ("spam", "Spam")],
        error_messages={
            "required": "Choose Approve, Reject or Spam.",
            "invalid_choice": "Choose Approve, Reject or Spam.",
        },
    )
    seen = forms.ChoiceField(
        choices=Comment.Status,
        error_messages={
            "required": "Reload the page and decide again.",
            "invalid_choice": "Reload the page and decide again.",
        },
    )
    reason = forms.CharField(label="Reason (optional)", required=False, max_length=200)
    after = forms.CharField(required=False, max_length=30)  # the card to show next

    def clean_after(self) -> str:
        after = self.cleaned_data["after"]
        return f"card-{after}" if after.isdecimal() else ""


class BanForm(CardForm):
    reason = forms.CharField(
        label="Reason for the ban",
        max_length=200,
        error_messages={"required": "Say why you ban this commenter."},
    )
    ends_on = forms.DateField(
        label="Ban ends on (optional)",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": "Enter the end date as a date, e.g. 2027-03-31."},
        help_text="The commenter may post again from this day. Empty: until lifted.",
    )
    reject_waiting = forms.BooleanField(
        label="Also reject their comments waiting for a decision", required=False
    )


class UndoForm(forms.Form):
    event = forms.IntegerField(
        min_value=1,
        max_value=MAX_ID,
        error_messages={
            "required": NOTHING_TO_UNDO,
            "invalid": NOTHING_TO_UNDO,
            "min_value": NOTHING_TO_UNDO,
            "max_value": NOTHING_TO_UNDO,
        },
    )


class LiftBanForm(forms.Form):
    ban = forms.IntegerField(
        min_value=1,
        max_value=MAX_ID,
        error_messages={
            key: "That ban no longer exists."
            for key in ("required", "invalid", "min_value", "max_value")
        },
    )

    def clean_ban(self) -> Ban:
        found = Ban.objects.filter(pk=self.cleaned_data["ban"]).first()
        if found is None:
            raise forms.ValidationError("That ban no longer exists.")
        return found
