"""Tax defaults and expense reservations feed the billing rules too (they arrived beside the
billing inputs version, 0012_billing_inputs_version): writing them moves the business's version,
so a preview planned before a tax default changed or an expense was reserved is outdated."""

from django.db import migrations

# (table, the column naming its business), as in 0012_billing_inputs_version's WATCHED.
WATCHED = [
    ("invoicing_taxdefault", "business_id"),
    ("invoicing_draftexpense", "business_freshbooks_id"),
]
BOOKKEEPING = "- 'synced_at' - 'seen_by_run_id'"


def _triggers(table: str, column: str) -> str:
    return f"""
CREATE TRIGGER billing_inputs_written AFTER INSERT OR DELETE ON {table}
    FOR EACH ROW EXECUTE FUNCTION invoicing_billing_inputs_changed('{column}');
CREATE TRIGGER billing_inputs_updated AFTER UPDATE ON {table}
    FOR EACH ROW WHEN ((to_jsonb(OLD) {BOOKKEEPING}) IS DISTINCT FROM (to_jsonb(NEW) {BOOKKEEPING}))
    EXECUTE FUNCTION invoicing_billing_inputs_changed('{column}');
"""


CREATE_SQL = "".join(_triggers(*item) for item in WATCHED)
DROP_SQL = "".join(
    f"DROP TRIGGER IF EXISTS billing_inputs_written ON {table};"
    f"DROP TRIGGER IF EXISTS billing_inputs_updated ON {table};"
    for table, _ in WATCHED
)


class Migration(migrations.Migration):
    dependencies = [
        ("invoicing", "0014_merge_expenses_taxes_and_versions"),
    ]

    operations = [migrations.RunSQL(CREATE_SQL, DROP_SQL)]
