from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from tortoise import fields

class Migration(migrations.Migration):
    initial = True

    operations = [
        ops.CreateModel(
            name='Agency',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('abbreviation', fields.CharField(unique=True, max_length=32)),
                ('name', fields.CharField(max_length=200)),
                ('notes', fields.CharField(default='', max_length=300)),
                ('valid_from', fields.DateField(null=True)),
                ('valid_to', fields.DateField(null=True)),
                ('successor', fields.ForeignKeyField('models.Agency', source_field='successor_id', null=True, db_constraint=True, to_field='id', on_delete=OnDelete.SET_NULL)),
            ],
            options={'table': 'agency', 'app': 'models', 'pk_attr': 'id', 'table_description': 'A perangkat daerah (SKPD/OPD). Names change with each SOTK Perda, hence validity dates.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='AuditEvent',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('actor_id', fields.IntField(null=True)),
                ('tag', fields.CharField(db_index=True, max_length=80)),
                ('target_type', fields.CharField(default='', max_length=40)),
                ('target_id', fields.CharField(default='', db_index=True, max_length=64)),
                ('data', fields.TextField(default='{}', unique=False)),
                ('ip_hash', fields.CharField(default='', max_length=64)),
                ('prev_hash', fields.CharField(max_length=64)),
                ('hash', fields.CharField(unique=True, max_length=64)),
            ],
            options={'table': 'audit_event', 'app': 'models', 'pk_attr': 'id', 'table_description': 'Append-only, hash-chained record of every state change (see portal.core.auditchain).'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Job',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('kind', fields.CharField(db_index=True, max_length=60)),
                ('key', fields.CharField(unique=True, max_length=200)),
                ('payload', fields.TextField(default='{}', unique=False)),
                ('run_at', fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=False)),
                ('status', fields.CharField(default='pending', db_index=True, max_length=12)),
                ('attempts', fields.IntField(default=0)),
                ('max_attempts', fields.IntField(default=8)),
                ('lease_until', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('locked_by', fields.CharField(default='', max_length=64)),
                ('last_error', fields.TextField(default='', unique=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('finished_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'job', 'app': 'models', 'pk_attr': 'id', 'table_description': 'A background job: a unique key makes enqueueing idempotent, leases make each run exclusive.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Kecamatan',
            fields=[
                ('code', fields.CharField(primary_key=True, unique=True, db_index=True, max_length=8)),
                ('name', fields.CharField(max_length=80)),
            ],
            options={'table': 'kecamatan', 'app': 'models', 'pk_attr': 'code'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Kelurahan',
            fields=[
                ('code', fields.CharField(primary_key=True, unique=True, db_index=True, max_length=13)),
                ('name', fields.CharField(max_length=80)),
                ('kecamatan', fields.ForeignKeyField('models.Kecamatan', source_field='kecamatan_id', db_constraint=True, to_field='code', related_name='kelurahan', on_delete=OnDelete.RESTRICT)),
            ],
            options={'table': 'kelurahan', 'app': 'models', 'pk_attr': 'code'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='User',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('email', fields.CharField(unique=True, max_length=254)),
                ('name', fields.CharField(max_length=120)),
                ('password_hash', fields.CharField(max_length=200)),
                ('email_confirmed_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('disabled_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('session_version', fields.IntField(default=1)),
                ('lang', fields.CharField(default='', max_length=5)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'user', 'app': 'models', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='ResidentVerification',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('user', fields.OneToOneField('models.User', source_field='user_id', db_constraint=True, to_field='id', related_name='verification', on_delete=OnDelete.CASCADE)),
                ('nik_digest', fields.CharField(null=True, unique=True, max_length=80)),
                ('nik_masked', fields.CharField(max_length=24)),
                ('birth_year', fields.IntField()),
                ('adult_on', fields.DateField(null=True)),
                ('kelurahan', fields.ForeignKeyField('models.Kelurahan', source_field='kelurahan_id', db_constraint=True, to_field='code', on_delete=OnDelete.RESTRICT)),
                ('method', fields.CharField(max_length=12)),
                ('verified_by_id', fields.IntField(null=True)),
                ('verified_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('revoked_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('revoked_reason', fields.CharField(default='', max_length=300)),
            ],
            options={'table': 'resident_verification', 'app': 'models', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='UserRole',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('user', fields.ForeignKeyField('models.User', source_field='user_id', db_constraint=True, to_field='id', related_name='roles', on_delete=OnDelete.CASCADE)),
                ('role', fields.CharField(max_length=20)),
                ('agency', fields.ForeignKeyField('models.Agency', source_field='agency_id', null=True, db_constraint=True, to_field='id', on_delete=OnDelete.RESTRICT)),
                ('granted_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'user_role', 'app': 'models', 'unique_together': (('user', 'role'),), 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='UserSession',
            fields=[
                ('id', fields.CharField(primary_key=True, unique=True, db_index=True, max_length=64)),
                ('user', fields.ForeignKeyField('models.User', source_field='user_id', db_constraint=True, to_field='id', related_name='sessions', on_delete=OnDelete.CASCADE)),
                ('user_version', fields.IntField()),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('last_seen_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'user_session', 'app': 'models', 'pk_attr': 'id', 'table_description': 'A login. The cookie carries only the id, and deleting the row logs that browser out.'},
            bases=['Model'],
        ),
    ]
