"""Canvas and Schoology REST: per-tenant API settings, personal Canvas tokens, REST syncs.

LTI Advantage (NRPS/AGS) only sees line items the tool owns. To attach *any* Canvas
assignment as evidence, read submissions with their files, and show a student's grades
across courses, Lodestar also calls the LMS REST APIs:

* **Canvas** with the person's own OAuth2 token (Canvas developer API key flow), so Canvas
  itself enforces what each teacher or student may read.
* **Schoology** with the district's API consumer key (two-legged OAuth 1.0a).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from lti_tool import crypto, hygiene
from lti_tool.db import utcnow
from lti_tool.errors import InvalidInput, LaunchRequired, NotAuthorized, NotFound, SyncError
from lti_tool.extensions import db
from lti_tool.grades import canvas_oauth, schoology
from lti_tool.grades.canvas import CanvasClient
from lti_tool.grades.models import LmsCredential, PlatformApiKey, TranscriptEntry
from lti_tool.grades.schoology import SchoologyClient
from lti_tool.http import get_session
from lti_tool.models import (
    Course,
    Enrollment,
    EnrollmentStatus,
    LmsKind,
    Person,
    Platform,
    Role,
)
from lti_tool.store import get_store
from lti_tool.tenants import tenant_platform, tenant_platforms

SECRET_PURPOSE = "platform-api-secret"  # noqa: S105 - a key-derivation label
TOKEN_PURPOSE = "lms-api-token"  # noqa: S105 - a key-derivation label
STATE_TTL = 600


# -- tenant settings ----------------------------------------------------------------------


def configure_canvas(
    platform: Platform, *, base_url: str, client_id: str, client_secret: str
) -> None:
    """Store a tenant's Canvas API developer key (secret encrypted).

    :raises InvalidInput: for a malformed URL.
    """
    if hygiene.http_url(base_url) is None:
        raise InvalidInput("The Canvas URL must start with https://")
    platform.settings = {**(platform.settings or {}), "canvas_api_url": base_url.rstrip("/")}
    _save_api_key(platform, LmsKind.CANVAS, client_id, client_secret)
    db.session.commit()


def configure_schoology(
    platform: Platform,
    *,
    consumer_key: str,
    consumer_secret: str,
    timezone: str | None = None,
    base_url: str = "https://api.schoology.com/v1",
    user_match: str | None = None,
) -> None:
    """Store a tenant's Schoology API consumer key (secret encrypted) and, when given, how
    Schoology users are matched to people (:class:`~lti_tool.grades.schoology.UserMatch`;
    unchanged when ``None``, the default until set).

    :raises InvalidInput: for an unknown user mapping.
    """
    settings = {
        **(platform.settings or {}),
        "schoology_timezone": timezone,
        "schoology_api_url": base_url,
    }
    if user_match is not None:
        try:
            settings[schoology.USER_MATCH_SETTING] = str(schoology.UserMatch(user_match))
        except ValueError as err:
            raise InvalidInput(
                "The Schoology user mapping must be one of "
                + ", ".join(m.value for m in schoology.UserMatch)
            ) from err
    platform.settings = settings
    _save_api_key(platform, LmsKind.SCHOOLOGY, consumer_key, consumer_secret)
    db.session.commit()


def _save_api_key(platform: Platform, kind: LmsKind, key_id: str, secret: str) -> None:
    key = api_key(platform, kind)
    if key is None:
        key = PlatformApiKey(platform_id=platform.id, kind=kind)
        db.session.add(key)
    key.key_id = key_id
    key.secret_encrypted = crypto.encrypt(secret, SECRET_PURPOSE)


def api_key(platform: Platform, kind: LmsKind) -> PlatformApiKey | None:
    """The registration's key for the ``kind`` REST API, or None when not configured."""
    return db.session.execute(
        select(PlatformApiKey).where(
            PlatformApiKey.platform_id == platform.id, PlatformApiKey.kind == kind
        )
    ).scalar_one_or_none()


def _keyed_platform(tenant_id: int, kind: LmsKind) -> Platform | None:
    """The tenant's oldest active registration that holds a ``kind`` REST API key."""
    for platform in tenant_platforms(tenant_id):
        if api_key(platform, kind) is not None:
            return platform
    return None


