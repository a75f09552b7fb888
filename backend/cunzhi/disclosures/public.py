"""The public side of the disclosure: what a village published, readable without an account.

Only what was published shows: the items' titles and texts, the finance section (as frozen, with the
check against the books), the files that went with the publication and the corrections recorded for
the month. Never who published, reviewed, inspected or uploaded, nor the inspections and reviews, nor
anything of a village or month with nothing published: an unknown village, an unknown month and an
unpublished one all answer the same bare 404.

Every answer counts against the caller's address (kit.rate_limit.hit_address), carries an ETag (the
hash of its body; a matching If-None-Match gets 304) and Cache-Control: public."""

from __future__ import annotations

import hashlib
import io
import json
from collections.abc import Awaitable, Callable

from fastapi import Request, Response
from pydantic import BaseModel
from sqlalchemy import any_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import undefer

from cunzhi.config import get_settings
from cunzhi.disclosures import service
from cunzhi.disclosures.models import Correction, File, Item, Publication, Round
from cunzhi.disclosures.schemas import (
    PublicBooks,
    PublicCorrection,
    PublicDisclosure,
    PublicEntry,
    PublicFile,
    PublicFinance,
    PublicMonth,
    PublicVillage,
)
from cunzhi.kit import clock, rate_limit
from cunzhi.kit.errors import NotFound
from cunzhi.kit.principal import Principal
from cunzhi.kit.scope import get_village
from cunzhi.villages.models import Village


class NothingPublished(NotFound):
    """The one answer to a miss. It keeps the request's writes: the address's count (nothing else is
    written on the public side) holds for misses too, so guessing codes is limited like reading."""

    code, title = "not_found", "Not found"

    def __init__(self) -> None:
        super().__init__("Not found", code="not_found", keep_writes=True)


def _address(request: Request) -> str | None:
    return request.client.host if request.client else None


async def answer(session: AsyncSession, request: Request, read: Callable[[], Awaitable[BaseModel]]) -> Response:
    await rate_limit.hit_address(session, _address(request))
    out = await read()
    body = json.dumps(out.model_dump(mode="json"), ensure_ascii=False, separators=(",", ":")).encode()
    tag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    headers = {"ETag": tag, "Cache-Control": f"public, max-age={get_settings().public_cache_seconds}",
               "Vary": "Accept-Encoding"}
    inm = request.headers.get("if-none-match")
    if inm and tag in [t.strip().removeprefix("W/") for t in inm.split(",")]:
        return Response(status_code=304, headers=headers)
    return Response(body, media_type="application/json", headers=headers)


async def _village(session: AsyncSession, code: str) -> Village:
    v = (await session.execute(select(Village).where(Village.code == code))).scalar_one_or_none()
    if v is None:
        raise NothingPublished()
    return v


async def village_months(session: AsyncSession, code: str) -> PublicVillage:
    v = await _village(session, code)
    rows = (await session.execute(
        select(Round.year, Round.month).join(Publication, Publication.round_id == Round.id)
        .where(Publication.village_id == v.id).group_by(Round.year, Round.month)
        .order_by(Round.year.desc(), Round.month.desc()))).all()
    if not rows:
        raise NothingPublished()
    return PublicVillage(village_code=v.code, village_name=v.name,
                         months=[PublicMonth(year=y, month=m) for y, m in rows])


async def village_month(session: AsyncSession, code: str, year: int, month: int) -> PublicDisclosure:
    v = await _village(session, code)
    row = (await session.execute(
        select(Publication, Round).join(Round, Round.id == Publication.round_id)
        .where(Publication.village_id == v.id, Round.year == year, Round.month == month)
        .order_by(Publication.id.desc()).limit(1))).first()
    if row is None:
        raise NothingPublished()
    pub, r = row
    items = {i.id: i for i in (await session.execute(select(Item).where(Item.round_id == r.id))).scalars()}
    order = sorted(items.values(), key=lambda i: (i.section, i.sort, i.id))
    texts = {e["item_id"]: e["text"] for e in pub.entries}
    entries = [PublicEntry(section=i.section, title=i.title, text=texts[i.id]) for i in order if i.id in texts]
    files = (await session.execute(select(File).where(File.id.in_(pub.file_ids or [-1])).order_by(File.id))).scalars()
    corrections = (await session.execute(
        select(Correction).where(Correction.corrects_round_id == r.id, Correction.village_id == v.id)
        .order_by(Correction.id))).scalars()
    return PublicDisclosure(
        village_code=v.code, village_name=v.name, year=r.year, month=r.month,
        published_on=clock.local_date(pub.published_at), late=pub.late, entries=entries,
        finance=public_finance(await service.finance_view(session, pub)),
        files=[PublicFile(id=f.id, kind=f.kind, filename=f.filename, content_type=f.content_type,
                          url=f"/api/v1/public/files/{f.id}") for f in files],
        corrections=[PublicCorrection(recorded_on=clock.local_date(c.recorded_at), reason=c.reason, text=c.text)
                     for c in corrections])


def public_finance(check: service.FinanceCheck) -> PublicFinance:
    """The finance section for the public: the stored books projected onto PublicBooks (which leaves
    the ledger's entry ids out); the stored books and their hash are untouched."""
    return PublicFinance(period=check.period, frozen=PublicBooks.model_validate(check.frozen),
                         frozen_hash=check.frozen_hash, current_hash=check.current_hash, matches=check.matches,
                         current=PublicBooks.model_validate(check.current) if check.current is not None else None)


async def file_answer(session: AsyncSession, request: Request, file_id: int) -> Response:
    await rate_limit.hit_address(session, _address(request))
    published = select(Publication.id).where(File.id == any_(Publication.file_ids)).exists()
    f = (await session.execute(select(File).where(File.id == file_id, published)
                               .options(undefer(File.content)))).scalar_one_or_none()
    if f is None:
        raise NothingPublished()
    return Response(f.content, media_type=f.content_type, headers={
        "ETag": f'"{f.sha256[:32]}"', "Cache-Control": "public, max-age=86400, immutable",
        "Content-Disposition": "inline"})


# ---- QR codes ---------------------------------------------------------------------------------

def public_link(village_code: str) -> str:
    return f"{get_settings().public_base_url.rstrip('/')}/public.html?village={village_code}"


async def qr_code(session: AsyncSession, p: Principal, village_code: str, fmt: str) -> tuple[bytes, str, str]:
    """The village's QR code (SVG or PNG) linking to its public page; for villages in `p`'s scope."""
    import segno

    village = await get_village(session, p, village_code)
    link = public_link(village.code)
    qr = segno.make(link, error="m")
    buf = io.BytesIO()
    if fmt == "svg":
        qr.save(buf, kind="svg", scale=8, border=4, title=f"{village.name} 三务公开", xmldecl=True)
        return buf.getvalue(), "image/svg+xml", link
    qr.save(buf, kind="png", scale=10, border=4)
    return buf.getvalue(), "image/png", link


