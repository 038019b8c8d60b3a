"""Editor forms: image uploads checked with Pillow and stored before the form is
accepted, lead images described, topic names unique whatever their case."""

import logging
import warnings
from collections.abc import Iterable
from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils import timezone
from PIL import Image, UnidentifiedImageError

from articles.models import Author, Clarification, Story, Topic
from articles.services import (
    ClarificationError,
    PublishError,
    check_clarification,
    check_schedule,
)
from newsroom.storage import STORE_ERRORS, describe

log = logging.getLogger(__name__)

ACCEPTED_FORMATS = {"JPEG": "JPEG", "PNG": "PNG", "WEBP": "WebP", "GIF": "GIF"}
ACCEPTED = "a JPEG, PNG, WebP or GIF file"


def validate_image(upload: UploadedFile) -> None:
    """Refuse anything but a sound JPEG/PNG/WebP/GIF within the size limits.

    The pixel count is read from the file header before any decoding, so a
    decompression bomb (a small file that expands to gigabytes) is refused without
    being unpacked. Pillow's own bomb guard is turned into the same clear error.
    """
    name = upload.name or "The file"
    if upload.size > settings.MAX_IMAGE_BYTES:
        raise ValidationError(
            f"“{name}” is {_megabytes(upload.size)}; the limit is "
            f"{_megabytes(settings.MAX_IMAGE_BYTES)}. Save a smaller version "
            "(e.g. 2,000 pixels wide) and upload that.",
            code="file_too_large",
        )
    upload.seek(0)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(upload) as image:
                image_format = image.format
                width, height = image.size
                if width * height > settings.MAX_IMAGE_PIXELS:
                    raise _too_many_pixels(name, f"{width:,} × {height:,} pixels")
                image.verify()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise _too_many_pixels(name, None) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise ValidationError(
            f"“{name}” is not an image we can read (or it is damaged). Upload "
            f"{ACCEPTED}.",
            code="not_an_image",
        ) from None
    finally:
        upload.seek(0)
    if image_format not in ACCEPTED_FORMATS:
        raise ValidationError(
            f"“{name}” is a {image_format} image. Upload {ACCEPTED}.",
            code="unsupported_format",
        )


def _too_many_pixels(name: str, size: str | None) -> ValidationError:
    limit = f"{settings.MAX_IMAGE_PIXELS / 1_000_000:g} megapixels (width × height)"
    problem = (
        f"is {size}"
        if size
        else "has so many pixels that opening it could overload the site"
    )
    return ValidationError(
        f"“{name}” {problem}; the limit is {limit}. Resize it and upload it again.",
        code="too_many_pixels",
    )


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB".replace(".0 MB", " MB")


class ImageUploadField(forms.ImageField):
    """Django's ImageField, with our checks first so editors get our messages."""

    def to_python(self, data: Any) -> Any:
        if isinstance(data, UploadedFile):
            validate_image(data)
        with warnings.catch_warnings():
            # Already checked against our own pixel limit above.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            return super().to_python(data)


def store_uploads(form: forms.ModelForm, names: Iterable[str]) -> None:
    """Store the form's new uploads now, as saving the row would, while the form can
    still say it failed: a media store that is down or misconfigured (or a full
    disk) becomes an error on the field, and no row is ever saved naming a file
    that is not there. A file stored for a form that is then refused (an invalid
    byline) is left unused, never missing."""
    for name in names:
        upload = form.cleaned_data.get(name)
        if not isinstance(upload, UploadedFile):
            continue
        file = getattr(form.instance, name)
        try:
            file.save(upload.name, upload, save=False)
        except STORE_ERRORS as error:
            log.error("upload of %s not stored: %r", upload.name, error)
            bucket = getattr(file.storage, "bucket_name", "")
            form.add_error(
                name,
                f"The image could not be stored: {describe(error, bucket=bucket)}. "
                "Nothing was saved: try again in a few minutes, and tell the "
                "site's administrators if it keeps happening.",
            )


