import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

def test_show(client, store, make_product):
    make_product(store, name="Item 0007")
    cache.clear()
    client.get(f"/{store.slug}/?sort=price_asc")
    cache.clear()
    with CaptureQueriesContext(connection) as c:
        client.get(f"/{store.slug}/?q=Item+0007&sort=price_asc")
    for q in c.captured_queries: print("Q:", q["sql"][:200].replace("\n"," "))