def rest_options(person_id: int, tenant_id: int) -> dict[str, bool]:
    """Which REST syncs the class page may offer this person."""
    platform = tenant_platform(tenant_id)
    return {
        "canvas": platform is not None and api_key(platform, LmsKind.CANVAS) is not None,
        "canvas_connected": has_canvas_token(person_id),
        "schoology": platform is not None and api_key(platform, LmsKind.SCHOOLOGY) is not None,
    }


def canvas_config(platform: Platform) -> canvas_oauth.CanvasOAuthConfig | None:
    """The tenant's Canvas developer key, or None when not configured."""
    key = api_key(platform, LmsKind.CANVAS)
    if key is None:
        return None
    return canvas_oauth.CanvasOAuthConfig(
        base_url=(platform.settings or {})["canvas_api_url"],
        client_id=key.key_id,
        client_secret=crypto.decrypt(key.secret_encrypted, SECRET_PURPOSE),
    )


def schoology_client(platform: Platform) -> SchoologyClient | None:
    """A Schoology REST client for the tenant, or None when not configured."""
    key = api_key(platform, LmsKind.SCHOOLOGY)
    if key is None:
        return None
    settings = platform.settings or {}
    return SchoologyClient(
        key.key_id,
        crypto.decrypt(key.secret_encrypted, SECRET_PURPOSE),
        base_url=settings.get("schoology_api_url") or "https://api.schoology.com/v1",
        school_timezone=settings.get("schoology_timezone") or None,
        session=get_session(),
        max_retries=get_session().retry.retries,
        match=schoology.user_match(settings),
    )


# -- Canvas OAuth2 ------------------------------------------------------------------------


def browser_binding(state: str) -> str:
    """The value of the cookie that ties an OAuth ``state`` to the browser that asked."""
    import hashlib

    return hashlib.sha256(("lodestar-canvas-oauth:" + state).encode()).hexdigest()


def canvas_connect_url(person: Person, *, redirect_uri: str) -> tuple[str, str]:
    """Where to send a person to authorise Lodestar in Canvas (opened in a new tab), and the
    ``state`` the browser must present again at the callback (see ``browser_binding``).

    :raises SyncError: when the tenant has no Canvas API key configured.
    """
    platform = _keyed_platform(person.tenant_id, LmsKind.CANVAS)
    config = canvas_config(platform) if platform else None
    if config is None:
        raise SyncError(
            "Canvas API access is not set up for this school yet; ask your Lodestar administrator.",
            status_code=409,
        )
    state = secrets.token_urlsafe(24)
    get_store().set(
        f"canvas-oauth:{state}", {"person_id": person.id, "tenant_id": person.tenant_id}, STATE_TTL
    )
    return canvas_oauth.authorize_url(config, redirect_uri=redirect_uri, state=state), state


@dataclass(frozen=True)
class ConnectResult:
    """How the Canvas connection ended."""

    person_id: int | None
    connected: bool
    message: str = ""


def canvas_callback(
    *, state: str, code: str | None, error: str | None, redirect_uri: str, binding: str | None
) -> ConnectResult:
    """Finish the OAuth2 flow: check state (single use, and issued to *this* browser),
    exchange the code, store the tokens.

    :raises LaunchRequired: for an unknown, reused or foreign state.
    :raises NotAuthorized: when the Canvas account is not the person's own.
    :raises LmsApiError: when Canvas refuses the code.
    """
    import hmac

    if not state or not binding or not hmac.compare_digest(binding, browser_binding(state)):
        # A link started in someone else's browser: connecting it would give *them* this
        # person's Canvas data.
        raise LaunchRequired(
            "This Canvas sign-in was not started in this browser. Start again from Lodestar."
        )
    pending = get_store().pop(f"canvas-oauth:{state}")
    if not pending:
        raise LaunchRequired("This Canvas sign-in link has expired. Start again from Lodestar.")
    if error or not code:
        return ConnectResult(
            person_id=pending["person_id"],
            connected=False,
            message="Canvas access was not granted, so Lodestar will not "
            "read your Canvas data. You can connect any time.",
        )
    person = db.session.get(Person, pending["person_id"])
    platform = _keyed_platform(int(pending["tenant_id"]), LmsKind.CANVAS)
    config = canvas_config(platform) if platform else None
    if person is None or config is None:
        raise NotFound()
    token = canvas_oauth.exchange_code(
        config, code, redirect_uri=redirect_uri, session=get_session()
    )
    if person.lms_user_id and token.canvas_user_id and person.lms_user_id != token.canvas_user_id:
        raise NotAuthorized(
            "The Canvas account you signed in with is not the one you use in "
            "this course. Sign in to Canvas as yourself and try again."
        )
    _save_token(person, token)
    return ConnectResult(person_id=person.id, connected=True)


