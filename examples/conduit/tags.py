"""The tags articles use: ``/tags``."""

from __future__ import annotations

from sqlalchemy import select

from examples.conduit import schemas
from examples.conduit.database import DB
from examples.conduit.models import Tag
from roob import Request, Router

router = Router(name="tags", tags=["Tags"])


@router.get("/tags", operation_id="GetTags")
def listing(request: Request, db: DB) -> schemas.TagsResponse:
    """Get tags."""
    return schemas.TagsResponse(tags=list(db.scalars(select(Tag.name).order_by(Tag.name))))
