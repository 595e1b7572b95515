"""Access declared on the view, decided by the policy.

A view says which action it needs and which records of the URL it acts on::

    @bp.get("/courses/<int:course_id>")
    @requires(Action.VIEW_CLASS, course=Course)
    def class_page(actor: Actor, course: Course) -> str: ...

``requires`` takes the current actor (a live session, or ``LaunchRequired``), loads each
record named within the actor's tenant (a record of another tenant is ``NotFound``, like a
missing one), asks ``policy.require`` and calls the view with the records, and with ``actor``
when the view has a parameter of that name:

* ``course=Course`` reads the URL's ``course_id``; ``student=(Person, "person_id")`` names
  the URL parameter;
* ``me="person"`` passes the actor's own ``Person`` (as ``person``) and checks against it;
* ``check`` says what the policy is asked about when it is not the one record (a pair, or
  the owner of a piece of evidence).

Templates ask the same policy with ``can(action, resource)``, or ``can_each`` for several
answers in one query.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any, ParamSpec, TypeVar

from flask import g

from lti_tool import policy
from lti_tool.actor import Actor
from lti_tool.errors import NotFound
from lti_tool.launch.session import current_actor, current_person
from lti_tool.models import Course
from lti_tool.policy import Action
from lti_tool.tenants import in_tenant

P = ParamSpec("P")
T = TypeVar("T")


def requires(
    action: Action,
    *,
    me: str | None = None,
    check: Callable[..., Any] | None = None,
    **records: type[Any] | tuple[type[Any], str],
) -> Callable[[Callable[..., T]], Callable[..., T]]:
    """Declare that a view needs ``action`` on the records it names (see the module)."""

    def decorate(view: Callable[..., T]) -> Callable[..., T]:
        wants_actor = "actor" in inspect.signature(view).parameters

        @functools.wraps(view)
        def wrapped(**kwargs: Any) -> T:
            actor = current_actor()
            loaded: dict[str, Any] = {}
            if me is not None:
                loaded[me] = current_person()
            for name, spec in records.items():
                model, param = spec if isinstance(spec, tuple) else (spec, f"{name}_id")
                loaded[name] = in_tenant(model, kwargs.pop(param), actor.tenant_id)
            policy.require(actor, action, _resource(loaded, check))
            if wants_actor:
                kwargs["actor"] = actor
            return view(**kwargs, **loaded)

        return wrapped

    return decorate


def _resource(loaded: dict[str, Any], check: Callable[..., Any] | None) -> Any:
    if check is not None:
        return check(**loaded)
    if not loaded:
        return None
    if len(loaded) == 1:
        return next(iter(loaded.values()))
    raise TypeError("a view naming several records says what is checked (check=...)")


def can(action: Action | str, resource: Any = None) -> bool:
    """For templates: whether this request's actor may do ``action`` on ``resource``.

    Without a session, nobody may do anything. An unknown action name is a programming error
    and raises ``ValueError``.
    """
    actor: Actor | None = g.get("actor")
    if actor is None:
        return False
    return policy.allowed(actor, Action(action), resource)


def can_each(**checks: tuple[Action | str, Any] | Action | str) -> dict[str, bool]:
    """For templates: several ``can`` at once, in one query (the navigation's links)::

    {% set allow = can_each(plan=('edit_plan', me), caseload='review_caseload') %}
    """
    actor: Actor | None = g.get("actor")
    asked = [
        (Action(c[0]), c[1]) if isinstance(c, tuple) else (Action(c), None) for c in checks.values()
    ]
    answers = policy.allowed_each(actor, asked) if actor is not None else [False] * len(asked)
    return dict(zip(checks, answers, strict=True))


def launch_course() -> Course | None:
    """For templates: the course this session was launched from (of the actor's tenant)."""
    actor: Actor | None = g.get("actor")
    if actor is None or actor.course_id is None:
        return None
    try:
        return in_tenant(Course, actor.course_id, actor.tenant_id)
    except NotFound:
        return None
