from __future__ import annotations

import secrets
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from ops.staging import database_marked_production, placeholder_phone
from stores.models import Store, User
from stores.phone import normalize_phone


class Command(BaseCommand):
    help = (
        "Get a login on a sanitized staging copy, where every phone is a placeholder and no password "
        "works: give a store's owner your own phone (sign in to the dashboard with the SMS code), and/or "
        "make that account staff with a password for the admin."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--phone", required=True, help="your own mobile number: the sign-in code goes there"
        )
        parser.add_argument("--store", default="", help="slug of the store whose owner you sign in as")
        parser.add_argument(
            "--staff", action="store_true", help="make the account staff (admin) with a password"
        )
        parser.add_argument("--password", default="", help="the admin password (default: a generated one)")

    def handle(self, *args: Any, **options: Any) -> None:
        reason = database_marked_production()
        if reason:
            raise CommandError(f"Refusing to hand out logins on a production database: {reason}.")
        if not options["store"] and not options["staff"]:
            raise CommandError("Give --store SLUG (a seller login), --staff (an admin login), or both.")
        try:
            phone = normalize_phone(options["phone"])
        except ValidationError as exc:
            raise CommandError(f"--phone: {exc.messages[0]}") from exc
        password = options["password"] or (secrets.token_urlsafe(12) if options["staff"] else "")

        with transaction.atomic():
            if options["store"]:
                store = Store.objects.select_related("owner").filter(slug=options["store"]).first()
                if store is None:
                    raise CommandError(f"No store with the slug {options['store']!r}.")
                user = store.owner
            else:
                user = User.objects.filter(phone=phone).first() or User(name="Staging Staff")
            # Whoever holds this phone now (an earlier run) goes back to a placeholder: phones are unique.
            User.objects.filter(phone=phone).exclude(pk=user.pk).update(phone="parked")
            for other in User.objects.filter(phone="parked"):
                other.phone = placeholder_phone(other.pk)
                other.save(update_fields=["phone"])
            user.phone = phone
            user.is_active = True
            if options["staff"]:
                user.is_staff = user.is_superuser = True
                user.set_password(password)
            user.save()

        if options["store"]:
            self.stdout.write(
                f"Seller: sign in at /dashboard/login/ with {phone}; the code is sent by staging's SMS "
                f"backend (the server log with the console backend). Store: /{options['store']}/"
            )
        if options["staff"]:
            self.stdout.write(f"Staff: sign in at /admin/ with {phone} and the password {password}")
        self.stdout.write(self.style.SUCCESS(f"Staging login ready for {phone} (user {user.pk})."))
