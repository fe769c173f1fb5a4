"""Logo and cover photo of an organisation, prepared with Pillow like a profile photo.

An uploaded image is checked (a real image, not too large), turned upright (EXIF), cut to
the shape it is shown in (square logo, 3:1 cover; centred unless a crop box is given) and
scaled down, then stored re-encoded: nothing of the uploaded file but its pixels is kept.
"""

from __future__ import annotations

import io
from typing import Literal

from immo_connect.errors import ValidationError
from immo_connect.i18n import _

ImageKind = Literal["logo", "cover"]

MAX_BYTES = 8 * 1024 * 1024
MAX_PIXELS = 40_000_000  # refuse decompression bombs before decoding
ACCEPTED_FORMATS = ("JPEG", "PNG", "GIF", "WEBP", "BMP", "TIFF")  # as for the profile photo
_SHAPES: dict[str, tuple[int, int]] = {"logo": (512, 512), "cover": (1500, 500)}
_FORMATS: dict[str, str] = {"logo": "PNG", "cover": "JPEG"}


def read_source(source: bytes) -> bytes:
    """The bytes of an image, refused when too large (files are read by :mod:`immo_connect.uploads`)."""
    if not isinstance(source, bytes):
        raise TypeError("images are given as bytes; read files with immo_connect.uploads.read_user_file")
    if len(source) > MAX_BYTES:
        raise _too_large()
    return source


def _too_large() -> ValidationError:
    return ValidationError(
        _("The image is larger than 8 MB."), hint=_("Choose a smaller image."),
        field="image", code="image_too_large",
    )


def prepare(
    source: bytes,
    kind: ImageKind,
    *,
    crop: tuple[float, float, float, float] | None = None,
) -> bytes:
    """The stored form of an uploaded logo or cover photo.

    ``crop`` is an optional box ``(left, top, right, bottom)`` in fractions of the image
    (0..1), as chosen by the user; it is then cut further to the target shape.
    """
    from PIL import Image, ImageOps, UnidentifiedImageError

    if kind not in _SHAPES:
        raise ValidationError(_("Unknown kind of image."), hint=_("Choose a logo or a cover photo."),
                              field="image", code="choice")
    data = read_source(source)
    try:
        with Image.open(io.BytesIO(data)) as probe:
            if probe.width * probe.height > MAX_PIXELS:
                raise ValidationError(
                    _("The image has too many pixels."), hint=_("Choose an image under 40 megapixels."),
                    field="image", code="image_too_large",
                )
            if probe.format not in ACCEPTED_FORMATS:
                raise UnidentifiedImageError(probe.format)
            probe.verify()
        image: Image.Image = Image.open(io.BytesIO(data))
        image.load()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise ValidationError(
            _("This file is not an image that can be read."),
            hint=_("Choose a PNG or JPEG image."), field="image", code="image_unreadable",
        ) from None
    image = ImageOps.exif_transpose(image)
    if crop is not None:
        left, top, right, bottom = crop
        if not (0 <= left < right <= 1 and 0 <= top < bottom <= 1):
            raise ValidationError(
                _("The crop box lies outside the image."), hint=_("Choose a part of the image."),
                field="image", code="image_crop",
            )
        image = image.crop((round(left * image.width), round(top * image.height),
                            round(right * image.width), round(bottom * image.height)))
    size = _SHAPES[kind]
    image = ImageOps.fit(image, size, method=Image.Resampling.LANCZOS) if min(image.size) > 0 else image
    output = io.BytesIO()
    if _FORMATS[kind] == "PNG":
        image.convert("RGBA").save(output, "PNG", optimize=True)
    else:
        image.convert("RGB").save(output, "JPEG", quality=85, optimize=True)
    return output.getvalue()
