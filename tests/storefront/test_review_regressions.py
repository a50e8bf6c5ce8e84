"""Review regressions for seed_demo: a big store's slug must be one a storefront can be reached at."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command

from stores.models import Store


@pytest.mark.django_db
@pytest.mark.parametrize("slug", ["admin", "Bad/Slug", "", "x" * 51])
def test_seed_demo_refuses_a_big_store_slug_that_no_storefront_could_use(slug):
    with pytest.raises(CommandError, match="--slug"):
        call_command("seed_demo", "--products", "2", "--slug", slug)
    assert not Store.objects.filter(slug=slug).exists()
