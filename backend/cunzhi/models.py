"""Imports every domain's models so metadata (Alembic, tests) and relationships see all tables."""

import importlib

from cunzhi.auth import models as _auth  # noqa: F401
from cunzhi.divisions import models as _divisions  # noqa: F401
from cunzhi.kit import audit as _audit  # noqa: F401
from cunzhi.kit import events as _events  # noqa: F401
from cunzhi.kit import idempotency as _idempotency  # noqa: F401
from cunzhi.kit import rate_limit as _rate_limit  # noqa: F401
from cunzhi.partners import models as _partners  # noqa: F401
from cunzhi.villages import models as _villages  # noqa: F401
from cunzhi.webhooks import models as _webhooks  # noqa: F401
from cunzhi.worker import models as _worker  # noqa: F401

for _name in ("rectification", "cadres", "tasks", "disclosures", "funds", "assets", "discipline"):
    try:
        importlib.import_module(f"cunzhi.{_name}.models")
    except ModuleNotFoundError as exc:
        if exc.name not in (f"cunzhi.{_name}.models", f"cunzhi.{_name}"):
            raise
