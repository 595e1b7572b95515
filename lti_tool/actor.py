"""Who is making this request, as a plain value: the ``Actor`` a session record stands for.

Launch opens the session and puts the ``Actor`` on ``g``; the policy and every feature read
it. It lives below them all so that the policy never imports launch.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from lti_tool import session_records as records
from lti_tool.models import Role, UserSession


@dataclass(frozen=True)
class Actor:
    """The person behind the current request, as established by their latest launch."""

    tenant_id: int
    person_id: int
    course_id: int | None
    roles: frozenset[Role] = field(default_factory=frozenset)
    launch_id: str | None = None

    @classmethod
    def of(cls, record: UserSession) -> Actor:
        """The actor a session record stands for."""
        return cls(
            tenant_id=record.tenant_id,
            person_id=record.person_id,
            course_id=record.course_id,
            roles=records.roles_of(record),
            launch_id=record.launch_id,
        )
