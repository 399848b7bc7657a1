# The boolean "Allow zero-rated lines" is gone once 0004 copied it into `unpriced`. A migration of
# its own: PostgreSQL cannot alter a table in the transaction that just updated its rows.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('invoicing', '0004_unpriced_from_allow_zero_rate'),
    ]

    operations = [
        migrations.RemoveField(
            model_name='billingpolicy',
            name='allow_zero_rate',
        ),
        migrations.RemoveField(
            model_name='invoiceschedule',
            name='allow_zero_rate',
        ),
    ]
