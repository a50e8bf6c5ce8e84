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
