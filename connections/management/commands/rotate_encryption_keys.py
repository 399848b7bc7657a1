"""Re-encrypt every stored secret with the first key of FIELD_ENCRYPTION_KEYS.

Rotation: put a new key first in FIELD_ENCRYPTION_KEYS (keep the old ones after it), deploy, run
this command, then remove the old keys.
"""

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import transaction

from connections.encryption import EncryptedTextField


class Command(BaseCommand):
    help = "Re-encrypt stored tokens and verifiers with the current (first) encryption key."

    def handle(self, *args, **options):
        for model in apps.get_models():
            field_names = [
                field.name
                for field in model._meta.get_fields()
                if isinstance(field, EncryptedTextField)
            ]
            if not field_names:
                continue
            rotated = 0
            # Any model of any app: its default manager, as generic Django code uses.
            manager = model._default_manager
            for pk in manager.values_list("pk", flat=True).iterator():
                with transaction.atomic():
                    row = manager.select_for_update().only(*field_names).get(pk=pk)
                    row.save(update_fields=field_names)  # decrypted on load, encrypted on save
                    rotated += 1
            self.stdout.write(f"{model._meta.label}: re-encrypted {rotated} rows")
