"""Product services: validation, ordering, and stored photos following the database."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from products import services
from products.models import Category, Product


def fields_of(exc: pytest.ExceptionInfo) -> dict[str, list[str]]:
    return exc.value.message_dict


def test_product_create_stores_clean_values(store):
    product = services.product_create(store=store, name="  Masala   Chai ", price="120.5", stock=3)

    assert product.name == "Masala Chai"
    assert product.price == Decimal("120.50")
    assert product.stock == 3 and product.is_active


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"name": ""}, "name", "Name is required."),
        ({"name": "x" * 121}, "name", "Name can be at most 120 characters (it has 121)."),
        (
            {"description": "d" * 5001},
            "description",
            "Description can be at most 5000 characters (it has 5001).",
        ),
        ({"price": "abc"}, "price", "Price must be a number, e.g. 199 or 199.50."),
        ({"price": "0"}, "price", "Price must be more than zero."),
        ({"price": "-5"}, "price", "Price must be more than zero."),
        ({"price": "1e20"}, "price", "Price can be at most 10,000,000.00."),
        ({"price": "NaN"}, "price", "Price must be a number, e.g. 199 or 199.50."),
        ({"price": "10.999"}, "price", "Price can have at most 2 decimal places (paise)."),
        ({"price": True}, "price", "Price must be a number, e.g. 199 or 199.50."),
        ({"price": "100", "mrp": "90"}, "mrp", "MRP cannot be below the price."),
        ({"stock": -1}, "stock", "Stock cannot be negative."),
        ({"stock": True}, "stock", "Stock must be a whole number, or empty for unlimited."),
        ({"stock": 1_000_001}, "stock", "Stock can be at most 1,000,000."),
    ],
)
def test_product_create_refuses_bad_fields_and_changes_nothing(store, changes, field, message):
    values = {"name": "Chai", "price": "10", **changes}

    with pytest.raises(ValidationError) as caught:
        services.product_create(store=store, **values)

    assert fields_of(caught)[field] == [message]
    assert Product.objects.count() == 0


def test_a_category_of_another_store_is_refused(store, other_store, make_category):
    foreign = make_category(other_store, "Theirs")

    with pytest.raises(ValidationError) as caught:
        services.product_create(store=store, name="Chai", price="10", category=foreign)
    with pytest.raises(ValidationError):
        services.product_create(store=store, name="Chai", price="10", category=foreign.pk)

    assert fields_of(caught)["category"] == ["Choose one of your store's categories."]
    assert Product.objects.count() == 0


def test_product_update_checks_the_price_against_the_existing_mrp(store, make_product):
    product = make_product(store, price="100", mrp=Decimal("150"))

    with pytest.raises(ValidationError) as caught:
        services.product_update(product=product, price="200")

    assert fields_of(caught)["price"] == ["Price cannot be above the MRP."]
    product.refresh_from_db()
    assert product.price == Decimal("100.00")


def test_product_update_changes_only_the_given_fields(store, make_product):
    product = make_product(store, name="Chai", price="100", stock=5, description="Strong")

    services.product_update(product=product, price="90", stock=None)

    product.refresh_from_db()
    assert (product.name, product.price, product.stock, product.description) == (
        "Chai",
        Decimal("90.00"),
        None,
        "Strong",
    )


def test_replacing_a_photo_deletes_the_old_files_after_commit(
    store, media_root, img, django_capture_on_commit_callbacks
):
    product = services.product_create(store=store, name="Chai", price="10", image=img.upload(img.jpeg()))
    old = {product.image_thumb.name, product.image_large.name}

    with django_capture_on_commit_callbacks(execute=True):
        services.product_update(product=product, image=img.upload(img.png(), "new.png", "image/png"))

    product.refresh_from_db()
    assert set(img.stored_files(media_root)) == {
        product.image_thumb.name,
        product.image_large.name,
        product.image_small.name,
    }
    assert not old & set(img.stored_files(media_root))


def test_a_photo_shared_by_two_products_survives_deleting_one(
    store, media_root, img, django_capture_on_commit_callbacks
):
    data = img.jpeg()
    first = services.product_create(store=store, name="Chai", price="10", image=img.upload(data))
    services.product_create(store=store, name="Chai (large)", price="20", image=img.upload(data))

    with django_capture_on_commit_callbacks(execute=True):
        services.product_delete(product=first)

    assert len(img.stored_files(media_root)) == 3  # thumb, large and small


def test_deleting_a_product_deletes_its_photo_after_commit(
    store, media_root, img, django_capture_on_commit_callbacks
):
    product = services.product_create(store=store, name="Chai", price="10", image=img.upload(img.jpeg()))

    with django_capture_on_commit_callbacks(execute=True):
        services.product_delete(product=product)

    assert img.stored_files(media_root) == []
    assert not Product.objects.exists()


def test_removing_the_photo_clears_the_fields_and_the_files(
    store, media_root, img, django_capture_on_commit_callbacks
):
    product = services.product_create(store=store, name="Chai", price="10", image=img.upload(img.jpeg()))

    with django_capture_on_commit_callbacks(execute=True):
        services.product_update(product=product, image=None)

    product.refresh_from_db()
    assert product.image_thumb.name == "" and product.image_sha256 == ""
    assert img.stored_files(media_root) == []


def test_a_failed_database_write_leaves_no_stored_photo(store, make_product, media_root, img):
    product = make_product(store)
    Product.objects.filter(pk=product.pk).delete()  # deleted in another tab meanwhile

    with pytest.raises(Product.DoesNotExist):
        services.product_update(product=product, image=img.upload(img.jpeg()))

    assert img.stored_files(media_root) == []


def test_a_refused_photo_leaves_the_product_and_files_unchanged(store, media_root, img):
    product = services.product_create(store=store, name="Chai", price="10", image=img.upload(img.jpeg()))
    before_files = img.stored_files(media_root)

    with pytest.raises(ValidationError):
        services.product_update(product=product, price="12", image=img.upload(b"not an image"))

    product.refresh_from_db()
    assert product.price == Decimal("10.00")
    assert img.stored_files(media_root) == before_files


def test_moving_a_product_swaps_it_with_its_neighbour(store, make_product):
    a, _b, c = (make_product(store, name=name, position=index) for index, name in enumerate("abc"))

    services.product_move(product=c, direction="up")

    assert list(Product.objects.filter(store=store).values_list("name", flat=True)) == ["a", "c", "b"]
    services.product_move(product=a, direction="up")  # already first: nothing moves
    assert list(Product.objects.filter(store=store).values_list("name", flat=True)) == ["a", "c", "b"]


def test_products_reorder_refuses_another_stores_product(store, other_store, make_product):
    mine = make_product(store)
    theirs = make_product(other_store)

    with pytest.raises(ValidationError):
        services.products_reorder(store=store, product_ids=[theirs.pk, mine.pk])

    services.products_reorder(store=store, product_ids=[mine.pk])


def test_category_names_are_unique_per_store_ignoring_case(store, other_store):
    services.category_create(store=store, name="Snacks")
    services.category_create(store=other_store, name="Snacks")

    with pytest.raises(ValidationError) as caught:
        services.category_create(store=store, name="snacks")

    assert "already have a category" in fields_of(caught)["name"][0]
    assert Category.objects.filter(store=store).count() == 1


def test_new_categories_go_last_and_can_be_moved(store):
    first = services.category_create(store=store, name="Snacks")
    second = services.category_create(store=store, name="Sweets")

    services.category_move(category=second, direction="up")

    assert list(Category.objects.filter(store=store).values_list("pk", flat=True)) == [second.pk, first.pk]


def test_deleting_a_category_keeps_its_products(store, make_category, make_product):
    category = make_category(store)
    product = make_product(store, category=category)

    services.category_delete(category=category)

    product.refresh_from_db()
    assert product.category is None