def _save_token(person: Person, token: canvas_oauth.CanvasToken) -> LmsCredential:
    credential = db.session.execute(
        select(LmsCredential).where(
            LmsCredential.person_id == person.id, LmsCredential.kind == LmsKind.CANVAS
        )
    ).scalar_one_or_none()
    if credential is None:
        credential = LmsCredential(
            tenant_id=person.tenant_id,
            person_id=person.id,
            kind=LmsKind.CANVAS,
            access_token_encrypted="",
        )
        db.session.add(credential)
    credential.access_token_encrypted = crypto.encrypt(token.access_token, TOKEN_PURPOSE)
    credential.refresh_token_encrypted = (
        crypto.encrypt(token.refresh_token, TOKEN_PURPOSE) if token.refresh_token else None
    )
    credential.expires_at = token.expires_at
    credential.lms_user_id = token.canvas_user_id or credential.lms_user_id
    if token.canvas_user_id and not person.lms_user_id:
        person.lms_user_id = token.canvas_user_id
    db.session.commit()
    return credential


def has_canvas_token(person_id: int) -> bool:
    """Whether the person connected their Canvas account."""
    return (
        db.session.execute(
            select(LmsCredential.id).where(
                LmsCredential.person_id == person_id, LmsCredential.kind == LmsKind.CANVAS
            )
        ).first()
        is not None
    )


def canvas_client_for(person_id: int) -> CanvasClient:
    """A Canvas client with the person's token, refreshed when about to expire.

    :raises SyncError: when the person has not connected Canvas or no key is configured.
    """
    credential = db.session.execute(
        select(LmsCredential).where(
            LmsCredential.person_id == person_id, LmsCredential.kind == LmsKind.CANVAS
        )
    ).scalar_one_or_none()
    platform = _keyed_platform(credential.tenant_id, LmsKind.CANVAS) if credential else None
    config = canvas_config(platform) if platform else None
    if credential is None or config is None:
        raise SyncError(
            "Connect your Canvas account first (Lodestar needs your permission "
            "to read assignments and submissions).",
            status_code=409,
        )
    token = canvas_oauth.CanvasToken(
        access_token=crypto.decrypt(credential.access_token_encrypted, TOKEN_PURPOSE),
        refresh_token=(
            crypto.decrypt(credential.refresh_token_encrypted, TOKEN_PURPOSE)
            if credential.refresh_token_encrypted
            else None
        ),
        expires_at=credential.expires_at,
        canvas_user_id=credential.lms_user_id,
    )
    if token.expires_within(300) and token.refresh_token:
        person = db.session.get(Person, person_id)
        assert person is not None
        token = canvas_oauth.refresh_token(config, token, session=get_session())
        _save_token(person, token)
    return CanvasClient(
        config.base_url,
        token.access_token,
        session=get_session(),
        max_retries=get_session().retry.retries,
    )


# -- REST syncs ---------------------------------------------------------------------------


def canvas_course_data(course: Course, person_id: int) -> tuple[list[Any], list[Any]]:
    """Assignments and submissions of a Canvas course, read with the person's token.

    :raises SyncError: when the course has no Canvas id (the launch lacked the custom field).
    """
    if not course.lms_course_id:
        raise SyncError(
            "This course has no Canvas course id: add the custom field "
            "lms_course_id=$Canvas.course.id to the developer key.",
            status_code=409,
        )
    client = canvas_client_for(person_id)
    return (
        client.list_assignments(course.lms_course_id),
        client.list_submissions(course.lms_course_id),
    )


