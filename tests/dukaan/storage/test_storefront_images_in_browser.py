"""A shopper's browser loads the storefront's product photos from the S3 server (the "CDN")."""

from __future__ import annotations

import shutil

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from products import services
from tests.conftest import CHROMIUM, CHROMIUM_ARGS, require

from .conftest import jpeg_bytes


@pytest.mark.integration
@pytest.mark.browser
def test_a_shoppers_browser_loads_product_photos_from_the_bucket(
    s3_media_loopback_cdn, live_server, make_store, clear_catalogue_cache
):
    # Its own Chromium, not the session `browser` fixture: Playwright's sync API runs an event loop,
    # and Django refuses ORM calls (make_store above) while one is running in this thread.
    chromium = shutil.which(CHROMIUM) or CHROMIUM
    require(shutil.which(chromium) is not None, "chromium not installed (apt-get install chromium)")
    sync_api = pytest.importorskip("playwright.sync_api")
    store = make_store(slug="photo-shop")
    services.product_create(
        store=store,
        name="Mango Pickle",
        price="150",
        image=SimpleUploadedFile("pickle.jpg", jpeg_bytes((240, 180, 20)), content_type="image/jpeg"),
    )

    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 390, "height": 844})
            page.goto(f"{live_server.url}/{store.slug}/")
            page.wait_for_load_state("networkidle")
            images = page.eval_on_selector_all(
                ".sf-card img", "els => els.map(e => [e.currentSrc, e.complete, e.naturalWidth])"
            )
        finally:
            browser.close()

    bucket_url = (
        f"http://127.0.0.1:{s3_media_loopback_cdn.server.port}/{s3_media_loopback_cdn.bucket}/products/"
    )
    assert len(images) == 1
    src, complete, width = images[0]
    assert src.startswith(bucket_url)
    assert complete and width == 400
