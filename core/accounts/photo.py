"""The profile photo: check an image, choose a square crop, resize it, store JPEG.

The file itself is read by :func:`immo_connect.uploads.read_user_file` (where a session may read).

Pillow (already required by fpdf2) does the work. Files are limited to 10 MB and 40
megapixels (decompression bombs), turned upright from their EXIF orientation, cropped
to a square and stored as a 256×256 JPEG.
"""

from __future__ import annotations

import dataclasses
import io

from PIL import Image, ImageOps, UnidentifiedImageError

from immo_connect.errors import ValidationError
from immo_connect.i18n import _

MAX_FILE_BYTES = 10 * 1024 * 1024
MAX_PIXELS = 40_000_000
OUTPUT_SIZE = 256
ACCEPTED_FORMATS = ("JPEG", "PNG", "GIF", "WEBP", "BMP", "TIFF")


@dataclasses.dataclass(frozen=True)
class CropBox:
    """A square in the upright image, in pixels: left, top and side."""

    left: int
    top: int
    side: int

    @classmethod
    def centred(cls, width: int, height: int, zoom: float = 1.0) -> CropBox:
        side = max(1, int(min(width, height) / max(zoom, 1.0)))
        return cls((width - side) // 2, (height - side) // 2, side)

    def clamped(self, width: int, height: int) -> CropBox:
        side = max(1, min(self.side, width, height))
        left = min(max(0, self.left), width - side)
        top = min(max(0, self.top), height - side)
        return CropBox(left, top, side)

    def moved(self, dx: int, dy: int, width: int, height: int) -> CropBox:
        return CropBox(self.left + dx, self.top + dy, self.side).clamped(width, height)

    def zoomed(self, factor: float, width: int, height: int) -> CropBox:
        """Zoom around the centre (factor > 1 zooms in: a smaller square)."""
        side = max(16, min(int(self.side / factor), width, height))
        centre_x, centre_y = self.left + self.side // 2, self.top + self.side // 2
        return CropBox(centre_x - side // 2, centre_y - side // 2, side).clamped(width, height)


def _invalid(message: str, hint: str, code: str) -> ValidationError:
    return ValidationError(message, hint=hint, code=code, field="photo")


def open_image(data: bytes) -> Image.Image:
    """The upright RGB image in ``data``, or a clear refusal."""
    if not data or len(data) > MAX_FILE_BYTES:
        raise _invalid(_("This file is empty or larger than 10 MB."), _("Choose a smaller photo."), "photo_size")
    try:
        with Image.open(io.BytesIO(data)) as probe:
            if probe.format not in ACCEPTED_FORMATS:
                raise _invalid(
                    _("This image format is not accepted."),
                    _("Use a JPEG, PNG, GIF, WebP, BMP or TIFF file."), "photo_format",
                )
            if probe.width * probe.height > MAX_PIXELS:
                raise _invalid(
                    _("This image has too many pixels."), _("Use an image under 40 megapixels."), "photo_size",
                )
            image = ImageOps.exif_transpose(probe)
            return image.convert("RGB")
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError, ValueError, SyntaxError):
        raise _invalid(
            _("This file is not an image that can be read."),
            _("Choose a photo in JPEG or PNG format."), "photo_unreadable",
        ) from None


def size_of(data: bytes) -> tuple[int, int]:
    image = open_image(data)
    return image.width, image.height


def prepare(data: bytes, crop: CropBox | None = None) -> bytes:
    """Crop (default: the centred square), resize to 256×256 and encode as JPEG."""
    image = open_image(data)
    box = (crop or CropBox.centred(image.width, image.height)).clamped(image.width, image.height)
    square = image.crop((box.left, box.top, box.left + box.side, box.top + box.side))
    square = square.resize((OUTPUT_SIZE, OUTPUT_SIZE), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    square.save(out, format="JPEG", quality=85, optimize=True)
    return out.getvalue()


def ensure_prepared(data: bytes) -> bytes:
    """Photos arriving at the service: kept when already a 256×256 JPEG, else prepared."""
    try:
        with Image.open(io.BytesIO(data)) as probe:
            if probe.format == "JPEG" and probe.size == (OUTPUT_SIZE, OUTPUT_SIZE):
                probe.verify()
                return data
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
        pass
    return prepare(data)


def preview(data: bytes, crop: CropBox | None, columns: int) -> list[list[tuple[int, int, int]]]:
    """Pixels of the crop scaled to ``columns`` × ``columns`` (for a text preview)."""
    image = open_image(data)
    box = (crop or CropBox.centred(image.width, image.height)).clamped(image.width, image.height)
    small = image.crop((box.left, box.top, box.left + box.side, box.top + box.side)).resize(
        (columns, columns), Image.Resampling.BILINEAR
    )
    raw = small.tobytes()
    return [
        [(raw[i], raw[i + 1], raw[i + 2]) for i in range(row * columns * 3, (row + 1) * columns * 3, 3)]
        for row in range(columns)
    ]
