"""The worker's own tables: why a job failed, and which day effects have been applied."""

from datetime import date, datetime

from sqlalchemy import BigInteger, CheckConstraint, Date, DateTime, Integer, String, Text, func
from sqlalchemy.orm import Mapped, mapped_column

from cunzhi.db import Base


class JobFailure(Base):
    """Procrastinate keeps a job's status but not its error: the worker writes it here."""

    __tablename__ = "job_failures"

    job_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    attempt: Mapped[int] = mapped_column(Integer, primary_key=True)
    task_name: Mapped[str] = mapped_column(String(128))
    error: Mapped[str] = mapped_column(Text)
    failed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class DayEffect(Base):
    """A dated row (a posting, a pairing) whose start or end day has been acted on, once."""

    __tablename__ = "day_effects"
    __table_args__ = (CheckConstraint("edge IN ('start', 'end')", name="edge"),)

    entity: Mapped[str] = mapped_column(String(32), primary_key=True)
    entity_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    edge: Mapped[str] = mapped_column(String(8), primary_key=True)  # start | end
    day: Mapped[date] = mapped_column(Date)
    applied_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
