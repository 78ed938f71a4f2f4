"""Articles, the feed and favourites: ``/articles``, ``/articles/feed``,
``/articles/{slug}``, ``/articles/{slug}/favorite``."""

from __future__ import annotations

import re
import secrets
from typing import Annotated, Any

from pydantic import Field
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, selectinload

from examples.conduit import schemas
from examples.conduit.auth import CurrentUser, OptionalUser
from examples.conduit.database import DB
from examples.conduit.models import Article, Tag, User, follows
from examples.conduit.profiles import profile_of
from roob import Body, Forbidden, NotFound, Query, Request, Router

router = Router(name="articles", tags=["Articles"])
favorites_router = Router(name="favorites", tags=["Favorites"])

Offset = Annotated[
    int,
    Query(description="The number of items to skip before starting to collect the result set."),
    Field(ge=0),
]
Limit = Annotated[int, Query(description="The numbers of items to return."), Field(ge=1, le=100)]


def article_of(article: Article, viewer: User | None) -> schemas.Article:
    """``article`` as ``viewer`` sees it (whether they favourited it, follow its author)."""
    return schemas.Article(
        slug=article.slug,
        title=article.title,
        description=article.description,
        body=article.body,
        tag_list=[tag.name for tag in article.tags],  # sorted by name (Article.tags)
        created_at=article.created_at,
        updated_at=article.updated_at,
        favorited=viewer is not None and viewer in article.favorited_by,
        favorites_count=len(article.favorited_by),
        author=profile_of(article.author, viewer),
    )


def article_with_slug(db: Session, slug: str) -> Article:
    article = db.query(Article).filter_by(slug=slug).one_or_none()
    if article is None:
        raise NotFound(f"There is no article {slug!r}")
    return article


def slug_for(db: Session, title: str) -> str:
    """``how-to-train-your-dragon``, with a random suffix if another article has it."""
    slug = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-") or "article"
    while db.query(Article.id).filter_by(slug=slug).first() is not None:
        slug = f"{slug}-{secrets.token_hex(3)}"
    return slug


def tags_named(db: Session, names: list[str]) -> list[Tag]:
    existing = {tag.name: tag for tag in db.scalars(select(Tag).where(Tag.name.in_(names)))}
    return [existing.get(name) or Tag(name=name) for name in dict.fromkeys(names)]


def page(
    db: Session, query: Select[Any], viewer: User | None, offset: int, limit: int
) -> schemas.MultipleArticlesResponse:
    """One page of ``query``'s articles, newest first, and how many there are in all."""
    count = db.scalar(select(func.count()).select_from(query.subquery())) or 0
    articles = db.scalars(
        query.order_by(Article.created_at.desc(), Article.id.desc())
        .offset(offset)
        .limit(limit)
        .options(selectinload(Article.tags), selectinload(Article.favorited_by),
                 selectinload(Article.author))
    )  # fmt: skip
    return schemas.MultipleArticlesResponse(
        articles=[article_of(article, viewer) for article in articles], articles_count=count
    )


@router.get("/articles", operation_id="GetArticles")
def listing(
    request: Request,
    me: OptionalUser,
    db: DB,
    tag: Annotated[str | None, Query(description="Filter by tag")] = None,
    author: Annotated[str | None, Query(description="Filter by author (username)")] = None,
    favorited: Annotated[
        str | None, Query(description="Filter by favorites of a user (username)")
    ] = None,
    offset: Offset = 0,
    limit: Limit = 20,
) -> schemas.MultipleArticlesResponse:
    """Get recent articles globally."""
    query = select(Article)
    if tag is not None:
        query = query.where(Article.tags.any(Tag.name == tag))
    if author is not None:
        query = query.where(Article.author.has(User.username == author))
    if favorited is not None:
        query = query.where(Article.favorited_by.any(User.username == favorited))
    return page(db, query, me, offset, limit)


@router.get("/articles/feed", operation_id="GetArticlesFeed")
def feed(
    request: Request, me: CurrentUser, db: DB, offset: Offset = 0, limit: Limit = 20
) -> schemas.MultipleArticlesResponse:
    """Get recent articles from users you follow."""
    followed = select(follows.c.followed_id).where(follows.c.follower_id == me.id)
    return page(db, select(Article).where(Article.author_id.in_(followed)), me, offset, limit)


@router.post("/articles", status=201, operation_id="CreateArticle")
def create(
    request: Request,
    article: Annotated[schemas.NewArticle, Body(embed=True)],
    me: CurrentUser,
    db: DB,
) -> schemas.SingleArticleResponse:
    """Create an article."""
    new = Article(
        slug=slug_for(db, article.title),
        title=article.title,
        description=article.description,
        body=article.body,
        author=me,
        tags=tags_named(db, article.tag_list),
    )
    db.add(new)
    db.commit()
    return schemas.SingleArticleResponse(article=article_of(new, me))


@router.get("/articles/{slug}", operation_id="GetArticle")
def show(request: Request, slug: str, me: OptionalUser, db: DB) -> schemas.SingleArticleResponse:
    """Get an article."""
    return schemas.SingleArticleResponse(article=article_of(article_with_slug(db, slug), me))


def own_article(db: Session, slug: str, me: User) -> Article:
    article = article_with_slug(db, slug)
    if article.author_id != me.id:
        raise Forbidden("Only its author may change or delete an article")
    return article


@router.put("/articles/{slug}", operation_id="UpdateArticle")
def update(
    request: Request,
    slug: str,
    article: Annotated[schemas.UpdateArticle, Body(embed=True)],
    me: CurrentUser,
    db: DB,
) -> schemas.SingleArticleResponse:
    """Update an article."""
    found = own_article(db, slug, me)
    if article.title is not None and article.title != found.title:
        found.title = article.title
        found.slug = slug_for(db, article.title)
    if article.description is not None:
        found.description = article.description
    if article.body is not None:
        found.body = article.body
    db.commit()
    return schemas.SingleArticleResponse(article=article_of(found, me))


@router.delete("/articles/{slug}", operation_id="DeleteArticle")
def delete(request: Request, slug: str, me: CurrentUser, db: DB) -> None:
    """Delete an article."""
    db.delete(own_article(db, slug, me))
    db.commit()


@favorites_router.post("/articles/{slug}/favorite", operation_id="CreateArticleFavorite")
def favorite(request: Request, slug: str, me: CurrentUser, db: DB) -> schemas.SingleArticleResponse:
    """Favorite an article."""
    article = article_with_slug(db, slug)
    if me not in article.favorited_by:
        article.favorited_by.append(me)
        db.commit()
    return schemas.SingleArticleResponse(article=article_of(article, me))


@favorites_router.delete("/articles/{slug}/favorite", operation_id="DeleteArticleFavorite")
def unfavorite(
    request: Request, slug: str, me: CurrentUser, db: DB
) -> schemas.SingleArticleResponse:
    """Unfavorite an article."""
    article = article_with_slug(db, slug)
    if me in article.favorited_by:
        article.favorited_by.remove(me)
        db.commit()
    return schemas.SingleArticleResponse(article=article_of(article, me))
