"""Responsive sizes of uploaded images, made with Pillow the first time a page asks.

Renditions live next to the uploads under `renditions/`, named after the original
and the width, so a new upload (a new name) never serves a stale rendition. Uploads
are validated by the admin form; this module only resizes what is already stored.
"""

import logging
from dataclasses import dataclass
from io import BytesIO
from pathlib import PurePosixPath

from django.core.files.base import ContentFile
from django.db.models.fields.files import ImageFieldFile
from PIL import Image, ImageOps

logger = logging.getLogger(__name__)

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


def renditions(image: ImageFieldFile, *, width: int | None) -> list[Rendition]:
    """The image at each RENDITION_WIDTH narrower than itself, plus the original.

    Missing renditions are created now. A missing or unreadable original logs a
    warning and yields only the original's URL, so the page still renders.
    """
    if not image:
        return []
    original = Rendition(url=image.url, width=width or 0)
    if not width:
        return [original]
    sizes = []
    for target in RENDITION_WIDTHS:
        if target >= width:
            break
        name = rendition_name(image.name, target)
        try:
            if not image.storage.exists(name):
                _save_resized(image, name, target)
        except (OSError, Image.DecompressionBombError) as error:
            logger.warning("cannot resize %s: %s", image.name, error)
            return [original]
        sizes.append(Rendition(url=image.storage.url(name), width=target))
    return [*sizes, original]


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
    # Two first visitors at once may both get here; the loser's copy is discarded.
    saved = image.storage.save(name, ContentFile(buffer.getvalue()))
    if saved != name:
        image.storage.delete(saved)


def srcset(sizes: list[Rendition]) -> str:
    return ", ".join(f"{size.url} {size.width}w" for size in sizes if size.width)
