"""Process failed webhook deliveries again: chosen ones (``--id``) or all (``--all``).

manage.py replay_webhooks --id 12 --id 15
manage.py replay_webhooks --all [--business 7] [--dry-run]
"""

from django.core.management.base import BaseCommand, CommandError

from connections.models import ConnectedBusiness, WebhookDelivery
from connections.webhooks.processing import webhook_deliveries_replay


class Command(BaseCommand):
    help = "Replay failed FreshBooks webhook deliveries (selected ids, or all of them)."

    def add_arguments(self, parser):
        chosen = parser.add_mutually_exclusive_group(required=True)
        chosen.add_argument(
            "--id", dest="delivery_ids", type=int, action="append", help="a delivery id"
        )
        chosen.add_argument("--all", action="store_true", help="every failed delivery")
        parser.add_argument("--business", type=int, help="only this connected business (pk)")
        parser.add_argument("--dry-run", action="store_true", help="count, change nothing")

    def handle(self, *args, delivery_ids=None, business=None, dry_run=False, **options):
        connected_business = None
        if business is not None:
            connected_business = ConnectedBusiness.objects.filter(pk=business).first()
            if connected_business is None:
                raise CommandError(f"No connected business has id {business}.")
        if dry_run:
            failed = WebhookDelivery.objects.filter(status=WebhookDelivery.Status.FAILED)
            if delivery_ids is not None:
                failed = failed.filter(pk__in=delivery_ids)
            if connected_business is not None:
                failed = failed.filter(business=connected_business)
            self.stdout.write(f"{failed.count()} failed deliveries would be replayed.")
            return
        replayed = webhook_deliveries_replay(delivery_ids=delivery_ids, business=connected_business)
        self.stdout.write(self.style.SUCCESS(f"Replaying {replayed} failed deliveries."))
        if delivery_ids is not None and replayed < len(set(delivery_ids)):
            self.stdout.write(
                f"{len(set(delivery_ids)) - replayed} of the given ids are not failed deliveries "
                "and were left alone."
            )
