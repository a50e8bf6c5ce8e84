"""`manage.py seed_demo`: a demo seller and the "Demo Kirana" store with photos, safe to re-run.

`--products N` also fills a big store (default slug demo-bazaar) with N products for benchmarks
(a 2,000-product store is where an unindexed ORDER BY price shows).
"""

from __future__ import annotations

import hashlib
import io
import itertools
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.core.validators import validate_slug
from django.db import transaction
from PIL import Image, ImageDraw, ImageFont

from products.models import Category, Product
from products.variants import variant_create
from stores.models import RESERVED_SLUGS, Store, User

DEMO_PHONE = "+919999999999"
DEMO_SLUG = "demo-kirana"
DEMO_NAME = "Demo Kirana"
DEMO_DESCRIPTION = (
    "Fresh staples, snacks and drinks from your neighbourhood kirana. Order on WhatsApp, pay by UPI."
)
BIG_SLUG = "demo-bazaar"
BULK_BATCH = 500


@dataclass(frozen=True)
class DemoProduct:
    name: str
    category: str
    price: str
    mrp: str | None
    colour: tuple[int, int, int]
    shape: str
    description: str = ""
    stock: int | None = None
    # (pack or size, price, stock): sold in these variants, under the option `variant_option`.
    variants: tuple[tuple[str, str, int | None], ...] = ()
    variant_option: str = "Pack"


DEMO_CATEGORIES = ("Staples", "Snacks", "Beverages")
DEMO_PRODUCTS = (
    DemoProduct(
        "Basmati Rice 5 kg",
        "Staples",
        "649.00",
        "799.00",
        (230, 214, 170),
        "bag",
        "Long-grain aged basmati, ideal for biryani and pulao.",
    ),
    DemoProduct(
        "Toor Dal 1 kg",
        "Staples",
        "159.00",
        "180.00",
        (240, 190, 60),
        "bag",
        "Unpolished arhar dal, cooks soft in one whistle.",
    ),
    DemoProduct(
        "Whole Wheat Atta 10 kg",
        "Staples",
        "429.00",
        None,
        (205, 160, 100),
        "bag",
        "Stone-ground chakki atta for soft rotis.",
    ),
    DemoProduct(
        "Cold-Pressed Mustard Oil 1 L",
        "Staples",
        "219.00",
        "245.00",
        (226, 170, 30),
        "bottle",
        "Kachi ghani mustard oil with a strong aroma.",
    ),
    DemoProduct("Rock Salt 1 kg", "Staples", "65.00", None, (236, 190, 196), "jar", stock=0),
    DemoProduct(
        "Masala Peanuts 200 g",
        "Snacks",
        "60.00",
        None,
        (190, 90, 40),
        "packet",
        "Crunchy besan-coated peanuts with a spicy kick.",
    ),
    DemoProduct(
        "Aloo Bhujia 400 g",
        "Snacks",
        "105.00",
        "120.00",
        (235, 150, 40),
        "packet",
        "Bikaneri-style crisp potato sev.",
    ),
    DemoProduct(
        "Banana Chips 250 g",
        "Snacks",
        "120.00",
        None,
        (245, 215, 80),
        "packet",
        "Kerala banana chips fried in coconut oil.",
        stock=12,
    ),
    DemoProduct("Khakhra Combo (4 flavours)", "Snacks", "199.00", "240.00", (170, 120, 70), "box"),
    DemoProduct(
        "Toor Dal",
        "Staples",
        "89.00",
        None,
        (226, 178, 60),
        "bag",
        "Unpolished arhar dal, cooks soft for everyday dal tadka.",
        variants=(("500 g", "89.00", 20), ("1 kg", "169.00", 15), ("5 kg", "799.00", 0)),
    ),
    DemoProduct(
        "Assam Tea 500 g",
        "Beverages",
        "275.00",
        "310.00",
        (120, 60, 40),
        "box",
        "Strong CTC tea for kadak chai.",
    ),
    DemoProduct(
        "Filter Coffee Powder 250 g",
        "Beverages",
        "180.00",
        None,
        (90, 55, 35),
        "jar",
        "South Indian filter coffee, 80:20 coffee-chicory.",
    ),
    DemoProduct(
        "Mango Pulp 850 g",
        "Beverages",
        "145.00",
        "160.00",
        (250, 170, 30),
        "can",
        "Alphonso mango pulp for aamras and lassi.",
    ),
)


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    try:
        return ImageFont.load_default(size=size)
    except (TypeError, OSError):  # Pillow built without FreeType: a small bitmap font still works.
        return ImageFont.load_default()


