"""Create (or reset) the demo login that `make run` prints."""

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction


class Command(BaseCommand):
    help = "Create or reset the demo user with a verified email address."

    def add_arguments(self, parser):
        parser.add_argument("--email", default="demo@example.com")
        parser.add_argument("--password", default="demo-password-2026")
        parser.add_argument("--staff", action="store_true", help="Make the demo user an admin.")

    @transaction.atomic
    def handle(self, *args, email: str, password: str, staff: bool, **options):
        user, _created = get_user_model().objects.get_or_create(email=email)
        user.set_password(password)
        user.is_active = True
        if staff:
            user.is_staff = True
            user.is_superuser = True
        user.save()
        EmailAddress.objects.update_or_create(
            user=user, email=email, defaults={"verified": True, "primary": True}
        )
        self.stdout.write(f"Demo login: {email} / {password}")
