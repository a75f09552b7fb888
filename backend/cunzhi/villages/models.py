from datetime import datetime

from sqlalchemy import ARRAY, CheckConstraint, DateTime, Double, ForeignKey, Integer, String, func
from sqlalchemy.orm import Mapped, mapped_column

from cunzhi.db import Base
from cunzhi.kit.codes import ProblemCategory, RectificationStatus, sql_in


class Village(Base):
    __tablename__ = "villages"
    __table_args__ = (
        CheckConstraint(r"code ~ '^\d{12}$'", name="code_digits"),
        CheckConstraint(f"status IN ({sql_in(RectificationStatus)})", name="status"),
        CheckConstraint(f"problem_categories <@ ARRAY[{sql_in(ProblemCategory)}]::varchar[]", name="categories"),
        CheckConstraint("population >= 0 AND households >= 0 AND party_member_count >= 0", name="counts"),
        CheckConstraint("(lat IS NULL) = (lng IS NULL) AND (lat IS NULL OR (lat BETWEEN -90 AND 90 "
                        "AND lng BETWEEN -180 AND 180))", name="position"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(12), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    township_code: Mapped[str] = mapped_column(ForeignKey("divisions.code"), index=True)
    # Denormalised from the township so county-wide scope filters need no join.
    county_code: Mapped[str] = mapped_column(ForeignKey("divisions.code"), index=True)
    population: Mapped[int] = mapped_column(Integer, default=0)
    households: Mapped[int] = mapped_column(Integer, default=0)
    secretary_name: Mapped[str | None] = mapped_column(String(50))
    party_member_count: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(16), default=RectificationStatus.normal.value, index=True)
    problem_categories: Mapped[list[str]] = mapped_column(ARRAY(String(32)), default=list)
    # the village office's position (WGS-84), for checking where cadres check in; both or neither
    lat: Mapped[float | None] = mapped_column(Double)
    lng: Mapped[float | None] = mapped_column(Double)
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now(), onupdate=func.now())

    # Optimistic locking: every UPDATE checks and bumps the version, so two writers of
    # the same version cannot both succeed (the ETag is this number).
    __mapper_args__ = {"version_id_col": version}
