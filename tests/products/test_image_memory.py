"""What an image upload costs in memory, measured, and what the reduced decode still gets right.

Pillow's pixel buffers are invisible to tracemalloc: each measured upload runs in a fresh process
(bench/upload_memory.py's `measure`: Django on the test settings, the real services, the peak
resident set over that process's own baseline). Before this was fixed, a 128 KB PNG claiming
6300x6300 pixels was accepted and took ~600 MB, a 24 MP PNG ~370 MB, eight at once 2.7 GB.
"""

from __future__ import annotations

import importlib.util
import io
import sys
import threading
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from dukaan.images import decode_budget, decode_slot
from products.images import BUSY, process_product_image
from products.models import Product
from stores.services.store_settings import prepare_logo

ROOT = Path(__file__).resolve().parents[2]
# One upload may take at most this much over the process's baseline (the worst accepted file
# measures ~140 MB: a WebP at its limit; a PNG at the pixel cap ~115 MB).
UPLOAD_BUDGET_MB = 200
# A refusal from the header must cost next to nothing.
REFUSAL_BUDGET_MB = 20


def _bench():
    name = "dukaan_bench_upload_memory"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, ROOT / "bench" / "upload_memory.py")
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


@pytest.fixture(scope="module")
def measured(tmp_path_factory):
    """measured(case) -> the bench's measurement of that case (file made once, fresh process)."""
    bench = _bench()
    directory = tmp_path_factory.mktemp("uploads")

    def run(case: str) -> dict:
        _label, recipe, service, copies = bench.CASES[case]
        path = bench.make_file(directory, case, recipe)
        return bench.measure(ROOT, service, path, copies)

    return run


def test_the_6300_px_bomb_is_refused_from_its_header_at_no_cost(measured):
    result = measured("bomb")

    assert result["outcomes"] == [
        "refused: The image is too large (40 megapixels); please upload a smaller photo."
    ]
    assert result["peak_mb"] < REFUSAL_BUDGET_MB


@pytest.mark.parametrize(
    "case",
    [
        "cap_png",  # 6000x4000 = the 24 MP cap, 78 KB of flat colour
        "cap_png_alpha",
        "cap_progressive",  # libjpeg buffers every coefficient of a progressive file
        "webp_limit",  # Pillow's WebP decoder takes ~16 bytes a pixel: the costliest accepted
        "phone",
    ],
)
def test_the_worst_accepted_photos_stay_within_the_memory_budget(measured, case):
    result = measured(case)

    assert result["outcomes"] == ["stored"]
    assert result["peak_mb"] < UPLOAD_BUDGET_MB


@pytest.mark.parametrize("case", ["cmyk_progressive", "webp_cap"])
def test_photos_whose_decoder_would_need_too_much_memory_are_refused_before_decoding(measured, case):
    result = measured(case)

    assert result["outcomes"][0].startswith("refused: This ")
    assert "too large to process" in result["outcomes"][0]
    assert result["peak_mb"] < REFUSAL_BUDGET_MB


def test_the_logo_path_is_bounded_the_same_way(measured):
    accepted = measured("logo_png")  # 12 MP, the logo cap, with transparency
    refused = measured("logo_bomb")

    assert accepted["outcomes"] == ["stored"] and accepted["peak_mb"] < UPLOAD_BUDGET_MB / 2
    assert refused["outcomes"][0].startswith("refused: The logo has too many pixels")
    assert refused["peak_mb"] < REFUSAL_BUDGET_MB


def test_eight_uploads_at_once_in_one_process_decode_two_at_a_time(measured):
    result = measured("eight_at_once")  # 8 threads, as a gthread worker would serve them

    assert len(result["outcomes"]) == 8
    assert all(outcome == "stored" for outcome in result["outcomes"])
    assert result["peak_mb"] < 2 * UPLOAD_BUDGET_MB  # two slots' worth, not eight


# --- the reduced decode in this process (no memory measured) --------------------------------


def _open_stored(name: str) -> Image.Image:
    with default_storage.open(name) as handle:
        image = Image.open(io.BytesIO(handle.read()))
        image.load()
        return image


