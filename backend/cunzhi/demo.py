"""Demo data for one county, as in the seed: 82 villages in 8 townships, all with a supervision
committee; about a fifth listed as weak. Deterministic, and loaded once (a second run is a no-op).

Other domains add their own demo data with a module `cunzhi/<domain>/demo.py` that defines
`async def seed(session, ctx: DemoContext) -> None`; it is called after the base data. A module may
also define `seed_late(session, ctx)`, called once every domain's `seed` has run.
"""

import importlib
import random
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from cunzhi.auth.models import User
from cunzhi.divisions.models import Division
from cunzhi.kit import audit
from cunzhi.kit.codes import DivisionLevel, ProblemCategory, Role
from cunzhi.kit.principal import Principal
from cunzhi.kit.security import hash_password
from cunzhi.kit.uow import unit_of_work
from cunzhi.main import DOMAINS
from cunzhi.partners.models import Pairing, PartnerUnit
from cunzhi.villages.models import Village

DEMO_PASSWORD = "cunzhi2026"
PROVINCE = ("230000000000", "黑龙江省")
CITY = ("230100000000", "哈尔滨市")
COUNTY = ("230199000000", "松江县")
TOWNSHIPS = ["松江镇", "会发镇", "德善乡", "宝兴乡", "永建乡", "天门乡", "松南乡", "大罗密镇"]
_FIRST = "东西南北前后新永长太兴富民德福安和春红胜"
_SECOND = ["兴", "丰", "河", "山", "林", "发", "胜", "合", "利", "泉", "乐", "平", "阳", "光", "江", "城"]
_SURNAMES = "王李张刘陈杨赵黄周吴徐孙马朱胡郭何高林罗"
_GIVEN = ["建国", "志强", "玉兰", "桂芝", "德生", "秀英", "长海", "金山", "凤霞", "国庆", "宝林", "春生"]

PARTNER_UNITS = [
    ("CZJ", "县财政局"), ("GAJ", "县公安局"), ("ZZB", "县委组织部"), ("NYJ", "县农业农村局"),
    ("FGW", "县发展和改革局"), ("SFJ", "县司法局"), ("XCB", "县委宣传部"), ("KJJ", "县科学技术局"),
    ("JTJ", "县交通运输局"), ("ZFB", "县委政法委"), ("TZB", "县委统战部"), ("SLJ", "县水务局"),
    ("GSL", "县总工会"), ("GQT", "团县委"), ("FLH", "县妇联"), ("LCJ", "县林业和草原局"),
    ("SWJ", "县商务局"), ("XFJ", "县信访局"), ("JYJ", "县教育局"), ("WJJ", "县卫生健康局"),
]


@dataclass
class DemoContext:
    county_code: str
    township_codes: list[str]
    village_ids: dict[str, int] = field(default_factory=dict)  # code -> id
    weak_village_codes: list[str] = field(default_factory=list)
    weak_categories: dict[str, list[str]] = field(default_factory=dict)  # code -> the screening's findings
    user_ids: dict[str, int] = field(default_factory=dict)  # username -> id
    partner_unit_ids: dict[str, int] = field(default_factory=dict)  # code -> id


def _village_names(n: int, rng: random.Random) -> list[str]:
    names = [f"{a}{b}村" for a in _FIRST for b in _SECOND]
    rng.shuffle(names)
    return names[:n]


