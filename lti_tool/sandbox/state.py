"""In-memory state of one sandbox platform instance.

:class:`SandboxState` wraps the seeded :class:`~.data.District` together with
runtime bookkeeping (platform key, OAuth2 access tokens, used ``jti`` values,
fault injection and a bounded request log).  All mutations happen under one
re-entrant lock so the state is safe to use from a threaded werkzeug server.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections import deque
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

from . import flavours, vocab
from .data import (
    ENROLLMENT_STATUSES,
    Course,
    District,
    Enrollment,
    EnrollmentStatus,
    LineItem,
    ResourceLink,
    Result,
    Score,
    User,
    seed_demo_district,
)
from .keys import PlatformKey, sign_jwt

REQUEST_LOG_SIZE = 10_000
ACCESS_TOKEN_TTL = 3600


class SandboxError(Exception):
    """A client error raised by state operations; views turn it into a 4xx response."""

    def __init__(self, message: str, *, status: int = 400, error: str = "invalid_request") -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.error = error


class LoggedRequest(NamedTuple):
    """One entry of :attr:`SandboxState.request_log`."""

    method: str
    path: str
    status: int


@dataclass
class Fault:
    """An injected failure: the next ``remaining`` requests under ``path_prefix`` fail."""

    path_prefix: str
    status: int
    remaining: int
    retry_after: int | None = None

    def to_json(self) -> dict[str, Any]:
        """Serialise for the ``/_sandbox/faults`` endpoints."""
        return {
            "path_prefix": self.path_prefix,
            "status": self.status,
            "count": self.remaining,
            "retry_after": self.retry_after,
        }


@dataclass(frozen=True)
class AccessToken:
    """An OAuth2 bearer token issued by ``/token``."""

    token: str
    client_id: str
    scopes: frozenset[str]
    expires_at: float


class SandboxState:
    """Everything the sandbox platform knows, guarded by :attr:`lock`."""

    def __init__(
        self,
        *,
        base_url: str,
        tool_url: str,
        client_id: str,
        deployment_id: str,
        secret_key: str,
        page_size: int = 100,
        issuer: str | None = None,
        district: District | None = None,
        key: PlatformKey | None = None,
        granted_scopes: Iterable[str] | None = None,
        scope_policy: str = "canvas",
        flavour: str = "sandbox",
    ) -> None:
        self.lock = threading.RLock()
        self.base_url = base_url.rstrip("/")
        self.explicit_issuer = issuer
        self.tool_url = tool_url.rstrip("/")
        self.client_id = client_id
        self.deployment_id = deployment_id
        self.secret_key = secret_key
        self.page_size = page_size
        self.district = district if district is not None else seed_demo_district()
        self.key = key if key is not None else PlatformKey.generate()
        #: Which real LMS the whole platform imitates (courses may override, see
        #: :meth:`flavour_for`); ``sandbox`` keeps the sandbox's own idealised shapes.
        self.flavour = self._checked_flavour(flavour)
        #: The tool's custom fields as configured on the platform (``name -> $Variable``);
        #: ``None`` uses the flavour's default (Canvas: Lodestar's developer-key fields).
        self.custom_fields: dict[str, str] | None = None
        #: Tool JWKS registered directly (tests); when set, no HTTP fetch happens.
        self.tool_jwks: dict[str, Any] | None = None
        #: JWKS last fetched from the tool's JWKS URL.
        self.fetched_tool_jwks: dict[str, Any] | None = None
        self.request_log: deque[LoggedRequest] = deque(maxlen=REQUEST_LOG_SIZE)
        #: One-time LTI Dynamic Registration tokens, and the registrations received.
        self.registration_tokens: set[str] = set()
        self.registrations: list[dict[str, Any]] = []
        #: Which real LMS the registration endpoint imitates: ``"sandbox"`` (the spec's
        #: shape), ``"canvas"``, ``"canvas-no-deployment"`` or ``"moodle"``; see
        #: :mod:`.registration`.
        self.registration_style = "sandbox"
        #: The registration URL the tool's operator gave the LMS admin (None: the bare
        #: ``/lti/register`` of ``tool_url``).
        self.tool_registration_url: str | None = None
        #: What the imitated LMS made of each registration (Canvas: placements and custom
        #: fields of the developer key; Moodle: the pending external tool's settings).
        self.registration_results: list[dict[str, Any]] = []
        self.faults: list[Fault] = []
        self._tokens: dict[str, AccessToken] = {}
        self._used_jtis: dict[str, float] = {}
        self._roster_cache: dict[str, dict[str, list[dict[str, Any]]]] = {}
        #: Submission attempts per (line item id, user id) (Canvas semantics).
        self._attempts: dict[tuple[str, str], int] = {}
        self.granted_scopes: frozenset[str] = vocab.SUPPORTED_SCOPES
        self.scope_policy = "canvas"
        self.set_granted_scopes(
            vocab.SUPPORTED_SCOPES if granted_scopes is None else granted_scopes, scope_policy
        )
        #: Canvas REST (OAuth2 for a person): one-time codes and access tokens, each to
        #: the ``sub`` of the person who signed in (see :mod:`.canvas_rest`).
        self.canvas_codes: dict[str, str] = {}
        self.canvas_tokens: dict[str, str] = {}
        #: Canvas Inbox conversations sent through REST: id, sender sub, recipient subs,
        #: subject and messages (see :mod:`.canvas_rest`).
        self.canvas_conversations: list[dict[str, Any]] = []
        self._synthetic_counter = 0
        self._resource_link_counter = 0
        self._line_item_counter = max(
            (int(i) for items in self.district.line_items.values() for i in items if i.isdigit()),
            default=0,
        )

    # --- URLs ---------------------------------------------------------------

    @property
    def issuer(self) -> str:
        """The ``iss`` of id_tokens: ``SANDBOX_ISSUER`` or the base URL."""
        return self.explicit_issuer or self.base_url

    def url(self, path: str) -> str:
        """Return the absolute public URL of a sandbox ``path``."""
        return self.base_url + path

    @property
    def auth_url(self) -> str:
        """OIDC authorization endpoint."""
        return self.url("/auth")

    @property
    def token_url(self) -> str:
        """OAuth2 token endpoint (also the required ``aud`` of client assertions)."""
        return self.url("/token")

    @property
    def jwks_url(self) -> str:
        """Platform JWKS URL."""
        return self.url("/jwks")

    @property
    def tool_login_url(self) -> str:
        """The tool's OIDC login initiation URL."""
        return self.tool_url + "/lti/login"

    @property
    def tool_launch_url(self) -> str:
        """The tool's registered redirect (launch) URI."""
        return self.tool_url + "/lti/launch"

    @property
    def tool_jwks_url(self) -> str:
        """The tool's JWKS URL."""
        return self.tool_url + "/lti/jwks"

    def memberships_url(self, context_id: str) -> str:
        """NRPS context memberships URL of a course."""
        return self.url(f"/api/lti/courses/{context_id}/memberships")

    def line_items_url(self, context_id: str) -> str:
        """AGS line items container URL of a course."""
        return self.url(f"/api/lti/courses/{context_id}/line_items")

    def line_item_url(self, context_id: str, item_id: str) -> str:
        """AGS URL (and id) of one line item."""
        return f"{self.line_items_url(context_id)}/{item_id}"

    def sign_jwt(self, claims: dict[str, Any], **kwargs: Any) -> str:
        """:func:`~.keys.sign_jwt` defaulting to this platform's key."""
        kwargs.setdefault("key", self.key)
        return sign_jwt(claims, **kwargs)

    # --- Flavours --------------------------------------------------------------

    @staticmethod
    def _checked_flavour(flavour: str) -> str:
        try:
            return flavours.check_flavour(flavour)
        except flavours.FlavourError as exc:
            raise SandboxError(str(exc)) from exc

    def flavour_for(
        self,
        course: Course | None,
        flavour: str | None = None,
        placement: str | None = None,
    ) -> str:
        """The flavour of a launch or NRPS answer: ``flavour`` (per call) if given, else
        ``canvas`` for a ``user_navigation`` placement, else the course's, else the
        platform's."""
        if flavour is not None:
            return self._checked_flavour(flavour)
        if placement == flavours.USER_NAVIGATION:
            return "canvas"
        if course is not None and course.flavour is not None:
            return self._checked_flavour(course.flavour)
        return self.flavour

    @contextmanager
    def configured(
        self, *, flavour: str | None = None, custom_fields: dict[str, str] | None = None
    ) -> Iterator[SandboxState]:
        """Temporarily set the platform :attr:`flavour` and/or :attr:`custom_fields`.

        For tests sharing one sandbox: ``with state.configured(flavour="canvas"): ...``
        restores both settings (and forgets cached rosters) on the way out.
        """
        with self.lock:
            saved = (self.flavour, self.custom_fields)
            if flavour is not None:
                self.flavour = self._checked_flavour(flavour)
            if custom_fields is not None:
                self.custom_fields = dict(custom_fields)
            self._roster_cache.clear()
        try:
            yield self
        finally:
            with self.lock:
                self.flavour, self.custom_fields = saved
                self._roster_cache.clear()

    def set_course_flavour(self, context_id: str, flavour: str | None) -> None:
        """Make one course imitate another LMS (``None``: follow the platform again)."""
        course = self.get_course(context_id)
        with self.lock:
            course.flavour = None if flavour is None else self._checked_flavour(flavour)
            self._roster_cache.pop(context_id, None)

    # --- People and courses ---------------------------------------------------

    def get_user(self, sub: str) -> User:
        """Return a user or raise a 404 :class:`SandboxError`."""
        user = self.district.users.get(sub)
        if user is None:
            raise SandboxError(f"unknown user {sub!r}", status=404, error="not_found")
        return user

    def get_course(self, context_id: str) -> Course:
        """Return a course or raise a 404 :class:`SandboxError`."""
        course = self.district.courses.get(context_id)
        if course is None:
            raise SandboxError(f"unknown course {context_id!r}", status=404, error="not_found")
        return course

    def enrollment(self, context_id: str, sub: str) -> Enrollment | None:
        """Return the enrollment of ``sub`` in a course, if any."""
        return self.district.enrollments.get(context_id, {}).get(sub)

    def mentees(self, parent_sub: str, context_id: str | None = None) -> list[str]:
        """Return the subs a mentor may see, optionally only those enrolled in a course."""
        subs = list(self.district.mentor_links.get(parent_sub, []))
        if context_id is not None:
            roster = self.district.enrollments.get(context_id, {})
            subs = [s for s in subs if s in roster]
        return subs

    def add_synthetic_members(
        self, context_id: str, n: int, *, status: EnrollmentStatus = "Active"
    ) -> list[User]:
        """Enroll ``n`` new synthetic learners (``sbx-synth-000001``...) in a course."""
        self.get_course(context_id)
        created: list[User] = []
        with self.lock:
            roster = self.district.enrollments.setdefault(context_id, {})
            for _ in range(n):
                self._synthetic_counter += 1
                number = self._synthetic_counter
                family = f"S{number:06d}"
                user = User(
                    id=100_000 + number,
                    sub=f"sbx-synth-{number:06d}",
                    name=f"Student {family}",
                    given_name="Student",
                    family_name=family,
                    email=f"student.{family.lower()}@synthetic.example",
                    kind="student",
                    institution_roles=(vocab.INST_STUDENT,),
                )
                self.district.users[user.sub] = user
                roster[user.sub] = Enrollment(context_id, user.sub, (vocab.ROLE_LEARNER,), status)
                created.append(user)
            self._roster_cache.pop(context_id, None)
        return created

    def set_enrollment_status(self, context_id: str, sub: str, status: EnrollmentStatus) -> None:
        """Change an enrollment's status to ``Active``, ``Inactive`` or ``Deleted``."""
        if status not in ENROLLMENT_STATUSES:
            raise SandboxError(f"status must be one of {sorted(ENROLLMENT_STATUSES)}")
        with self.lock:
            enrollment = self.enrollment(context_id, sub)
            if enrollment is None:
                raise SandboxError(
                    f"{sub!r} is not enrolled in {context_id!r}", status=404, error="not_found"
                )
            enrollment.status = status
            self._roster_cache.pop(context_id, None)

    def set_enrollment_roles(self, context_id: str, sub: str, roles: Iterable[str]) -> None:
        """Change the context role URIs of an enrollment (a TA becoming a learner, ...)."""
        with self.lock:
            enrollment = self.enrollment(context_id, sub)
            if enrollment is None:
                raise SandboxError(
                    f"{sub!r} is not enrolled in {context_id!r}", status=404, error="not_found"
                )
            enrollment.roles = tuple(roles)
            self._roster_cache.pop(context_id, None)

    def members(self, context_id: str, flavour: str | None = None) -> list[dict[str, Any]]:
        """Return the NRPS member objects of a course (cached until the roster changes).

        The shape follows :meth:`flavour_for`: Canvas and Moodle list active members only,
        always as ``Active``; Moodle with short role names and without its site admins and
        category managers (who are not enrolled).
        """
        course = self.get_course(context_id)
        name = self.flavour_for(course, flavour)
        with self.lock:
            by_flavour = self._roster_cache.setdefault(context_id, {})
            cached = by_flavour.get(name)
            if cached is None:
                enrollments = self.district.enrollments.get(context_id, {}).values()
                if name == "sandbox":
                    cached = [self._member_json(e) for e in enrollments]
                else:
                    serialise = (
                        flavours.canvas_member if name == "canvas" else flavours.moodle_member
                    )
                    cached = [
                        serialise(self.district.users[e.sub], e)
                        for e in enrollments
                        if e.status == "Active"
                    ]
                by_flavour[name] = cached
            return cached

    def _member_json(self, enrollment: Enrollment) -> dict[str, Any]:
        user = self.district.users[enrollment.sub]
        member: dict[str, Any] = {
            "status": enrollment.status,
            "name": user.name,
            "given_name": user.given_name,
            "family_name": user.family_name,
            "email": user.email,
            "user_id": user.sub,
            "roles": list(enrollment.roles),
        }
        if user.sis_id:
            member["lis_person_sourcedid"] = user.sis_id
        return member

    # --- Resource links ---------------------------------------------------------

    def get_resource_link(self, context_id: str, link_id: str) -> ResourceLink:
        """Return a resource link of a course or raise a 404 :class:`SandboxError`."""
        link = self.district.resource_links.get(context_id, {}).get(link_id)
        if link is None:
            raise SandboxError(f"unknown resource link {link_id!r}", status=404, error="not_found")
        return link

    def add_resource_link(
        self,
        context_id: str,
        *,
        title: str,
        url: str | None = None,
        text: str | None = None,
        custom: dict[str, str] | None = None,
    ) -> ResourceLink:
        """Create a new resource link (placement of the tool) in a course."""
        self.get_course(context_id)
        with self.lock:
            self._resource_link_counter += 1
            link = ResourceLink(
                id=f"sbx-rl-dl-{self._resource_link_counter:04d}",
                context_id=context_id,
                title=title,
                url=url,
                text=text,
                custom=dict(custom or {}),
            )
            self.district.resource_links.setdefault(context_id, {})[link.id] = link
            return link

    # --- Line items, results, scores --------------------------------------------

    def line_items(
        self,
        context_id: str,
        *,
        resource_link_id: str | None = None,
        resource_id: str | None = None,
        tag: str | None = None,
    ) -> list[LineItem]:
        """Return a course's line items, optionally filtered."""
        self.get_course(context_id)
        with self.lock:
            items = list(self.district.line_items.get(context_id, {}).values())
        return [
            item
            for item in items
            if (resource_link_id is None or item.resource_link_id == resource_link_id)
            and (resource_id is None or item.resource_id == resource_id)
            and (tag is None or item.tag == tag)
        ]

    def get_line_item(self, context_id: str, item_id: str) -> LineItem:
        """Return one line item or raise a 404 :class:`SandboxError`."""
        self.get_course(context_id)
        item = self.district.line_items.get(context_id, {}).get(item_id)
        if item is None:
            raise SandboxError(f"unknown line item {item_id!r}", status=404, error="not_found")
        return item

    def create_line_item(self, context_id: str, **fields: Any) -> LineItem:
        """Create a line item; ``fields`` are :class:`~.data.LineItem` attributes."""
        self.get_course(context_id)
        link_id = fields.get("resource_link_id")
        if link_id is not None and link_id not in self.district.resource_links.get(context_id, {}):
            raise SandboxError(f"resourceLinkId {link_id!r} is not a resource link of this course")
        with self.lock:
            self._line_item_counter += 1
            item = LineItem(id=str(self._line_item_counter), context_id=context_id, **fields)
            self.district.line_items.setdefault(context_id, {})[item.id] = item
            self.district.results[item.id] = {}
            self.district.scores[item.id] = []
            return item

    def update_line_item(self, context_id: str, item_id: str, **fields: Any) -> LineItem:
        """Update attributes of an existing line item."""
        with self.lock:
            item = self.get_line_item(context_id, item_id)
            for name, value in fields.items():
                setattr(item, name, value)
            return item

    def delete_line_item(self, context_id: str, item_id: str) -> None:
        """Delete a line item with its results and scores."""
        with self.lock:
            self.get_line_item(context_id, item_id)
            del self.district.line_items[context_id][item_id]
            self.district.results.pop(item_id, None)
            self.district.scores.pop(item_id, None)

    def results(self, item: LineItem, *, user_id: str | None = None) -> list[Result]:
        """Return the results of a line item, optionally for one user."""
        with self.lock:
            by_user = self.district.results.get(item.id, {})
            if user_id is not None:
                result = by_user.get(user_id)
                return [result] if result is not None else []
            return list(by_user.values())

    def record_score(self, item: LineItem, score: Score) -> Result:
        """Store a score and update the user's result.

        Raises a 409 :class:`SandboxError` when the score is older than the last
        one stored for that user (as the AGS spec requires), and a 422 when it would make
        a new submission attempt on a line item with ``allowed_attempts`` and none is left.
        """
        enrollment = self.enrollment(item.context_id, score.user_id)
        if enrollment is None or enrollment.status == "Deleted":
            raise SandboxError(f"userId {score.user_id!r} is not a member of {item.context_id!r}")
        with self.lock:
            by_user = self.district.results.setdefault(item.id, {})
            current = by_user.get(score.user_id)
            if (
                current is not None
                and current.timestamp is not None
                and _ts(score.timestamp) < _ts(current.timestamp)
            ):
                raise SandboxError(
                    "a newer score is already recorded for this user", status=409, error="conflict"
                )
            used = self._attempts.get((item.id, score.user_id), 0)
            # Canvas ScoresController#verify_attempts_for_online_upload: a score that would
            # make a new submission when no attempt is left is refused with 422.
            limit = item.allowed_attempts
            if score.new_submission and limit is not None and limit - used <= 0:
                raise SandboxError(
                    "The maximum number of allowed attempts has been reached for this submission",
                    status=422,
                    error="unprocessable_entity",
                )
            if score.new_submission:
                self._attempts[(item.id, score.user_id)] = used + 1
            self.district.scores.setdefault(item.id, []).append(score)
            result = Result(
                line_item_id=item.id,
                user_id=score.user_id,
                result_score=score.score_given,
                result_maximum=score.score_maximum if score.score_maximum else item.score_maximum,
                comment=score.comment,
                timestamp=score.timestamp,
            )
            by_user[score.user_id] = result
            return result

    def attempts(self, item_id: str, user_id: str) -> int:
        """How many submission attempts scores have made for a user on a line item."""
        with self.lock:
            return self._attempts.get((item_id, user_id), 0)

    def scores(self, item_id: str) -> list[Score]:
        """Return every score posted for a line item, oldest first."""
        with self.lock:
            return list(self.district.scores.get(item_id, []))

    # --- OAuth2 -----------------------------------------------------------------

    def set_granted_scopes(self, scopes: Iterable[str], policy: str | None = None) -> None:
        """Configure which service scopes the tool's registration has (a Canvas developer key
        with only some LTI Advantage scopes ticked), and how ``/token`` answers a request
        naming others (:data:`~.vocab.SCOPE_POLICIES`)."""
        wanted = frozenset(scopes)
        unknown = sorted(wanted - vocab.SUPPORTED_SCOPES)
        if unknown:
            raise SandboxError(f"unsupported scope(s): {' '.join(unknown)}")
        if policy is not None and policy not in vocab.SCOPE_POLICIES:
            raise SandboxError(f"scope policy must be one of {sorted(vocab.SCOPE_POLICIES)}")
        with self.lock:
            self.granted_scopes = wanted
            if policy is not None:
                self.scope_policy = policy

    def issue_access_token(
        self, scopes: Iterable[str], *, ttl: int = ACCESS_TOKEN_TTL
    ) -> AccessToken:
        """Issue a bearer token for the tool with ``scopes``."""
        token = AccessToken(
            token=secrets.token_urlsafe(32),
            client_id=self.client_id,
            scopes=frozenset(scopes),
            expires_at=time.time() + ttl,
        )
        with self.lock:
            self._tokens[token.token] = token
        return token

    def lookup_access_token(self, token: str) -> AccessToken | None:
        """Return a live access token, or ``None`` if unknown or expired."""
        with self.lock:
            found = self._tokens.get(token)
            if found is not None and found.expires_at <= time.time():
                del self._tokens[token]
                return None
            return found

    def revoke_access_tokens(self) -> None:
        """Forget every issued access token (tests: force re-authentication)."""
        with self.lock:
            self._tokens.clear()

    def remember_jti(self, jti: str, expires_at: float) -> bool:
        """Record a client-assertion ``jti``; return ``False`` if it was already used."""
        now = time.time()
        with self.lock:
            if len(self._used_jtis) > 10_000:
                self._used_jtis = {k: v for k, v in self._used_jtis.items() if v > now}
            if jti in self._used_jtis:
                return False
            self._used_jtis[jti] = max(expires_at, now + 60)
            return True

    # --- Faults and request log ---------------------------------------------------

    def inject_fault(
        self, path_prefix: str, status: int, count: int = 1, retry_after: int | None = None
    ) -> Fault:
        """Make the next ``count`` requests whose path starts with ``path_prefix`` fail."""
        if not 400 <= status <= 599:
            raise SandboxError("status must be a 4xx or 5xx code")
        if count < 1:
            raise SandboxError("count must be at least 1")
        fault = Fault(
            path_prefix=path_prefix, status=status, remaining=count, retry_after=retry_after
        )
        with self.lock:
            self.faults.append(fault)
        return fault

    def clear_faults(self) -> None:
        """Remove every pending fault."""
        with self.lock:
            self.faults.clear()

    def consume_fault(self, path: str) -> Fault | None:
        """Return (and use up one count of) the first fault matching ``path``."""
        with self.lock:
            for fault in self.faults:
                if path.startswith(fault.path_prefix):
                    fault.remaining -= 1
                    if fault.remaining <= 0:
                        self.faults.remove(fault)
                    return fault
        return None

    def log_request(self, method: str, path: str, status: int) -> None:
        """Append to the bounded request log."""
        with self.lock:
            self.request_log.append(LoggedRequest(method, path, status))


def _ts(value: str) -> float:
    """Parse an ISO 8601 timestamp to epoch seconds (``Z`` allowed)."""
    return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
