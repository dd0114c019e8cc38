from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0004_council_notifications_programmes')]

    initial = False

    operations = [
        ops.AddField(
            model_name='PbCycle',
            name='reserve_pct',
            field=fields.IntField(default=80),
        ),
    ]