def schoology_course_data(course: Course) -> tuple[list[Any], list[Any]]:
    """Assignments and grades of a Schoology section with the district's API key."""
    platform = _keyed_platform(course.tenant_id, LmsKind.SCHOOLOGY)
    client = schoology_client(platform) if platform else None
    if client is None:
        raise SyncError("Schoology API access is not set up for this school yet.", status_code=409)
    section_id = course.lms_course_id or course.context_id
    members = client.list_section_enrollments(section_id)  # fills the enrollment -> user map
    check_schoology_user_match(course, client.match, members)
    return client.list_assignments(section_id), client.list_grades(section_id)


def check_schoology_user_match(
    course: Course, match: schoology.UserMatch, members: list[Any]
) -> None:
    """Stop with a clear message when students have launched Lodestar from the section but
    none of them matches a Schoology enrollment under the platform's user mapping (every
    grade would match nobody). Students who never launched are not expected to match.

    :raises SyncError: naming what is wrong: no ``lms_user_id`` in the launches, a value
        Schoology did not substitute (e.g. ``[uid]``), or values that match nobody.
    """
    rest = {
        m.user_id if match is schoology.UserMatch.SUB else m.lms_user_id
        for m in members
        if schoology.ROLE_LEARNER in m.roles
    }
    rest.discard(None)
    launched = db.session.execute(
        select(Person.sub, Person.lms_user_id)
        .join(Enrollment, Enrollment.person_id == Person.id)
        .where(
            Enrollment.course_id == course.id,
            Enrollment.role == Role.STUDENT,
            Enrollment.status == EnrollmentStatus.ACTIVE,
            Person.last_launch_at.is_not(None),
        )
    ).all()
    if not rest or not launched:
        return
    ours = [
        sub if match is schoology.UserMatch.SUB else lms_user_id for sub, lms_user_id in launched
    ]
    if rest & {v for v in ours if v}:
        return
    where = (
        "Set it with: ilp platforms schoology-api --user-match (see the Schoology "
        "section of Lodestar's README)."
    )
    if not any(ours):
        raise SyncError(
            f"Lodestar cannot tell which Schoology user is which: the Schoology user mapping "
            f"is '{match}', which needs the custom parameter lms_user_id in every launch, and "
            f"the launches of this section's students carried none. {where}",
            status_code=409,
        )
    literal = next((v for v in ours if v and _unexpanded(v)), None)
    if literal is not None:
        raise SyncError(
            f"Schoology sent the custom parameter lms_user_id as the text {literal!r}: it did "
            f"not substitute it, so Lodestar cannot tell which Schoology user is which. Use a "
            f"value Schoology fills in, or another user mapping. {where}",
            status_code=409,
        )
    raise SyncError(
        f"None of the {len(launched)} students who opened Lodestar from this section matches "
        f"a Schoology enrollment with the Schoology user mapping '{match}'. {where}",
        status_code=409,
    )


def _unexpanded(value: str) -> bool:
    """A substitution variable sent as written (``[uid]``, ``$User.id``, ``{{uid}}``)."""
    return value.startswith(("$", "[", "{")) or value.endswith(("]", "}"))


def store_transcript(person: Person, source: str, entries: list[Any]) -> int:
    """Upsert a student's course grades; returns how many rows changed or were added."""
    existing = {
        e.lms_course_id: e
        for e in db.session.execute(
            select(TranscriptEntry).where(
                TranscriptEntry.person_id == person.id, TranscriptEntry.source == source
            )
        ).scalars()
    }
    now = utcnow()
    changed = 0
    for item in entries:
        row = existing.get(item.lms_course_id)
        if row is None:
            row = TranscriptEntry(
                tenant_id=person.tenant_id,
                person_id=person.id,
                source=source,
                lms_course_id=item.lms_course_id,
            )
            db.session.add(row)
            existing[item.lms_course_id] = row
            changed += 1
        elif (row.current_score, row.final_score, row.current_grade) != (
            item.current_score,
            item.final_score,
            item.current_grade,
        ):
            changed += 1
        row.course_name, row.term, row.state = item.course_name, item.term, item.state
        row.current_score, row.final_score = item.current_score, item.final_score
        row.current_grade, row.final_grade = item.current_grade, item.final_grade
        row.last_synced_at = now
    db.session.commit()
    return changed
