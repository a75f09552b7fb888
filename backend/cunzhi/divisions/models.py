from sqlalchemy import CheckConstraint, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from cunzhi.db import Base
from cunzhi.kit.codes import DivisionLevel, sql_in


class Division(Base):
    """A node of the administrative tree: province, city, county or township."""

    __tablename__ = "divisions"
    __table_args__ = (
        CheckConstraint(r"code ~ '^\d{12}$'", name="code_digits"),
        CheckConstraint(f"level IN ({sql_in(DivisionLevel)})", name="level"),
    )

    code: Mapped[str] = mapped_column(String(12), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    level: Mapped[str] = mapped_column(String(16), index=True)
    parent_code: Mapped[str | None] = mapped_column(ForeignKey("divisions.code"), index=True)
    # The ETag of a division: renames take If-Match like every other update.
    version: Mapped[int] = mapped_column(Integer, nullable=False, server_default="1")

    __mapper_args__ = {"version_id_col": version}
