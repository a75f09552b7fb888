"""The migrations are the schema: one linear history, and what they build is what the models say."""

from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.ext.asyncio import AsyncEngine

from cunzhi import models  # noqa: F401  (every table registered)
from cunzhi.config import BACKEND_DIR
from cunzhi.db import Base


def _scripts() -> ScriptDirectory:
    cfg = Config(str(BACKEND_DIR / "alembic.ini"))
    cfg.set_main_option("script_location", str(BACKEND_DIR / "migrations"))
    return ScriptDirectory.from_config(cfg)


def test_history_is_linear_with_one_head() -> None:
    scripts = _scripts()
    assert len(scripts.get_heads()) == 1, f"more than one head: {scripts.get_heads()} (merge or re-point down_revision)"
    assert len(scripts.get_bases()) == 1, f"more than one base: {scripts.get_bases()}"


async def test_models_and_migrations_agree(engine: AsyncEngine) -> None:
    """compare_metadata against the session's freshly migrated database: any difference is a model
    changed without a migration (or a migration the models do not reflect)."""

    def ours(obj, name, type_, reflected, compare_to):  # type: ignore[no-untyped-def]
        # The job queue's tables come from procrastinate's own schema file (migration 0070), not models.
        table = name if type_ == "table" else getattr(getattr(obj, "table", None), "name", "")
        return not str(table or "").startswith("procrastinate_")

    def diff(connection):  # type: ignore[no-untyped-def]
        context = MigrationContext.configure(connection, opts={
            "compare_type": True, "compare_server_default": False, "include_object": ours})
        return compare_metadata(context, Base.metadata)

    async with engine.connect() as conn:
        differences = await conn.run_sync(diff)
    assert differences == [], "models and migrations disagree:\n" + "\n".join(map(repr, differences))
