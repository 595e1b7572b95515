"""LTI Advantage services: Names and Role Provisioning (NRPS) and Assignment and Grade (AGS).

Our own client rather than pylti1p3's: pylti1p3 2.0.0 reads one page of results only and
keeps tokens per object. This one follows every ``Link: <...>; rel="next"`` (the URL is used
exactly as sent), caps the number of pages, reuses cached service tokens, retries once with
a fresh token on 401, and turns every failure into ``LmsApiError``.

Specs: NRPS 2.0 https://www.imsglobal.org/spec/lti-nrps/v2p0 ,
AGS 2.0 https://www.imsglobal.org/spec/lti-ags/v2p0 .
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import requests
from requests.utils import parse_header_links

from lti_tool.errors import LmsApiError
from lti_tool.grades import tokens
from lti_tool.grades.types import LmsAssignment, LmsScore, RosterMember
from lti_tool.http import get_session
from lti_tool.lti_vocab import (
    AGS_LINEITEM,
    AGS_LINEITEM_READONLY,
    AGS_RESULT,
    AGS_SCORE,
    CANVAS_SUBMISSION_EXT,
    LINEITEM_MEDIA,
    LINEITEMS_MEDIA,
    NRPS_MEDIA,
    NRPS_SCOPE,
    RESULTS_MEDIA,
    SCORE_MEDIA,
)
from lti_tool.models import LmsKind, Platform
from lti_tool.parse import finite_float, str_or_none, utc_datetime
from lti_tool.retry import retryable_status

#: "Don't make requests forever": at 100 per page this is 50,000 members.
MAX_PAGES = 500


@dataclass(frozen=True)
class SubmissionInfo:
    """What a score says about the student's submission, for platforms that read it.

    Canvas's scores controller (``Lti::IMS::ScoresController``) makes *every* score a new
    submission attempt unless the extension says ``new_submission: false`` (or
    ``submission_type: none``), and answers 422 ("The maximum number of allowed attempts has
    been reached") on an assignment whose attempts are used up. ``submitted_at`` dates a new
    attempt (no more than a minute ahead). ``prioritize_non_tool_grade`` keeps a grade that
    is already on the submission (a teacher's override) instead of overwriting it.
    """

    new_submission: bool = True
    submitted_at: dt.datetime | None = None
    submission_type: str = "external_tool"
    prioritize_non_tool_grade: bool = False

    def canvas_extension(self) -> dict[str, Any]:
        """The ``https://canvas.instructure.com/lti/submission`` object."""
        ext: dict[str, Any] = {
            "new_submission": self.new_submission,
            "submission_type": self.submission_type,
        }
        if self.prioritize_non_tool_grade:
            ext["prioritize_non_tool_grade"] = True
        if self.new_submission and self.submitted_at is not None:
            ext["submitted_at"] = self.submitted_at.isoformat()
        return ext


def next_link(response: requests.Response) -> str | None:
    """The ``rel="next"`` URL of a ``Link`` header, exactly as sent (relation names are
    case-insensitive per RFC 8288; the URL is not touched)."""
    header = response.headers.get("Link")
    if not header:
        return None
    for link in parse_header_links(header):
        rels = str(link.get("rel", "")).lower().split()
        if "next" in rels and link.get("url"):
            return str(link["url"])
    return None


def results_url(line_item_url: str) -> str:
    """``{line item}/results``, keeping any query string the platform put on the item URL."""
    parts = urlsplit(line_item_url)
    return urlunsplit(parts._replace(path=parts.path.rstrip("/") + "/results"))


def scores_url(line_item_url: str) -> str:
    """``{line item}/scores``, keeping any query string."""
    parts = urlsplit(line_item_url)
    return urlunsplit(parts._replace(path=parts.path.rstrip("/") + "/scores"))


class LtiServiceClient:
    """Calls NRPS and AGS endpoints of one platform with its service tokens."""

    def __init__(self, platform: Platform, *, max_pages: int = MAX_PAGES) -> None:
        self.platform = platform
        self.max_pages = max_pages
        self.session = get_session()

    # -- transport ----------------------------------------------------------------------

    def _request(
        self, method: str, url: str, scopes: Sequence[str], *, accept: str, **kwargs: Any
    ) -> requests.Response:
        """One call with a token for ``scopes``: any one of them suffices for the endpoint,
        and the token carries whichever the platform granted (see ``tokens``)."""
        extra_headers = kwargs.pop("headers", {})
        for attempt in (1, 2):
            grant = tokens.service_grant(self.platform, scopes)
            headers = {"Authorization": f"Bearer {grant.token}", "Accept": accept, **extra_headers}
            try:
                response = self.session.request(method, url, headers=headers, **kwargs)
            except requests.RequestException as err:
                raise LmsApiError(
                    f"Could not reach {self.platform.name}.",
                    retryable=True,
                    url=url,
                    detail=str(err),
                ) from err
            if response.status_code == 401 and attempt == 1:
                tokens.forget_token(self.platform, grant.scopes)  # expired early or revoked
                continue
            if response.status_code >= 400:
                raise LmsApiError(
                    f"{self.platform.name} answered {response.status_code} to {method} "
                    f"{urlsplit(url).path}.",
                    upstream_status=response.status_code,
                    retryable=retryable_status(response.status_code),
                    url=url,
                    detail=response.text[:500],
                )
            return response
        raise AssertionError("unreachable")  # pragma: no cover

    def _pages(
        self, url: str, scopes: Sequence[str], accept: str, params: dict[str, Any] | None = None
    ) -> Iterator[tuple[Any, requests.Response]]:
        next_url: str | None = url
        first = True
        for _ in range(self.max_pages):
            if next_url is None:
                return
            response = self._request(
                "GET", next_url, scopes, accept=accept, params=params if first else None
            )
            first = False
            try:
                body = response.json()
            except ValueError as err:
                raise LmsApiError(
                    f"{self.platform.name} sent a page that is not JSON.",
                    upstream_status=response.status_code,
                    url=next_url,
                ) from err
            yield body, response
            next_url = next_link(response)
        if next_url is not None:
            raise LmsApiError(
                f"{self.platform.name} kept sending pages past {self.max_pages}; stopped.", url=url
            )

    # -- NRPS ---------------------------------------------------------------------------

    def member_pages(
        self, memberships_url: str, *, limit: int | None = None
    ) -> Iterator[list[RosterMember]]:
        """Yield the course roster one page at a time."""
        params = {"limit": limit} if limit else None
        for body, _ in self._pages(memberships_url, [NRPS_SCOPE], NRPS_MEDIA, params):
            members = body.get("members") if isinstance(body, dict) else None
            if not isinstance(members, list):
                raise LmsApiError(
                    f"{self.platform.name} sent a roster page without members.", url=memberships_url
                )
            yield [self._member(m) for m in members if isinstance(m, dict) and m.get("user_id")]

    @staticmethod
    def _member(data: dict[str, Any]) -> RosterMember:
        name = data.get("name") or " ".join(
            p for p in (data.get("given_name"), data.get("family_name")) if p
        )
        return RosterMember(
            user_id=str(data["user_id"]),
            name=str(name or ""),
            given_name=data.get("given_name"),
            family_name=data.get("family_name"),
            email=data.get("email"),
            roles=tuple(str(r) for r in data.get("roles") or ()),
            status=str(data.get("status") or "Active"),
            # Canvas sends the SIS user id here: never the LMS's own user id.
            sis_id=str(data["lis_person_sourcedid"]) if data.get("lis_person_sourcedid") else None,
        )

    # -- AGS ----------------------------------------------------------------------------

    def line_items(self, line_items_url: str) -> list[LmsAssignment]:
        """Every line item of the course (all pages)."""
        items: list[LmsAssignment] = []
        for body, _ in self._pages(
            line_items_url, [AGS_LINEITEM_READONLY, AGS_LINEITEM], LINEITEMS_MEDIA
        ):
            if not isinstance(body, list):
                raise LmsApiError(
                    f"{self.platform.name} sent line items that are not a list.", url=line_items_url
                )
            items.extend(
                LmsAssignment(
                    external_id=str(item["id"]),
                    title=str(item.get("label") or ""),
                    source="ags",
                    score_maximum=finite_float(item.get("scoreMaximum")),
                    due_at=utc_datetime(item.get("endDateTime")),
                    resource_link_id=str_or_none(item.get("resourceLinkId")),
                    tag=str_or_none(item.get("tag")),
                )
                for item in body
                if isinstance(item, dict) and item.get("id")
            )
        return items

    def results(self, line_item_url: str) -> list[LmsScore]:
        """Every result of one line item (all pages)."""
        scores: list[LmsScore] = []
        for body, _ in self._pages(results_url(line_item_url), [AGS_RESULT], RESULTS_MEDIA):
            if not isinstance(body, list):
                raise LmsApiError(
                    f"{self.platform.name} sent results that are not a list.", url=line_item_url
                )
            for result in body:
                if not isinstance(result, dict) or not result.get("userId"):
                    continue
                score = finite_float(result.get("resultScore"))
                scores.append(
                    LmsScore(
                        assignment_external_id=line_item_url,
                        user_id=str(result["userId"]),
                        score=score,
                        score_maximum=finite_float(result.get("resultMaximum")),
                        comment=str_or_none(result.get("comment")),
                        state="graded" if score is not None else None,
                    )
                )
        return scores

    def post_score(
        self,
        line_item_url: str,
        *,
        user_id: str,
        score_given: float | None,
        score_maximum: float,
        activity_progress: str = "Completed",
        grading_progress: str = "FullyGraded",
        comment: str | None = None,
        timestamp: dt.datetime | None = None,
        submission: SubmissionInfo | None = None,
    ) -> None:
        """Send a score for one user (AGS score service).

        ``submission`` is sent to Canvas as its submission extension (and
        ``submission.submittedAt`` for a new attempt); other platforms do not get it.
        """
        body: dict[str, Any] = {
            "userId": user_id,
            "scoreMaximum": score_maximum,
            "activityProgress": activity_progress,
            "gradingProgress": grading_progress,
            # AGS 2.0: ISO 8601 "with a sub-second precision"; isoformat() alone drops the
            # fraction when the microseconds happen to be 0.
            "timestamp": (timestamp or dt.datetime.now(dt.UTC)).isoformat(timespec="microseconds"),
        }
        if score_given is not None:
            body["scoreGiven"] = score_given
        if comment:
            body["comment"] = comment
        if submission is not None and self.platform.lms == LmsKind.CANVAS:
            body[CANVAS_SUBMISSION_EXT] = submission.canvas_extension()
            if submission.new_submission and submission.submitted_at is not None:
                body["submission"] = {"submittedAt": submission.submitted_at.isoformat()}
        self._request(
            "POST",
            scores_url(line_item_url),
            [AGS_SCORE],
            accept="application/json",
            json=body,
            headers={"Content-Type": SCORE_MEDIA},
        )

    def update_line_item(
        self,
        line_item_url: str,
        *,
        label: str,
        score_maximum: float,
        resource_id: str | None = None,
        tag: str | None = None,
        resource_link_id: str | None = None,
        end_date_time: dt.datetime | None = None,
    ) -> None:
        """Replace a line item's label, maximum, ids and due date (AGS 2.0, 3.2 "Updating a
        line item": PUT of the whole line item; ``endDateTime`` is the due date, which
        Canvas shows as the assignment's)."""
        body: dict[str, Any] = {
            "id": line_item_url,
            "label": label,
            "scoreMaximum": score_maximum,
        }
        optional = {"resourceId": resource_id, "tag": tag, "resourceLinkId": resource_link_id}
        body.update({k: v for k, v in optional.items() if v})
        if end_date_time is not None:
            body["endDateTime"] = end_date_time.astimezone(dt.UTC).isoformat(timespec="seconds")
        self._request(
            "PUT",
            line_item_url,
            [AGS_LINEITEM],
            accept=LINEITEM_MEDIA,
            json=body,
            headers={"Content-Type": LINEITEM_MEDIA},
        )
