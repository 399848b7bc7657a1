# A migration of its own: PostgreSQL cannot alter a table in the transaction that updated its rows,
# so the schema changes around this data change live in 0003 and 0005.

from django.db import migrations


# "Allow zero-rated lines" becomes one of the explicit choices for unpriced time. Ticked, it asked
# for zero-rated lines on the invoice: "bill as 0.00 lines". Unticked, unpriced time held back the
# client's draft: "hold". Runs keep their options as JSON; their snapshots get the same key.
def unpriced_from_allow_zero_rate(apps, schema_editor):
    for name in ("BillingPolicy", "InvoiceSchedule"):
        model = apps.get_model("invoicing", name)
        model.objects.filter(allow_zero_rate=True).update(unpriced="bill_zero")
        model.objects.filter(allow_zero_rate=False).update(unpriced="hold")
    InvoiceRun = apps.get_model("invoicing", "InvoiceRun")
    for run in InvoiceRun.objects.filter(options__has_key="allow_zero_rate").only("options"):
        options = dict(run.options)
        options["unpriced"] = "bill_zero" if options.pop("allow_zero_rate") else "hold"
        run.options = options
        run.save(update_fields=["options"])


def allow_zero_rate_from_unpriced(apps, schema_editor):
    for name in ("BillingPolicy", "InvoiceSchedule"):
        model = apps.get_model("invoicing", name)
        model.objects.update(allow_zero_rate=False)
        model.objects.exclude(unpriced="hold").update(allow_zero_rate=True)
    InvoiceRun = apps.get_model("invoicing", "InvoiceRun")
    for run in InvoiceRun.objects.filter(options__has_key="unpriced").only("options"):
        options = dict(run.options)
        options["allow_zero_rate"] = options.pop("unpriced") != "hold"
        run.options = options
        run.save(update_fields=["options"])


class Migration(migrations.Migration):

    dependencies = [
        ('invoicing', '0003_unpriced_choice_and_previews'),
    ]

    operations = [
        migrations.RunPython(unpriced_from_allow_zero_rate, allow_zero_rate_from_unpriced),
    ]
