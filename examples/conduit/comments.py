"""Comments on an article: ``/articles/{slug}/comments[/{id}]``."""

from __future__ import annotations

from typing import Annotated

from sqlalchemy import select

from examples.conduit import schemas
from examples.conduit.articles import article_with_slug
from examples.conduit.auth import CurrentUser, OptionalUser
from examples.conduit.database import DB
from examples.conduit.models import Comment, User
from examples.conduit.profiles import profile_of
from roob import Body, Forbidden, NotFound, Request, Router

router = Router(name="comments", tags=["Comments"])


def comment_of(comment: Comment, viewer: User | None) -> schemas.Comment:
    return schemas.Comment(
        id=comment.id,
        created_at=comment.created_at,
        updated_at=comment.updated_at,
        body=comment.body,
        author=profile_of(comment.author, viewer),
    )


@router.get("/articles/{slug}/comments", operation_id="GetArticleComments")
def listing(
    request: Request, slug: str, me: OptionalUser, db: DB
) -> schemas.MultipleCommentsResponse:
    """Get the comments for an article."""
    article = article_with_slug(db, slug)
    comments = db.scalars(
        select(Comment).where(Comment.article_id == article.id).order_by(Comment.id)
    )
    return schemas.MultipleCommentsResponse(
        comments=[comment_of(comment, me) for comment in comments]
    )


@router.post("/articles/{slug}/comments", operation_id="CreateArticleComment")
def create(
    request: Request,
    slug: str,
    comment: Annotated[schemas.NewComment, Body(embed=True)],
    me: CurrentUser,
    db: DB,
) -> schemas.SingleCommentResponse:
    """Create a comment for an article (RealWorld's spec answers it with 200)."""
    new = Comment(body=comment.body, article=article_with_slug(db, slug), author=me)
    db.add(new)
    db.commit()
    return schemas.SingleCommentResponse(comment=comment_of(new, me))


@router.delete("/articles/{slug}/comments/{id:int}", operation_id="DeleteArticleComment")
def delete(request: Request, slug: str, id: int, me: CurrentUser, db: DB) -> None:
    """Delete a comment for an article."""
    article = article_with_slug(db, slug)
    comment = db.get(Comment, id)
    if comment is None or comment.article_id != article.id:
        raise NotFound(f"There is no comment {id} on the article {slug!r}")
    if comment.author_id != me.id:
        raise Forbidden("Only its author may delete a comment")
    db.delete(comment)
    db.commit()
