"""Who reads what the worker ran. Keyed by `Role`; checked with `kit.permissions`.

Jobs belong to the installation, not to a county, so only the county organisation department reads them."""

from __future__ import annotations

from enum import StrEnum

from cunzhi.kit.codes import Role
from cunzhi.kit.permissions import roles


class JobAction(StrEnum):
    read_jobs = "read_jobs"


JOBS: dict[JobAction, frozenset[Role]] = {JobAction.read_jobs: roles(Role.county_admin)}
