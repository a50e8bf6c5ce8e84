"""Store admin: search, filters, the storefront link, safe actions, no reserved slugs."""

from __future__ import annotations

import pytest

from stores.models import Store, User


@pytest.fixture
def admin_client(client, db):
    client.force_login(User.objects.create_superuser("+919000000099", "admin-pass-123"))
    return client


def test_changelist_searches_name_slug_and_owner_phone(admin_client, make_seller, make_store):
    ravi = make_seller("+919811111111")
    make_store(owner=ravi, name="Ravi Kirana", slug="ravi-kirana")
    make_store(name="Meena Sweets", slug="meena-sweets")
    for query in ["Ravi", "ravi-kirana", "9811111111"]:
        html = admin_client.get(f"/admin/stores/store/?q={query}").content.decode()
        assert "Ravi Kirana" in html and "Meena Sweets" not in html, query


def test_changelist_links_to_the_storefront_and_filters(admin_client, store):
    html = admin_client.get("/admin/stores/store/").content.decode()
    assert f'href="{store.public_url}"' in html
    for query in ["is_active__exact=1", "currency=INR", "created_at__year=2026"]:
        assert admin_client.get(f"/admin/stores/store/?{query}").status_code == 200


def test_changelist_query_count_is_flat(admin_client, make_store, django_assert_max_num_queries):
    for n in range(10):
        make_store(name=f"Shop {n}", slug=f"shop-{n}")
    with django_assert_max_num_queries(12):
        assert admin_client.get("/admin/stores/store/").status_code == 200


def test_change_page_renders_and_refuses_a_reserved_slug(admin_client, store):
    url = f"/admin/stores/store/{store.pk}/change/"
    assert admin_client.get(url).status_code == 200
    response = admin_client.post(
        url,
        {
            "name": store.name,
            "slug": "admin",
            "owner": store.owner.pk,
            "is_active": "on",
            "description": "",
            "currency": "INR",
            "whatsapp_number": "",
            "upi_id": "",
        },
    )
    assert response.status_code == 200
    assert "reserved" in response.content.decode()
    store.refresh_from_db()
    assert store.slug == "ashas-kitchen"


def test_close_action_hides_stores(admin_client, store):
    admin_client.post("/admin/stores/store/", {"action": "close_stores", "_selected_action": [store.pk]})
    store.refresh_from_db()
    assert store.is_active is False


def test_non_staff_seller_cannot_open_the_admin(seller_web):
    response = seller_web.get("/admin/stores/store/")
    assert response.status_code == 302
    assert Store.objects.count() == 0