async def _base(session: AsyncSession) -> DemoContext:
    rng = random.Random(2013)
    session.add_all([
        Division(code=PROVINCE[0], name=PROVINCE[1], level="province"),
        Division(code=CITY[0], name=CITY[1], level="city", parent_code=PROVINCE[0]),
        Division(code=COUNTY[0], name=COUNTY[1], level="county", parent_code=CITY[0]),
    ])
    await session.flush()
    township_codes = [f"{COUNTY[0][:6]}{100 + i:03d}000" for i in range(len(TOWNSHIPS))]
    session.add_all([Division(code=c, name=n, level="township", parent_code=COUNTY[0])
                     for c, n in zip(township_codes, TOWNSHIPS, strict=True)])
    await session.flush()
    ctx = DemoContext(county_code=COUNTY[0], township_codes=township_codes)

    names = _village_names(82, rng)
    categories = [c.value for c in ProblemCategory]
    villages: list[Village] = []
    for i, name in enumerate(names):
        t = i % len(TOWNSHIPS)
        code = f"{township_codes[t][:9]}{200 + i // len(TOWNSHIPS):03d}"
        population = rng.randrange(600, 4200)
        # Every fifth village is found weak with one to three problems by the demo's screening round
        # (rectification/demo.py lists them); township 01's first one always. The villages start normal.
        weak = i % 5 == 0
        villages.append(Village(
            code=code, name=name, township_code=township_codes[t], county_code=COUNTY[0], population=population,
            households=population // rng.choice([3, 3, 4]), party_member_count=rng.randrange(18, 95),
            secretary_name=rng.choice(_SURNAMES) + rng.choice(_GIVEN), status="normal", problem_categories=[],
        ))
        if weak:
            ctx.weak_categories[code] = sorted(rng.sample(categories, rng.randrange(1, 4)))
    session.add_all(villages)
    await session.flush()
    for v in villages:
        ctx.village_ids[v.code] = v.id
        if v.code in ctx.weak_categories:
            ctx.weak_village_codes.append(v.code)

    units = [PartnerUnit(code=f"PU-{c}", name=n, county_code=COUNTY[0]) for c, n in PARTNER_UNITS]
    session.add_all(units)
    await session.flush()
    ctx.partner_unit_ids = {u.code: u.id for u in units}

    first_weak = villages[0]  # township 01, weak
    session.add(Pairing(partner_unit_id=units[0].id, village_id=first_weak.id, start_date=date(2026, 1, 1)))

    pw = hash_password(DEMO_PASSWORD)
    accounts: list[tuple[str, Role, str, dict[str, object]]] = [
        ("admin", Role.county_admin, "县委组织部管理员", {"division_code": COUNTY[0]}),
        ("inspector", Role.discipline_inspector, "县纪委检查员", {"division_code": COUNTY[0]}),
    ]
    for i, tc in enumerate(township_codes, start=1):
        accounts.append((f"township{i:02d}", Role.township_official, f"{TOWNSHIPS[i - 1]}干部", {"division_code": tc}))
    accounts += [
        ("agency01", Role.township_agency, f"{TOWNSHIPS[0]}三资委托代理服务中心", {"division_code": township_codes[0]}),
        ("cadre01", Role.cadre, "驻村干部" + rng.choice(_SURNAMES) + rng.choice(_GIVEN), {"village_id": first_weak.id}),
        ("secretary01", Role.village_committee, f"{first_weak.name}党支部书记", {"village_id": first_weak.id}),
        ("committee01", Role.supervision_committee, f"{first_weak.name}村务监督委员会", {"village_id": first_weak.id}),
        ("partner01", Role.partner_unit, units[0].name, {"partner_unit_id": units[0].id}),
    ]
    for n, (username, role, display, scope) in enumerate(accounts):
        user = User(username=username, password_hash=pw, display_name=display, role=role.value,
                    phone=f"1390451{n:04d}", **scope)
        session.add(user)
        await session.flush()
        ctx.user_ids[username] = user.id
    await audit.record(session, None, "demo.seed", "county", COUNTY[0], after={"villages": len(villages)})
    return ctx


async def principal(session: AsyncSession, username: str) -> Principal:
    """A demo account as the services see it when it signs in (kit/deps.py)."""
    user, level = (await session.execute(
        select(User, Division.level).outerjoin(Division, Division.code == User.division_code)
        .where(User.username == username)
    )).one()
    return Principal(kind="user", id=user.id, name=user.username, role=Role(user.role), division_code=user.division_code,
                     division_level=level, village_id=user.village_id, partner_unit_id=user.partner_unit_id)


def demo_principals(ctx: DemoContext, village_id: int) -> dict[str, Principal]:
    """The demo accounts of township 01 and its first village, as services see them."""
    township = ctx.township_codes[0]

    def user(name: str, role: Role, **scope: object) -> Principal:
        return Principal(kind="user", id=ctx.user_ids[name], name=name, role=role, **scope)  # type: ignore[arg-type]

    return {
        "agency": user("agency01", Role.township_agency, division_code=township, division_level=DivisionLevel.township),
        "official": user("township01", Role.township_official, division_code=township,
                         division_level=DivisionLevel.township),
        "secretary": user("secretary01", Role.village_committee, village_id=village_id),
        "committee": user("committee01", Role.supervision_committee, village_id=village_id),
    }


async def accounts_with_scope(session: AsyncSession) -> list[tuple[str, str, str]]:
    """Every account with the name of its scope (a division, a village or a partner unit): what the
    first start and every later one print."""
    rows = (
        await session.execute(
            select(User.username, User.role, Division.name, Village.name, PartnerUnit.name)
            .outerjoin(Division, Division.code == User.division_code)
            .outerjoin(Village, Village.id == User.village_id)
            .outerjoin(PartnerUnit, PartnerUnit.id == User.partner_unit_id)
            .order_by(User.id)
        )
    ).all()
    return [(u, r, d or v or pu or "") for u, r, d, v, pu in rows]


async def seed() -> tuple[bool, list[tuple[str, str, str]]]:
    async with unit_of_work() as session:
        exists = (await session.execute(select(Division.code).where(Division.code == COUNTY[0]))).first()
        if exists:
            return False, await accounts_with_scope(session)
        ctx = await _base(session)
        modules = []
        for name in DOMAINS:
            try:
                modules.append(importlib.import_module(f"cunzhi.{name}.demo"))
            except ModuleNotFoundError as exc:
                if exc.name in (f"cunzhi.{name}.demo", f"cunzhi.{name}"):
                    continue
                raise
        for module in modules:
            await module.seed(session, ctx)
        # A second pass for data that reads another domain's (a disclosure's books are the funds' ledger).
        for module in modules:
            if hasattr(module, "seed_late"):
                await module.seed_late(session, ctx)
        # Domains add accounts of their own (the township discipline committee, more villages' ones):
        # listed from the database, as a later start lists them.
        return True, await accounts_with_scope(session)
