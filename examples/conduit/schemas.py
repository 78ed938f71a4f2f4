"""RealWorld's JSON, as pydantic models: what clients send and what they get back.

Python names are snake_case and the JSON's camelCase (``tag_list`` is ``tagList``):
:class:`Schema` gives every model that alias, read and written. Requests come in
envelopes, ``{"user": {...}}``: views read them with ``Body(embed=True)``; answers
are envelopes too, the ``*Response`` models below.
"""

from __future__ import annotations

import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer, WithJsonSchema
from pydantic.alias_generators import to_camel


def _timestamp(value: datetime.datetime) -> str:
    """ISO 8601 in UTC with milliseconds, always (``2026-02-05T17:51:29.000Z``): pydantic
    leaves out a zero fraction, which RealWorld's collection refuses."""
    utc = value.astimezone(datetime.UTC) if value.tzinfo else value
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


Timestamp = Annotated[
    datetime.datetime,
    PlainSerializer(_timestamp, return_type=str),
    WithJsonSchema({"type": "string", "format": "date-time"}),
]


class Schema(BaseModel):
    model_config = ConfigDict(
        alias_generator=to_camel,
        validate_by_name=True,  # from the ORM objects' attributes (tag_list, created_at)
        validate_by_alias=True,  # from the client's JSON (tagList)
        serialize_by_alias=True,
        from_attributes=True,
    )


# --- users -----------------------------------------------------------------------------


class LoginUser(Schema):
    email: str
    password: Annotated[str, Field(json_schema_extra={"format": "password"})]


class NewUser(Schema):
    username: Annotated[str, Field(min_length=1, max_length=100)]
    email: Annotated[str, Field(min_length=3, max_length=255, pattern=r"^[^@\s]+@[^@\s]+$")]
    password: Annotated[str, Field(min_length=1, json_schema_extra={"format": "password"})]


class UpdateUser(Schema):
    email: Annotated[str | None, Field(max_length=255, pattern=r"^[^@\s]+@[^@\s]+$")] = None
    password: Annotated[str | None, Field(min_length=1)] = None
    username: Annotated[str | None, Field(min_length=1, max_length=100)] = None
    bio: str | None = None
    image: str | None = None


class User(Schema):
    email: str
    token: str
    username: str
    bio: str | None
    image: str | None


class UserResponse(Schema):
    user: User


# --- profiles --------------------------------------------------------------------------


class Profile(Schema):
    username: str
    bio: str | None
    image: str | None
    following: bool


class ProfileResponse(Schema):
    profile: Profile


# --- articles --------------------------------------------------------------------------


class NewArticle(Schema):
    title: Annotated[str, Field(min_length=1, max_length=255)]
    description: str
    body: str
    tag_list: list[Annotated[str, Field(min_length=1, max_length=100)]] = []


class UpdateArticle(Schema):
    title: Annotated[str | None, Field(min_length=1, max_length=255)] = None
    description: str | None = None
    body: str | None = None


class ArticlePreview(Schema):
    """An article in a list: all but its body (RealWorld's spec leaves it out there)."""

    slug: str
    title: str
    description: str
    tag_list: list[str]
    created_at: Timestamp
    updated_at: Timestamp
    favorited: bool
    favorites_count: int
    author: Profile


class Article(ArticlePreview):
    body: str


class SingleArticleResponse(Schema):
    article: Article


class MultipleArticlesResponse(Schema):
    articles: list[ArticlePreview]
    articles_count: int


# --- comments --------------------------------------------------------------------------


class NewComment(Schema):
    body: Annotated[str, Field(min_length=1)]


class Comment(Schema):
    id: int
    created_at: Timestamp
    updated_at: Timestamp
    body: str
    author: Profile


class SingleCommentResponse(Schema):
    comment: Comment


class MultipleCommentsResponse(Schema):
    comments: list[Comment]


# --- tags and errors -------------------------------------------------------------------


class TagsResponse(Schema):
    tags: list[str]


class ErrorMessages(Schema):
    body: list[str]


class GenericErrorModel(Schema):
    """Every error RealWorld's API answers: ``{"errors": {"body": ["..."]}}``."""

    errors: ErrorMessages