class StoryAdminForm(forms.ModelForm):
    revision_note = forms.CharField(
        label="Note for the history",
        required=False,
        max_length=300,
        help_text="Optional: what you changed and why. Editors see it in the "
        "story's history, next to this version.",
    )
    # What the editor asked for besides saving ("publish", "schedule",
    # "unpublish" or ""): StoryAdmin.get_form sets it from the button pressed.
    publication_request = ""

    class Meta:
        model = Story
        fields = [
            "headline",
            "slug",
            "dek",
            "body",
            "lead_image",
            "lead_image_alt",
            "lead_image_caption",
            "lead_image_credit",
            "published_at",
            "comment_policy",
            "text_changes",
            "comment_moderation",
            "topics",
        ]
        field_classes = {"lead_image": ImageUploadField}

    def clean(self) -> dict[str, Any]:
        cleaned_data = super().clean()
        if (
            cleaned_data.get("lead_image")
            and not cleaned_data.get("lead_image_alt", "").strip()
        ):
            self.add_error(
                "lead_image_alt",
                "Describe the lead image for readers who cannot see it (what it "
                "shows, in a sentence).",
            )
        if (
            self.instance.status == Story.Status.PUBLISHED
            and "published_at" in self.fields
            and not cleaned_data.get("published_at")
        ):
            self.add_error(
                "published_at",
                "A published story needs a publication time. To take it down, "
                "use the “Unpublish” action instead.",
            )
        self._check_publication_time(cleaned_data)
        return cleaned_data

    def _post_clean(self) -> None:
        super()._post_clean()  # builds the instance and checks its constraints
        if not self.errors:
            store_uploads(self, ["lead_image"])

    def _check_publication_time(self, cleaned_data: dict[str, Any]) -> None:
        """Scheduling, or moving a scheduled story's time, needs a time to come
        (the rest of the check runs in the service, after the byline is saved)."""
        story = self.instance
        at = cleaned_data.get("published_at")
        moved = "published_at" in self.changed_data
        rescheduling = moved and (
            story.is_scheduled or (story.is_live and at and at > timezone.now())
        )
        if self.publication_request != "schedule" and not rescheduling:
            return
        if self.publication_request == "publish" or "published_at" in self.errors:
            return
        try:
            check_schedule(story, at=at)
        except PublishError as error:
            field = "published_at" if "published_at" in self.fields else None
            self.add_error(field, ValidationError(str(error)))


class ClarificationAdminForm(forms.ModelForm):
    """A clarification as editors write it, in the story's inline or on its own
    page: never dated before the story went live (the importer clamps such dates;
    here the editor is told)."""

    class Meta:
        model = Clarification
        fields = ["story", "kind", "text", "published_at"]

    def clean(self) -> dict[str, Any]:
        cleaned_data = super().clean()
        # In the story's inline, "story" is the story being saved, with the
        # publication time typed in the same form.
        story = cleaned_data.get("story")
        if story is None or self.errors:
            return cleaned_data
        try:
            check_clarification(
                story,
                text=cleaned_data.get("text", ""),
                kind=cleaned_data.get("kind", ""),
                at=cleaned_data.get("published_at"),
            )
        except ClarificationError as error:
            self.add_error("published_at", ValidationError(str(error)))
        return cleaned_data


class AuthorAdminForm(forms.ModelForm):
    class Meta:
        model = Author
        fields = ["name", "slug", "job_title", "bio", "photo"]
        field_classes = {"photo": ImageUploadField}

    def _post_clean(self) -> None:
        super()._post_clean()
        if not self.errors:
            store_uploads(self, ["photo"])


class TopicAdminForm(forms.ModelForm):
    class Meta:
        model = Topic
        fields = ["name", "slug", "description"]

    def clean_name(self) -> str:
        name = " ".join(self.cleaned_data["name"].split())
        taken = Topic.objects.filter(name__iexact=name).exclude(pk=self.instance.pk)
        if taken.exists():
            raise ValidationError(
                "A topic with this name already exists.", code="duplicate_topic"
            )
        return name