def _jpeg(size, *, orientation=None, progressive=False) -> bytes:
    image = Image.new("RGB", size, (200, 40, 40))
    image.paste((40, 40, 200), (0, 0, size[0], size[1] // 2))  # top half blue, bottom half red
    out = io.BytesIO()
    options = {"quality": 85, "progressive": progressive}
    if orientation:
        exif = Image.Exif()
        exif[0x0112] = orientation
        options["exif"] = exif.tobytes()
    image.save(out, "JPEG", **options)
    return out.getvalue()


def test_a_big_rotated_jpeg_decoded_at_reduced_scale_is_upright_and_full_quality_size(media_root):
    # 6000x4000 decodes at half scale (3000x2000), still 2.5x the large variant.
    processed = process_product_image(
        SimpleUploadedFile("p.jpg", _jpeg((6000, 4000), orientation=6)), store_id=1
    )

    large, thumb = _open_stored(processed.large_name), _open_stored(processed.thumb_name)
    assert (processed.width, processed.height) == (4000, 6000)  # the original, upright
    assert large.size == (800, 1200) and thumb.size == (267, 400)
    # Orientation 6: viewers rotate 90° clockwise, so the top half (blue) ends up on the right.
    right, left = large.getpixel((700, 600)), large.getpixel((100, 600))
    assert right[2] > 150 and right[0] < 90
    assert left[0] > 150 and left[2] < 90


def test_a_big_transparent_png_is_reduced_in_strips_and_flattened_on_white(media_root):
    image = Image.new("RGBA", (5000, 3000), (0, 0, 0, 0))
    image.paste((0, 128, 0, 255), (0, 0, 2500, 3000))  # opaque green left half
    data = io.BytesIO()
    image.save(data, "PNG")

    processed = process_product_image(SimpleUploadedFile("p.png", data.getvalue()), store_id=1)

    large = _open_stored(processed.large_name)
    assert large.size == (1200, 720) and large.mode == "RGB"
    assert min(large.getpixel((1000, 360))) > 245  # white, not black
    assert large.getpixel((200, 360))[1] > 100 and large.getpixel((200, 360))[0] < 40
    edge = large.getpixel((601, 360))  # the seam: green or white, never a dark fringe
    assert edge[1] > 100


def test_a_photo_at_the_cap_is_accepted_and_one_pixel_more_is_refused(media_root, img, settings):
    settings.DUKAAN_MAX_IMAGE_PIXELS = 24_000_000
    assert process_product_image(img.upload(img.png((6000, 4000))), store_id=1).width == 6000

    with pytest.raises(ValidationError) as caught:
        process_product_image(img.upload(img.bomb_png(6001, 4000)), store_id=1)
    assert caught.value.messages == ["The image is too large (24 megapixels); please upload a smaller photo."]
    assert decode_budget(24_000_000) >= 6000 * 4000 * 4  # a full-colour PNG at the cap fits the budget


@pytest.fixture
def one_busy_slot(settings):
    """The only decode slot is taken (by another request) and nobody waits for it."""
    settings.DUKAAN_MAX_CONCURRENT_IMAGE_DECODES = 1
    settings.DUKAAN_IMAGE_DECODE_WAIT_SECONDS = 0
    taken, release = threading.Event(), threading.Event()

    def hold() -> None:
        with decode_slot():
            taken.set()
            release.wait(10)

    holder = threading.Thread(target=hold)
    holder.start()
    assert taken.wait(5)
    yield
    release.set()
    holder.join()


def test_when_every_decode_slot_is_busy_the_seller_is_asked_to_retry(one_busy_slot, media_root, img):
    with pytest.raises(ValidationError) as caught:
        process_product_image(img.upload(img.jpeg()), store_id=1)

    assert caught.value.messages == [BUSY]
    assert img.stored_files(media_root) == []


def test_a_busy_answer_on_the_api_is_a_400_naming_the_photo(
    one_busy_slot, seller_api, store, media_root, img
):
    response = seller_api.post(
        f"/api/v1/stores/{store.slug}/products/",
        {"name": "Chai", "price": "10", "image": img.upload(img.jpeg())},
        format="multipart",
    )

    assert response.status_code == 400
    assert response.json() == {"image": [BUSY]}
    assert Product.objects.count() == 0


def test_a_busy_answer_for_a_logo_names_the_logo(one_busy_slot, img):
    with pytest.raises(ValidationError) as caught:
        prepare_logo(SimpleUploadedFile("logo.png", img.png()))

    assert "try again" in caught.value.message_dict["logo"][0]


def test_a_freed_slot_is_taken_by_a_waiting_upload(settings, media_root, img):
    settings.DUKAAN_MAX_CONCURRENT_IMAGE_DECODES = 1
    settings.DUKAAN_IMAGE_DECODE_WAIT_SECONDS = 5
    taken = threading.Event()

    def hold_briefly() -> None:
        with decode_slot():
            taken.set()
            threading.Event().wait(0.3)

    holder = threading.Thread(target=hold_briefly)
    holder.start()
    assert taken.wait(5)
    processed = process_product_image(img.upload(img.jpeg()), store_id=1)  # waits, then decodes
    holder.join()

    assert processed.large_name
