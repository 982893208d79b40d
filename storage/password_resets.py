"""One-time links by which an administrator lets a user set a new password.

Only the SHA-256 of the link's token is kept: the token has 256 bits of randomness, so a slow
hash would add nothing, and a copy of the database does not hand out working links."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from storage.accounts import User
from storage.base import Base, UTCDateTime, utc_now


class PasswordResetLink(Base):
    __tablename__ = "password_reset_links"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship(lazy="joined", foreign_keys=[user_id])


def find_link(session: Session, token_hash: str) -> PasswordResetLink | None:
    return session.scalars(
        select(PasswordResetLink).where(PasswordResetLink.token_hash == token_hash)
    ).one_or_none()


def open_links_of(session: Session, user_id: int) -> list[PasswordResetLink]:
    return list(
        session.scalars(
            select(PasswordResetLink).where(
                PasswordResetLink.user_id == user_id, PasswordResetLink.used_at.is_(None)
            )
        )
    )