def draw_product_photo(name: str, colour: tuple[int, int, int], shape: str, side: int = 800) -> bytes:
    """A simple product-like JPEG: a coloured package on a soft background with the product's initial."""
    background = tuple(min(255, c // 4 + 190) for c in colour)
    image = Image.new("RGB", (side, side), background)
    draw = ImageDraw.Draw(image)
    darker = tuple(max(0, int(c * 0.7)) for c in colour)
    s = side / 800
    # A soft floor shadow so the package looks like it stands on something.
    draw.ellipse((200 * s, 650 * s, 600 * s, 720 * s), fill=tuple(max(0, c - 25) for c in background))
    if shape == "bottle":
        draw.rounded_rectangle((330 * s, 110 * s, 470 * s, 220 * s), 20 * s, fill=darker)
        draw.rounded_rectangle((250 * s, 200 * s, 550 * s, 690 * s), 70 * s, fill=colour)
    elif shape == "jar":
        draw.rounded_rectangle((260 * s, 150 * s, 540 * s, 230 * s), 18 * s, fill=darker)
        draw.rounded_rectangle((220 * s, 220 * s, 580 * s, 690 * s), 50 * s, fill=colour)
    elif shape == "can":
        draw.rectangle((240 * s, 190 * s, 560 * s, 660 * s), fill=colour)
        draw.ellipse((240 * s, 150 * s, 560 * s, 230 * s), fill=darker)
        draw.ellipse((240 * s, 620 * s, 560 * s, 700 * s), fill=colour)
    elif shape == "box":
        draw.polygon(
            [(210 * s, 230 * s), (400 * s, 150 * s), (590 * s, 230 * s), (400 * s, 310 * s)], fill=darker
        )
        draw.rectangle((210 * s, 230 * s, 590 * s, 690 * s), fill=colour)
    elif shape == "packet":
        draw.polygon(
            [(230 * s, 140 * s), (570 * s, 140 * s), (600 * s, 690 * s), (200 * s, 690 * s)], fill=colour
        )
        draw.rectangle((230 * s, 140 * s, 570 * s, 180 * s), fill=darker)
    else:  # bag
        draw.rounded_rectangle((190 * s, 170 * s, 610 * s, 700 * s), 60 * s, fill=colour)
        draw.rectangle((280 * s, 140 * s, 520 * s, 200 * s), fill=darker)
    # Label with the initial, like a brand mark on the pack.
    draw.ellipse((300 * s, 330 * s, 500 * s, 530 * s), fill=(255, 255, 255))
    initial = (name.strip()[:1] or "?").upper()
    draw.text((400 * s, 430 * s), initial, fill=darker, font=_font(int(130 * s)), anchor="mm")
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)
    return out.getvalue()


def store_photo(jpeg: bytes, *, store_id: int) -> tuple[str, str, str]:
    """Store a photo's variants; returns (thumb name, large name, sha256)."""
    try:
        from products.images import process_product_image
    except ImportError:  # Image processing not installed: save the variants ourselves.
        return _store_variants_directly(jpeg, store_id=store_id)
    processed = process_product_image(ContentFile(jpeg, name="demo.jpg"), store_id=store_id)
    return processed.thumb_name, processed.large_name, processed.sha256


def _store_variants_directly(jpeg: bytes, *, store_id: int) -> tuple[str, str, str]:
    names = []
    for suffix, side in (("thumb", 400), ("large", 1200)):
        image = Image.open(io.BytesIO(jpeg))
        image.thumbnail((side, side))
        out = io.BytesIO()
        image.convert("RGB").save(out, "JPEG", quality=82)
        data = out.getvalue()
        name = f"products/{store_id}/{hashlib.sha256(data).hexdigest()}-{suffix}.jpg"
        if not default_storage.exists(name):
            name = default_storage.save(name, ContentFile(data))
        names.append(name)
    return names[0], names[1], hashlib.sha256(jpeg).hexdigest()


def _check_slug(slug: str) -> None:
    """The big store must be reachable at /<slug>/ like any store a seller opens."""
    max_length = Store._meta.get_field("slug").max_length
    try:
        validate_slug(slug)
    except ValidationError:
        raise CommandError(f"--slug {slug!r} is not a slug: use letters, digits and hyphens.") from None
    if len(slug) > max_length:
        raise CommandError(f"--slug must be at most {max_length} characters.")
    if slug in RESERVED_SLUGS:
        raise CommandError(f"--slug {slug!r} is reserved for a site page; pick another.")


class Command(BaseCommand):
    help = (
        "Create (or refresh) the demo seller and the Demo Kirana store; --products N fills a big store too."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--products",
            type=int,
            default=0,
            metavar="N",
            help="Also fill a big store with N products (for benchmarks), e.g. --products 2000.",
        )
        parser.add_argument("--slug", default=BIG_SLUG, help=f"Slug of the big store (default {BIG_SLUG}).")

    def handle(self, *args: Any, products: int = 0, slug: str = BIG_SLUG, **options: Any) -> None:
        if products < 0:
            raise CommandError("--products must be zero or more.")
        if products:
            _check_slug(slug)
        seller = self._seller()
        store, created_products = self._demo_store(seller)
        self.stdout.write(
            f"Demo Kirana: {len(DEMO_PRODUCTS)} products in {len(DEMO_CATEGORIES)} categories "
            f"({created_products} created now)."
        )
        base = settings.DUKAAN_PUBLIC_URL
        if products:
            big = self._big_store(seller, slug, products)
            self.stdout.write(f"Big store ready: {base}/{big.slug}/ ({products} products)")
        self.stdout.write(
            self.style.SUCCESS(f"Demo store ready: {base}/{store.slug}/ — seller login {DEMO_PHONE}")
        )

    def _seller(self) -> User:
        seller = User.objects.filter(phone=DEMO_PHONE).first()
        if seller is None:
            seller = User.objects.create_user(DEMO_PHONE, name="Demo Seller")
            self.stdout.write(f"Created demo seller {DEMO_PHONE}.")
        return seller

    @transaction.atomic
    def _demo_store(self, seller: User) -> tuple[Store, int]:
        store, created = Store.objects.get_or_create(
            slug=DEMO_SLUG,
            defaults={
                "owner": seller,
                "name": DEMO_NAME,
                "description": DEMO_DESCRIPTION,
                "whatsapp_number": DEMO_PHONE,
                "upi_id": "demokirana@upi",
            },
        )
        if created:
            self.stdout.write(f"Created store {DEMO_NAME} at /{DEMO_SLUG}/.")
        elif not store.is_active:
            store.is_active = True
            store.save(update_fields=["is_active", "updated_at"])
        categories = {}
        for position, name in enumerate(DEMO_CATEGORIES):
            categories[name], _ = Category.objects.get_or_create(
                store=store, name=name, defaults={"position": position}
            )
        created_count = 0
        for position, demo in enumerate(DEMO_PRODUCTS):
            product = Product.objects.filter(store=store, name=demo.name).first()
            if product is None:
                product = Product(
                    store=store,
                    name=demo.name,
                    description=demo.description,
                    price=Decimal(demo.price),
                    mrp=Decimal(demo.mrp) if demo.mrp else None,
                    category=categories[demo.category],
                    stock=demo.stock,
                    position=position,
                )
                created_count += 1
            if not product.image_thumb.name or not default_storage.exists(product.image_thumb.name):
                jpeg = draw_product_photo(demo.name, demo.colour, demo.shape)
                thumb, large, sha = store_photo(jpeg, store_id=store.id)
                product.image_thumb.name, product.image_large.name, product.image_sha256 = thumb, large, sha
            product.save()
            if demo.variants and not product.has_variants:
                for label, price, stock in demo.variants:
                    variant_create(
                        product=product, options={demo.variant_option: label}, price=price, stock=stock
                    )
        return store, created_count

    def _big_store(self, seller: User, slug: str, count: int) -> Store:
        store, _ = Store.objects.get_or_create(
            slug=slug,
            defaults={
                "owner": seller,
                "name": f"Demo Bazaar ({count} products)",
                "description": "A big demo store for benchmarks.",
            },
        )
        categories = []
        for position, name in enumerate(("Grocery", "Household", "Personal care", "Snacks", "Beverages")):
            category, _ = Category.objects.get_or_create(
                store=store, name=name, defaults={"position": position}
            )
            categories.append(category)
        # A handful of photos shared by all products (content-addressed: stored once).
        photos = []
        for demo in DEMO_PRODUCTS[:6]:
            photos.append(
                store_photo(draw_product_photo(demo.name, demo.colour, demo.shape), store_id=store.id)
            )
        existing = Product.objects.filter(store=store).count()
        missing = max(0, count - existing)
        if not missing:
            self.stdout.write(f"{store.name}: already has {existing} products.")
            return store
        self.stdout.write(f"Creating {missing} products in {slug} …")
        numbers = itertools.count(existing + 1)
        done = 0
        while done < missing:
            batch = []
            for _ in range(min(BULK_BATCH, missing - done)):
                n = next(numbers)
                price = Decimal(19 + (n * 37) % 4980)
                thumb, large, sha = photos[n % len(photos)]
                batch.append(
                    Product(
                        store=store,
                        name=f"Product {n:05d}",
                        description=f"Demo product number {n}.",
                        price=price,
                        mrp=price + Decimal(n % 5 * 10) if n % 3 else None,
                        category=categories[n % len(categories)],
                        stock=None if n % 7 else n % 4,
                        position=n,
                        image_thumb=thumb,
                        image_large=large,
                        image_sha256=sha,
                    )
                )
            with transaction.atomic():
                Product.objects.bulk_create(batch)
            done += len(batch)
            self.stdout.write(f"  {existing + done}/{count} products")
        return store
