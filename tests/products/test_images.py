"""The photo pipeline: what is accepted, what is refused, and what is stored."""

from __future__ import annotations

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from PIL import Image

from products.images import process_product_image


def open_stored(name: str) -> Image.Image:
    with default_storage.open(name) as handle:
        image = Image.open(io.BytesIO(handle.read()))
        image.load()
        return image


def test_jpeg_is_stored_as_thumbnail_and_large_variants_with_content_addressed_names(media_root, img):
    processed = process_product_image(img.upload(img.jpeg((3000, 2000))), store_id=7)

    assert processed.thumb_name.startswith("products/7/") and processed.thumb_name.endswith("-thumb.jpg")
    assert processed.large_name.startswith("products/7/") and processed.large_name.endswith("-large.jpg")
    assert processed.small_name.startswith("products/7/") and processed.small_name.endswith("-small.jpg")
    assert img.stored_files(media_root) == sorted(
        [processed.thumb_name, processed.large_name, processed.small_name]
    )
    thumb, large = open_stored(processed.thumb_name), open_stored(processed.large_name)
    small = open_stored(processed.small_name)
    assert thumb.format == large.format == small.format == "JPEG"
    assert thumb.size == (400, 267)
    assert large.size == (1200, 800)
    assert small.size == (128, 85)  # the seller's list shows it at 64 px on a 2x screen
    assert len(processed.sha256) == 64


def test_the_stored_name_is_the_sha256_of_the_stored_bytes(media_root, img):
    import hashlib

    processed = process_product_image(img.upload(img.jpeg()), store_id=1)

    with default_storage.open(processed.large_name) as handle:
        digest = hashlib.sha256(handle.read()).hexdigest()
    assert processed.large_name == f"products/1/{digest}-large.jpg"


def test_uploading_the_same_photo_twice_reuses_the_stored_objects(media_root, img):
    data = img.jpeg()
    first = process_product_image(img.upload(data), store_id=1)
    second = process_product_image(img.upload(data), store_id=1)

    assert (first.thumb_name, first.large_name) == (second.thumb_name, second.large_name)
    assert second.created_names == []  # not second's to delete if its database write fails
    assert len(img.stored_files(media_root)) == 3  # thumb, large and small


def test_exif_orientation_is_applied_before_the_metadata_is_dropped(media_root, img):
    # Orientation 6: the camera held sideways; viewers rotate the stored 200x100 image 90° clockwise.
    processed = process_product_image(img.upload(img.half_and_half_jpeg(orientation=6)), store_id=1)

    large = open_stored(processed.large_name)
    assert large.size == (100, 200)
    top = large.getpixel((50, 10))
    bottom = large.getpixel((50, 190))
    assert top[0] > 200 and top[2] < 60  # the red half is on top once upright
    assert bottom[2] > 200 and bottom[0] < 60


def test_gps_location_and_every_other_metadata_are_stripped(media_root, img):
    data = img.jpeg(orientation=1, gps=True, comment=b"shop address here")
    assert b"PhoneMaker" in data

    processed = process_product_image(img.upload(data), store_id=1)

    for name in (processed.thumb_name, processed.large_name):
        with default_storage.open(name) as handle:
            raw = handle.read()
        stored = Image.open(io.BytesIO(raw))
        assert len(stored.getexif()) == 0
        assert "exif" not in stored.info and "comment" not in stored.info and "icc_profile" not in stored.info
        assert b"PhoneMaker" not in raw and b"shop address" not in raw and b"Exif" not in raw


def test_png_with_transparency_is_flattened_on_white(media_root, img):
    processed = process_product_image(img.upload(img.png(alpha=True), "logo.png", "image/png"), store_id=1)

    large = open_stored(processed.large_name)
    assert large.mode == "RGB"
    transparent_side = large.getpixel((250, 150))
    opaque_side = large.getpixel((50, 150))
    assert min(transparent_side) > 245  # white, not black
    assert opaque_side[1] > 100 and opaque_side[0] < 40


def test_webp_is_accepted_and_converted_to_jpeg(media_root, img):
    processed = process_product_image(img.upload(img.webp(), "p.webp", "image/webp"), store_id=1)

    assert open_stored(processed.large_name).format == "JPEG"


