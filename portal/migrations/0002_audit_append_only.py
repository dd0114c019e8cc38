from typing import Any

from tortoise import migrations
from tortoise.migrations import operations as ops

from portal.core import guards


async def install_guards(apps: Any, schema_editor: Any) -> None:
    await guards.install(schema_editor.client)


class Migration(migrations.Migration):
    dependencies = [("models", "0001_initial")]

    operations = [ops.RunPython(install_guards)]
