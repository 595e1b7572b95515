"""The "What's new" page: the signed-in person's notices, newest first, and "Mark all read";
the unread count for the navigation."""

from __future__ import annotations

from typing import Any

from flask import flash, g, redirect, render_template
from werkzeug.wrappers import Response as BaseResponse

from lti_tool.launch.session import current_actor, lurl
from lti_tool.plans import bp, news


@bp.get("/news")
def whats_new() -> str:
    """Everything that happened on the plans the person takes part in."""
    actor = current_actor()
    items = news.news_for(actor)
    return render_template("plans/news.html", items=items, unread=sum(1 for i in items if i.unread))


@bp.post("/news/read")
def mark_news_read() -> BaseResponse:
    """Mark every notice read."""
    actor = current_actor()
    count = news.mark_all_read(actor)
    flash("Everything is marked read." if count else "Nothing new to mark.", "info")
    return redirect(lurl("plans.whats_new"))


def _news_count() -> int:
    """Unread notices of the signed-in person, asked once per page (one query)."""
    actor = g.get("actor")
    if actor is None:
        return 0
    if "news_count" not in g:
        g.news_count = news.unread_count(actor)
    return int(g.news_count)


@bp.app_context_processor
def inject_news_count() -> dict[str, Any]:
    """``news_count()`` for the navigation of every page."""
    return {"news_count": _news_count}
