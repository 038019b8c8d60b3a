"""Responsive sizes of uploaded images, made with Pillow by a background task once the
image is uploaded (articles/tasks.py); pages use the original until they exist, and a
reader's request never writes a file.

Renditions live next to the uploads under `renditions/`, named after the original
and the width, so a new upload (a new name) never serves a stale rendition. Uploads
are validated by the admin form; this module only resizes what is already stored.
"""

from dataclasses import dataclass
from io import BytesIO
from pathlib import PurePosixPath

from django.core.files.base import ContentFile
from django.db.models.fields.files import ImageFieldFile
from PIL import Image, ImageOps

# Phone, tablet, desktop column (42rem) at 1x and 2x; wider originals are not
# upscaled, smaller ones are served as they are.
RENDITION_WIDTHS = (480, 800, 1200)


@dataclass(frozen=True)
class Rendition:
    url: str
    width: int


def rendition_name(name: str, width: int) -> str:
    path = PurePosixPath(name)
    return str(
        PurePosixPath("renditions") / path.parent / f"{path.stem}-{width}w{path.suffix}"
    )


def widths_to_make(width: int | None) -> list[int]:
    """The rendition widths an image `width` pixels wide gets (never upscaled)."""
    return [target for target in RENDITION_WIDTHS if width and target < width]


def renditions(
    image: ImageFieldFile, *, width: int | None, made: list[int]
) -> list[Rendition]:
    """The renditions already made (`made` widths), narrowest first, then the
    original. No storage is touched: the widths come from the story's row."""
    if not image:
        return []
    original = Rendition(url=image.url, width=width or 0)
    if not width:
        return [original]
    sizes = [
        Rendition(
            url=image.storage.url(rendition_name(image.name, target)), width=target
        )
        for target in sorted(made)
        if width and target < width
    ]
    return [*sizes, original]


def make_renditions(image: ImageFieldFile, *, width: int | None) -> list[int]:
    """Write the renditions `image` lacks; return every width it now has, through
    the storage API only (a folder or a bucket). A missing or unreadable original,
    or a store that fails, raises one of newsroom.storage.STORE_ERRORS (the task
    tries again later)."""
    made = []
    for target in widths_to_make(width):
        name = rendition_name(image.name, target)
        if not image.storage.exists(name):
            try:
                _save_resized(image, name, target)
            except Image.DecompressionBombError as error:
                raise OSError(f"cannot resize {image.name}: {error}") from error
        made.append(target)
    return made


def _save_resized(image: ImageFieldFile, name: str, width: int) -> None:
    with image.storage.open(image.name, "rb") as source, Image.open(source) as picture:
        image_format = picture.format or "JPEG"
        resized = ImageOps.exif_transpose(picture)
        height = round(resized.height * width / resized.width)
        resized = resized.resize((width, height), Image.Resampling.LANCZOS)
        if image_format == "JPEG" and resized.mode not in {"RGB", "L"}:
            resized = resized.convert("RGB")
        buffer = BytesIO()
        resized.save(buffer, format=image_format)
    # Two workers at once may both get here; the loser's copy is discarded.
    saved = image.storage.save(name, ContentFile(buffer.getvalue()))
    if saved != name:
        image.storage.delete(saved)


def srcset(sizes: list[Rendition]) -> str:
    return ", ".join(f"{size.url} {size.width}w" for size in sizes if size.width)
