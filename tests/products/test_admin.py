"""Product and category admin: constant queries on changelists, photo preview, safe deletes."""

from __future__ import annotations

import pytest

from products.models import Category, Product


@pytest.fixture
def admin_web(client, make_seller):
    admin = make_seller(is_staff=True, is_superuser=True)
    client.force_login(admin)
    return client


@pytest.fixture
def fifty_products(make_store, make_category, make_product):
    stores = [make_store() for _ in range(5)]
    for index in range(50):
        store = stores[index % 5]
        category = make_category(store, f"Category {index}")
        make_product(
            store,
            name=f"Product {index}",
            category=category,
            image_thumb=f"products/{store.pk}/x{index}-thumb.jpg",
        )
    return stores


def test_the_product_changelist_does_not_query_per_row(
    admin_web, fifty_products, django_assert_max_num_queries
):
    with django_assert_max_num_queries(8):
        response = admin_web.get("/admin/products/product/")

    assert response.status_code == 200
    html = response.content.decode()
    assert html.count("-thumb.jpg") >= 50  # the preview column
    assert "Product 49" in html


def test_the_product_changelist_searches_by_store_slug(admin_web, fifty_products):
    store = fifty_products[1]

    response = admin_web.get("/admin/products/product/", {"q": store.slug})

    assert response.status_code == 200
    assert len(response.context["cl"].result_list) == 10


def test_the_product_changelist_filters(admin_web, fifty_products):
    for query in ({"is_active__exact": "1"}, {"store__id__exact": fifty_products[0].pk}):
        assert admin_web.get("/admin/products/product/", query).status_code == 200


def test_the_category_changelist_does_not_query_per_row(
    admin_web, fifty_products, django_assert_max_num_queries
):
    with django_assert_max_num_queries(10):
        response = admin_web.get("/admin/products/category/")

    assert response.status_code == 200
    assert Category.objects.count() == 50


def test_the_product_change_form_renders(admin_web, fifty_products):
    product = Product.objects.first()

    response = admin_web.get(f"/admin/products/product/{product.pk}/change/")

    assert response.status_code == 200
    assert "Upload a new photo" in response.content.decode()


def test_uploading_a_photo_in_the_admin_goes_through_the_pipeline(
    admin_web, store, make_product, media_root, img
):
    product = make_product(store, name="Chai", price="10")

    response = admin_web.post(
        f"/admin/products/product/{product.pk}/change/",
        {
            "store": store.pk,
            "name": "Chai",
            "description": "",
            "category": "",
            "price": "10",
            "mrp": "",
            "stock": "",
            "is_active": "on",
            "position": "0",
            "new_image": img.upload(img.jpeg()),
            # The variants inline's management form, which every change form posts.
            "variants-TOTAL_FORMS": "0",
            "variants-INITIAL_FORMS": "0",
        },
    )

    assert response.status_code == 302, response.context["adminform"].form.errors
    product.refresh_from_db()
    assert product.image_large.name.endswith("-large.jpg")
    assert len(img.stored_files(media_root)) == 3  # thumb, large and small


def test_deleting_in_the_admin_removes_the_photo(
    admin_web, store, media_root, img, django_capture_on_commit_callbacks
):
    from products import services

    product = services.product_create(store=store, name="Chai", price="10", image=img.upload(img.jpeg()))

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_web.post(f"/admin/products/product/{product.pk}/delete/", {"post": "yes"})

    assert response.status_code == 302
    assert not Product.objects.exists()
    assert img.stored_files(media_root) == []


def _change_form(product: Product, variant_rows: list[dict]) -> dict:
    """The product's admin change form as a browser would post it, with variant inline rows."""
    data = {
        "store": product.store_id,
        "name": product.name,
        "description": "",
        "category": "",
        "price": str(product.price),
        "mrp": "",
        "stock": "" if product.stock is None else str(product.stock),
        "is_active": "on",
        "position": "0",
        "variants-TOTAL_FORMS": str(len(variant_rows)),
        "variants-INITIAL_FORMS": str(sum(1 for row in variant_rows if row.get("id"))),
        "variants-MIN_NUM_FORMS": "0",
        "variants-MAX_NUM_FORMS": "1000",
    }
    for index, row in enumerate(variant_rows):
        for key, value in row.items():
            data[f"variants-{index}-{key}"] = value
        data[f"variants-{index}-product"] = str(product.pk)
    return data


def test_an_admin_adds_and_changes_variants_and_the_product_follows(admin_web, make_store, make_product):
    from products.models import ProductVariant

    product = make_product(make_store(), "Kurta", "499.00", stock=4)
    url = f"/admin/products/product/{product.pk}/change/"
    rows = [
        {
            "options": '{"Size": "S"}',
            "price": "450",
            "mrp": "",
            "stock": "2",
            "sku": "",
            "is_active": "on",
            "position": "0",
        },
        {
            "options": '{"Size": "M"}',
            "price": "520",
            "mrp": "",
            "stock": "3",
            "sku": "",
            "is_active": "on",
            "position": "1",
        },
    ]

    response = admin_web.post(url, _change_form(product, rows))

    assert response.status_code == 302, response.content.decode()[:3000]
    product.refresh_from_db()
    assert (product.has_variants, str(product.price), product.stock) == (True, "450.00", 5)
    small = ProductVariant.objects.get(label="S")
    rows = [
        {
            "id": str(small.pk),
            "options": '{"Size": "S"}',
            "price": "450",
            "mrp": "",
            "stock": "9",
            "sku": "",
            "is_active": "on",
            "position": "0",
            "DELETE": "on",
        },
    ]
    data = _change_form(product, rows)
    data["variants-TOTAL_FORMS"] = "1"
    assert admin_web.post(url, data).status_code == 302
    product.refresh_from_db()
    assert list(ProductVariant.objects.values_list("label", flat=True)) == ["M"]
    assert (str(product.price), product.stock) == ("520.00", 3)


def test_bad_variant_options_in_the_admin_are_a_form_error(admin_web, make_store, make_product):
    from products.models import ProductVariant

    product = make_product(make_store(), "Kurta", "499.00")
    rows = [
        {
            "options": '{"Size": ""}',
            "price": "450",
            "mrp": "",
            "stock": "",
            "sku": "",
            "is_active": "on",
            "position": "0",
        }
    ]

    response = admin_web.post(f"/admin/products/product/{product.pk}/change/", _change_form(product, rows))

    assert response.status_code == 200
    assert "Each option needs a name and a value" in response.content.decode()
    assert not ProductVariant.objects.exists()
