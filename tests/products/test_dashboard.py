"""Seller dashboard pages for products and categories."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from products.models import Category, Product


def url(name: str, *args) -> str:
    return reverse(f"products_dashboard:{name}", args=args)


def test_pages_need_a_login(client, store):
    response = client.get(url("product_list", store.slug))

    assert response.status_code == 302
    assert response["Location"].startswith("/dashboard/login/")


def test_the_product_list_shows_thumbnails_prices_and_stock(seller_web, store, media_root, img):
    seller_web.post(
        url("product_add", store.slug),
        {
            "name": "Masala Chai",
            "price": "120",
            "mrp": "150",
            "stock": "0",
            "is_active": "on",
            "image": img.upload(img.jpeg()),
        },
    )
    product = Product.objects.get()

    page = seller_web.get(url("product_list", store.slug))

    html = page.content.decode()
    assert page.status_code == 200
    assert "Masala Chai" in html and "₹120" in html and "out of stock" in html
    assert product.image_thumb.url in html


def test_the_add_form_offers_camera_and_gallery_photos(seller_web, store):
    html = seller_web.get(url("product_add", store.slug)).content.decode()

    # accept=image/* lets a phone offer both; `capture` would force the camera and hide the gallery.
    assert 'type="file"' in html and "image/*" in html and "capture" not in html
    assert 'enctype="multipart/form-data"' in html


def test_adding_a_product_with_a_photo(seller_web, store, media_root, img, make_category):
    category = make_category(store, "Tea")

    response = seller_web.post(
        url("product_add", store.slug),
        {
            "name": "Chai",
            "price": "10.50",
            "description": "Hot",
            "category": category.pk,
            "stock": "",
            "is_active": "on",
            "image": img.upload(img.jpeg(orientation=6)),
        },
    )

    assert response.status_code == 302
    product = Product.objects.get()
    assert (product.price, product.stock, product.category, product.is_active) == (
        Decimal("10.50"),
        None,
        category,
        True,
    )
    assert len(img.stored_files(media_root)) == 3  # thumb, large and small


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"price": "abc"}, "price", "Price must be a number, e.g. 199 or 199.50."),
        ({"price": "0"}, "price", "Price must be more than zero."),
        # The same words as the API and the service (products/prices.py).
        ({"price": "-4"}, "price", "Price must be more than zero."),
        ({"name": ""}, "name", "This field is required."),
        ({"mrp": "1"}, "mrp", "MRP cannot be below the price."),
        ({"stock": "-1"}, "stock", "Ensure this value is greater than or equal to 0"),
    ],
)
def test_bad_input_shows_field_errors_and_changes_nothing(seller_web, store, data, field, message):
    form = {"name": "Chai", "price": "10", **data}

    response = seller_web.post(url("product_add", store.slug), form)

    assert response.status_code == 400
    assert message in " ".join(response.context["form"].errors[field])
    assert message in response.content.decode()
    assert Product.objects.count() == 0


def test_a_bad_photo_shows_the_reason_and_stores_nothing(seller_web, store, media_root, img):
    response = seller_web.post(
        url("product_add", store.slug),
        {"name": "Chai", "price": "10", "image": img.upload(b"just text", "photo.jpg")},
    )

    assert response.status_code == 400
    assert response.context["form"].errors["image"] == ["This file is not a JPEG, PNG or WebP image."]
    assert Product.objects.count() == 0 and img.stored_files(media_root) == []


def test_a_category_of_another_store_cannot_be_chosen(seller_web, store, other_store, make_category):
    foreign = make_category(other_store, "Theirs")

    response = seller_web.post(
        url("product_add", store.slug), {"name": "Chai", "price": "10", "category": foreign.pk}
    )

    assert response.status_code == 400
    assert "category" in response.context["form"].errors
    assert Product.objects.count() == 0


def test_editing_a_product_keeps_its_photo_unless_replaced(seller_web, store, media_root, img):
    seller_web.post(
        url("product_add", store.slug), {"name": "Chai", "price": "10", "image": img.upload(img.jpeg())}
    )
    product = Product.objects.get()
    thumb = product.image_thumb.name

    response = seller_web.post(
        url("product_edit", store.slug, product.pk),
        {"name": "Chai Special", "price": "12", "is_active": "on"},
    )

    assert response.status_code == 302
    product.refresh_from_db()
    assert (product.name, product.price, product.image_thumb.name) == (
        "Chai Special",
        Decimal("12.00"),
        thumb,
    )


def test_delete_asks_for_confirmation_first(seller_web, store, make_product):
    product = make_product(store)

    confirm = seller_web.get(url("product_delete", store.slug, product.pk))
    assert confirm.status_code == 200 and "Yes, delete" in confirm.content.decode()
    assert Product.objects.filter(pk=product.pk).exists()

    done = seller_web.post(url("product_delete", store.slug, product.pk))
    assert done.status_code == 302 and not Product.objects.filter(pk=product.pk).exists()


def test_toggle_hides_and_shows_a_product(seller_web, store, make_product):
    product = make_product(store)

    seller_web.post(url("product_toggle", store.slug, product.pk))
    product.refresh_from_db()
    assert product.is_active is False

    seller_web.post(url("product_toggle", store.slug, product.pk), {"next": "https://evil.example/"})
    product.refresh_from_db()
    assert product.is_active is True


def test_toggle_and_move_refuse_get(seller_web, store, make_product):
    product = make_product(store)

    assert seller_web.get(url("product_toggle", store.slug, product.pk)).status_code == 405
    assert seller_web.get(url("product_move", store.slug, product.pk)).status_code == 405


def test_move_down_reorders_the_list(seller_web, store, make_product):
    first = make_product(store, name="First", position=0)
    make_product(store, name="Second", position=1)

    seller_web.post(url("product_move", store.slug, first.pk), {"direction": "down"})

    assert list(Product.objects.filter(store=store).values_list("name", flat=True)) == ["Second", "First"]


def test_another_sellers_store_and_products_are_404(
    seller_web, store, other_store, make_product, make_category
):
    theirs = make_product(other_store)
    their_category = make_category(other_store)

    assert seller_web.get(url("product_list", other_store.slug)).status_code == 404
    assert seller_web.get(url("product_add", other_store.slug)).status_code == 404
    assert seller_web.get(url("category_list", other_store.slug)).status_code == 404
    for name in ("product_edit", "product_delete"):
        assert seller_web.get(url(name, store.slug, theirs.pk)).status_code == 404
    for name in ("product_toggle", "product_move", "product_delete"):
        assert seller_web.post(url(name, store.slug, theirs.pk), {"direction": "up"}).status_code == 404
    assert seller_web.post(url("category_delete", store.slug, their_category.pk)).status_code == 404
    assert Product.objects.filter(pk=theirs.pk, is_active=True).exists()
    assert Category.objects.filter(pk=their_category.pk).exists()


def test_the_product_list_searches_and_paginates(seller_web, store, make_product):
    for index in range(55):
        make_product(store, name=f"Item {index}")
    make_product(store, name="Masala Chai")

    first_page = seller_web.get(url("product_list", store.slug))
    search = seller_web.get(url("product_list", store.slug), {"q": "chai"})
    long_query = seller_web.get(url("product_list", store.slug), {"q": "x" * 10_000})

    assert len(first_page.context["products"]) == 50
    assert [p.name for p in search.context["products"]] == ["Masala Chai"]
    assert long_query.status_code == 200


def test_the_product_list_query_count_does_not_grow_with_products(
    seller_web, store, make_product, make_category, django_assert_max_num_queries
):
    category = make_category(store)
    for index in range(30):
        make_product(store, name=f"Item {index}", category=category)

    with django_assert_max_num_queries(10):
        response = seller_web.get(url("product_list", store.slug))

    assert response.status_code == 200


def test_categories_can_be_added_renamed_moved_and_deleted(seller_web, store):
    seller_web.post(url("category_add", store.slug), {"name": "Snacks"})
    seller_web.post(url("category_add", store.slug), {"name": "Sweets"})
    duplicate = seller_web.post(url("category_add", store.slug), {"name": "SNACKS"})
    snacks, sweets = Category.objects.filter(store=store)

    seller_web.post(url("category_edit", store.slug, snacks.pk), {"name": "Namkeen"})
    seller_web.post(url("category_move", store.slug, sweets.pk), {"direction": "up"})
    listing = seller_web.get(url("category_list", store.slug))

    assert duplicate.status_code == 400 and "already have a category" in duplicate.content.decode()
    assert [c.name for c in listing.context["categories"]] == ["Sweets", "Namkeen"]

    confirm = seller_web.get(url("category_delete", store.slug, sweets.pk))
    assert confirm.status_code == 200
    seller_web.post(url("category_delete", store.slug, sweets.pk))
    assert list(Category.objects.filter(store=store).values_list("name", flat=True)) == ["Namkeen"]


def test_a_blank_category_name_is_refused(seller_web, store):
    response = seller_web.post(url("category_add", store.slug), {"name": "   "})

    assert response.status_code == 400
    assert Category.objects.count() == 0


def test_the_remove_photo_box_deletes_the_photo(
    seller_web, store, media_root, img, django_capture_on_commit_callbacks
):
    seller_web.post(
        url("product_add", store.slug), {"name": "Chai", "price": "10", "image": img.upload(img.jpeg())}
    )
    product = Product.objects.get()
    assert (
        "Remove the current photo"
        in seller_web.get(url("product_edit", store.slug, product.pk)).content.decode()
    )

    with django_capture_on_commit_callbacks(execute=True):
        seller_web.post(
            url("product_edit", store.slug, product.pk),
            {"name": "Chai", "price": "10", "is_active": "on", "remove_image": "on"},
        )

    product.refresh_from_db()
    assert product.image_thumb.name == "" and img.stored_files(media_root) == []


def test_a_new_photo_replaces_the_old_one_from_the_edit_page(seller_web, store, media_root, img):
    seller_web.post(
        url("product_add", store.slug), {"name": "Chai", "price": "10", "image": img.upload(img.jpeg())}
    )
    product = Product.objects.get()
    old = product.image_large.name

    seller_web.post(
        url("product_edit", store.slug, product.pk),
        {"name": "Chai", "price": "10", "is_active": "on", "image": img.upload(img.webp(), "n.webp")},
    )

    product.refresh_from_db()
    assert product.image_large.name != old and product.image_large.name.endswith("-large.jpg")
