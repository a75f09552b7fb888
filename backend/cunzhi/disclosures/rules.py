"""The words of the monthly disclosure (三务公开): sections, a village's state in a round and its moves.

A village's state in a round: `pending` (nothing published yet) -> `published` -> `passed` or `failed`
(the township's inspection); a failed village republishes (`published` again) and is inspected again.
A round is `planned` while the township fixes its items at the previous month's end, `open` from the
month's first day, and `open` until the township locks it; then nothing in it changes, only a correction recorded
in the next month's round."""

from __future__ import annotations

from enum import StrEnum


class Section(StrEnum):
    party = "party"  # 党务
    village = "village"  # 村务
    finance = "finance"  # 财务 (generated from the ledger, never typed)


class ItemKind(StrEnum):
    new = "new"
    update = "update"  # an update of an item of an earlier month


class DisclosureRoundStatus(StrEnum):
    planned = "planned"  # the township fixes the items; villages cannot publish yet
    open = "open"  # opened on the month's first day (by the job, or the township)
    locked = "locked"


class VillageStatus(StrEnum):
    pending = "pending"
    published = "published"
    passed = "passed"
    failed = "failed"


class InspectionResult(StrEnum):
    passed = "passed"
    failed = "failed"


class FileKind(StrEnum):
    attachment = "attachment"
    board_photo = "board_photo"  # a photo of the physical notice board


PUBLISHABLE = frozenset({VillageStatus.pending, VillageStatus.failed})
INSPECTABLE = frozenset({VillageStatus.published})
