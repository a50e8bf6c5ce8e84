"""Product fixtures: photos made in memory with Pillow, and a throwaway MEDIA_ROOT."""

from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image


def jpeg_bytes(
    size: tuple[int, int] = (800, 600),
    color: tuple[int, int, int] = (200, 40, 40),
    *,
    orientation: int | None = None,
    gps: bool = False,
    comment: bytes | None = None,
) -> bytes:
    image = Image.new("RGB", size, color)
    exif = Image.Exif()
    if orientation is not None:
        exif[0x0112] = orientation
    if gps:
        exif[0x010F] = "PhoneMaker"  # camera make
        exif[0x8825] = {1: "N", 2: (12.0, 58.0, 17.0), 3: "E", 4: (77.0, 35.0, 40.0)}
    out = io.BytesIO()
    kwargs: dict = {"quality": 90}
    if len(exif):
        kwargs["exif"] = exif.tobytes()
    if comment:
        kwargs["comment"] = comment
    image.save(out, "JPEG", **kwargs)
    return out.getvalue()


def half_and_half_jpeg(orientation: int) -> bytes:
    """200x100: left half red, right half blue, with an EXIF orientation tag."""
    image = Image.new("RGB", (200, 100), (255, 0, 0))
    image.paste((0, 0, 255), (100, 0, 200, 100))
    exif = Image.Exif()
    exif[0x0112] = orientation
    out = io.BytesIO()
    image.save(out, "JPEG", quality=95, exif=exif.tobytes())
    return out.getvalue()


def png_bytes(size: tuple[int, int] = (300, 300), *, alpha: bool = False) -> bytes:
    if alpha:
        image = Image.new("RGBA", size, (0, 0, 0, 0))  # fully transparent
        image.paste((0, 128, 0, 255), (0, 0, size[0] // 2, size[1]))  # opaque green left half
    else:
        image = Image.new("RGB", size, (0, 128, 0))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def webp_bytes(size: tuple[int, int] = (500, 400)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (30, 60, 200)).save(out, "WEBP", quality=80)
    return out.getvalue()


def gif_bytes() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (50, 50), (1, 2, 3)).save(out, "GIF")
    return out.getvalue()


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return (
        struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    )


def bomb_png(width: int = 30000, height: int = 30000) -> bytes:
    """A few hundred bytes whose header claims width x height pixels (a decompression bomb)."""
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 64)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", idat)
        + _png_chunk(b"IEND", b"")
    )


def upload(data: bytes, name: str = "photo.jpg", content_type: str = "image/jpeg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=content_type)


@pytest.fixture
def media_root(settings, tmp_path) -> Path:
    """A private MEDIA_ROOT for the test; count files in it to prove nothing is half-stored."""
    root = tmp_path / "media"
    root.mkdir()
    settings.MEDIA_ROOT = root
    settings.MEDIA_URL = "/media/"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    }
    return root


def stored_files(root: Path) -> list[str]:
    return sorted(str(path.relative_to(root)) for path in root.rglob("*") if path.is_file())


@pytest.fixture
def other_store(make_store, make_seller):
    return make_store(owner=make_seller(), name="Someone Else's Shop", slug="someone-elses-shop")


@pytest.fixture
def img() -> SimpleNamespace:
    """Image factories for tests (test modules cannot import conftest under importlib mode)."""
    return SimpleNamespace(
        jpeg=jpeg_bytes,
        half_and_half_jpeg=half_and_half_jpeg,
        png=png_bytes,
        webp=webp_bytes,
        gif=gif_bytes,
        bomb_png=bomb_png,
        upload=upload,
        stored_files=stored_files,
    )
