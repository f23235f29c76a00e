"""The one rule of object access: a person sees only their own rows (else 404)."""

from __future__ import annotations

from typing import TypeVar

from flask import abort
from flask_login import current_user
from sqlalchemy import select

from synth_web.extensions import db

Owned = TypeVar("Owned")


def owned_or_404(model: type[Owned], object_id: int) -> Owned:
    """Return the signed-in person's row of a model by id, or answer 404.

    Another person's id answers exactly like an id that does not exist.
    """
    row = db.session.scalar(
        select(model).where(
            model.id == object_id,  # type: ignore[attr-defined]
            model.user_id == current_user.id,  # type: ignore[attr-defined]
        )
    )
    if row is None:
        abort(404)
    return row