def test_small_photos_are_not_enlarged(media_root, img):
    processed = process_product_image(img.upload(img.jpeg((300, 200))), store_id=1)

    assert open_stored(processed.large_name).size == (300, 200)
    assert open_stored(processed.thumb_name).size == (300, 200)


@pytest.mark.parametrize(
    ("make", "name", "content_type"),
    [
        (lambda img: b"name,price\nchai,10\n" * 50, "menu.jpg", "image/jpeg"),  # text renamed .jpg
        (lambda img: img.gif(), "anim.jpg", "image/jpeg"),  # a real image, but not one we accept
        (lambda img: b"%PDF-1.4\n" + b"0" * 500, "catalogue.png", "image/png"),
    ],
)
def test_files_that_are_not_jpeg_png_or_webp_are_refused_whatever_their_name(
    media_root, img, make, name, content_type
):
    with pytest.raises(ValidationError) as caught:
        process_product_image(img.upload(make(img), name, content_type), store_id=1)

    assert caught.value.messages == ["This file is not a JPEG, PNG or WebP image."]
    assert img.stored_files(media_root) == []


def test_a_truncated_jpeg_is_refused_with_a_clear_message(media_root, img):
    data = img.jpeg((1200, 900))
    with pytest.raises(ValidationError) as caught:
        process_product_image(img.upload(data[: len(data) // 2]), store_id=1)

    assert "incomplete" in caught.value.messages[0]
    assert img.stored_files(media_root) == []


def test_an_empty_file_is_refused(media_root, img):
    with pytest.raises(ValidationError) as caught:
        process_product_image(img.upload(b""), store_id=1)

    assert caught.value.messages == ["The photo file is empty."]


def test_a_huge_decompression_bomb_is_refused_from_its_header(media_root, img):
    data = img.bomb_png(30000, 30000)
    assert len(data) < 1000

    with pytest.raises(ValidationError) as caught:
        process_product_image(img.upload(data, "bomb.png", "image/png"), store_id=1)

    assert caught.value.messages == [
        "The image is too large (900 megapixels); please upload a smaller photo."
    ]
    assert img.stored_files(media_root) == []


def test_an_image_above_our_pixel_cap_but_below_pillows_is_refused_before_decoding(media_root, img, settings):
    settings.DUKAAN_MAX_IMAGE_PIXELS = 40_000_000

    with pytest.raises(ValidationError) as caught:
        process_product_image(img.upload(img.bomb_png(8000, 8000), "big.png", "image/png"), store_id=1)

    assert caught.value.messages == ["The image is too large (64 megapixels); please upload a smaller photo."]


def test_a_50_mb_upload_is_refused_before_it_is_read(media_root, img):
    class Unreadable:
        size = 50 * 1024 * 1024
        name = "huge.jpg"

        def chunks(self, *args):
            raise AssertionError("a file over the cap must not be read")

        read = chunks

    with pytest.raises(ValidationError) as caught:
        process_product_image(Unreadable(), store_id=1)

    assert caught.value.messages == ["The photo is larger than 10 MB."]


def test_an_upload_that_lies_about_its_size_is_cut_off_at_the_cap(media_root, img, settings):
    settings.DUKAAN_MAX_UPLOAD_BYTES = 1000
    fake = img.upload(img.jpeg((800, 600)))
    fake.size = 10  # the declared size is wrong; the bytes counted are what matter

    with pytest.raises(ValidationError) as caught:
        process_product_image(fake, store_id=1)

    assert "larger than" in caught.value.messages[0]


def test_if_the_second_variant_cannot_be_stored_the_first_is_removed(media_root, img, monkeypatch):
    from django.core.files.storage import FileSystemStorage

    real_save = FileSystemStorage.save

    def failing_save(self, name, content, max_length=None):
        if name.endswith("-large.jpg"):
            raise OSError("disk full")
        return real_save(self, name, content, max_length=max_length)

    monkeypatch.setattr(FileSystemStorage, "save", failing_save)

    with pytest.raises(OSError):
        process_product_image(img.upload(img.jpeg()), store_id=1)

    assert img.stored_files(media_root) == []
