"""A test LMS whose LTI work is done by the independent ``lti1p3platform`` package.

Lodestar's own sandbox LMS (``lti_tool.sandbox``) was written by us, so a test passing
against it only proves that our two halves agree. Here the platform side comes from a library
we did not write:

* the OIDC login initiation (``OIDCLoginAbstract.initiate_login``), the id_token and Deep
  Linking request (``LTIAdvantageMessageLaunchAbstract``: claims, preflight check, RS256
  signature) and the platform JWKS (``LTI1P3PlatformConfAbstract.get_jwks``);
* the validation of our Deep Linking response (``validate_deeplinking_resp``: signature
  against the tool JWKS it fetches, message type, content item types);
* the token endpoint (``get_access_token``: the client assertion checked against our JWKS)
  and the AGS endpoints (``AssignmentsGradesService``: bearer token, method, media type).

What the library leaves to the platform that embeds it is written here as thin glue and
marked ``Glue:``: the Flask request/response adapters, the in-memory course, line item and
score storage, and the spec checks the library skips (the OIDC authentication request's
fixed parameters and ``redirect_uri``; the Deep Linking response's ``aud``, ``iss``,
``deployment_id``, ``nonce`` and ``data``; the client assertion's ``iss``/``sub``/``aud``/``jti``;
the score body, which ``handle_update_score`` leaves as a TODO, and per-endpoint scopes).
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
import typing as t
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import jwt
import responses
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from flask import Flask, Response, jsonify, redirect, request
from lti1p3platform.constants import LTI_1P3_ACCESS_TOKEN_SCOPES
from lti1p3platform.exceptions import (
    LineItemNotFoundException,
    LtiDeepLinkingResponseException,
    LtiException,
    LtiServiceException,
    MissingRequiredClaim,
    PreflightRequestValidationException,
    UnsupportedGrantType,
)
from lti1p3platform.lineitem import TLineItem
from lti1p3platform.ltiplatform import LTI1P3PlatformConfAbstract
from lti1p3platform.message_launch import LTIAdvantageMessageLaunchAbstract
from lti1p3platform.oidc_login import OIDCLoginAbstract
from lti1p3platform.registration import Registration
from lti1p3platform.request import Request, TRequest
from lti1p3platform.response import Response as LibraryResponse
from lti1p3platform.response import generate_next_link
from lti1p3platform.score import (
    ActivityProgress,
    GradeProgress,
    TScore,
    UpdateScoreStatus,
)
from lti1p3platform.service_connector import AssignmentsGradesService, TPage
from markupsafe import escape
from werkzeug.test import TestResponse

LIS = "http://purl.imsglobal.org/vocab/lis/v2/"
INSTRUCTOR = LIS + "membership#Instructor"
LEARNER = LIS + "membership#Learner"
COURSE_OFFERING = LIS + "course#CourseOffering"
CLIENT_ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
AGS = "https://purl.imsglobal.org/spec/lti-ags/scope/"
SCORE_SCOPE, RESULT_SCOPE = AGS + "score", AGS + "result.readonly"
LINEITEM_SCOPE, LINEITEM_READONLY_SCOPE = AGS + "lineitem", AGS + "lineitem.readonly"
DL_CLAIM = "https://purl.imsglobal.org/spec/lti-dl/claim/"
LTI_CLAIM = "https://purl.imsglobal.org/spec/lti/claim/"


def new_private_pem() -> str:
    """A fresh 2048-bit RSA private key, PEM (PKCS#8), as the library wants it."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


def public_pem_of(private_pem: str) -> str:
    """The public half of a PEM private key."""
    key = serialization.load_pem_private_key(private_pem.encode(), password=None)
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


# -- what the LMS knows ------------------------------------------------------------------


@dataclass(frozen=True)
class Member:
    """A person of the test LMS."""

    sub: str
    name: str
    email: str


@dataclass
class Link:
    """A resource link (a placement of the tool) in a course."""

    id: str
    title: str
    custom: dict[str, str] = field(default_factory=dict)
    line_item_id: str | None = None


@dataclass
class Course:
    """A course: its people with their LTI roles, its links and its gradebook."""

    context_id: str
    title: str
    label: str
    roles: dict[str, list[str]] = field(default_factory=dict)
    links: dict[str, Link] = field(default_factory=dict)
    line_items: dict[str, TLineItem] = field(default_factory=dict)
    #: Accepted scores per line item id, oldest first, exactly as the tool sent them.
    scores: dict[str, list[dict[str, t.Any]]] = field(default_factory=dict)


@dataclass(frozen=True)
class Message:
    """What one ``lti_message_hint`` stands for."""

    context_id: str
    sub: str
    link_id: str | None = None
    deep_link: bool = False


class LibraryLms:
    """The state of the test LMS; :func:`create_platform_app` serves it."""

    def __init__(self, base_url: str, tool_url: str, private_pem: str) -> None:
        self.base_url = base_url.rstrip("/")
        self.tool_url = tool_url.rstrip("/")
        self.issuer = self.base_url
        self.client_id = "lodestar-at-lti1p3platform"
        self.deployment_id = "lti1p3platform-deployment-1"
        self.private_pem = private_pem
        self.public_pem = public_pem_of(private_pem)
        #: Sign launches with this key instead (its kid is not in the JWKS) ...
        self.signing_pem: str | None = None
        #: ... while the token header names this kid (e.g. the published one).
        self.announced_kid: str | None = None
        self.people: dict[str, Member] = {}
        self.courses: dict[str, Course] = {}
        self.messages: dict[str, Message] = {}
        #: Deep Linking responses the library accepted: (the request's hint, content items).
        self.deep_link_returns: list[tuple[str, list[dict[str, t.Any]]]] = []
        self.used_jtis: set[str] = set()
        #: Why the platform refused something last (tests read it to explain a 4xx).
        self.refusals: list[str] = []

    # -- set-up used by the tests -------------------------------------------------------

    @property
    def auth_url(self) -> str:
        return self.base_url + "/auth"

    @property
    def token_url(self) -> str:
        return self.base_url + "/token"

    @property
    def jwks_url(self) -> str:
        return self.base_url + "/jwks"

    def add_course(self, context_id: str, title: str, label: str) -> Course:
        course = Course(context_id, title, label)
        self.courses[context_id] = course
        return course

    def enrol(self, context_id: str, member: Member, *roles: str) -> None:
        self.people[member.sub] = member
        self.courses[context_id].roles[member.sub] = list(roles)

    def line_items_url(self, context_id: str) -> str:
        return f"{self.base_url}/api/courses/{context_id}/lineitems"

    def line_item_url(self, context_id: str, item_id: str) -> str:
        return f"{self.line_items_url(context_id)}/{item_id}"

    def deep_link_return_url(self, context_id: str) -> str:
        return f"{self.base_url}/courses/{context_id}/deep_links"

    # -- the library's registration -----------------------------------------------------

    def registration(self) -> Registration:
        """The library's registration of Lodestar: its URLs, its JWKS URL, our keys."""
        reg = PlatformRegistration()
        reg.announced_kid = self.announced_kid
        (
            reg.set_iss(self.issuer)
            .set_client_id(self.client_id)
            .set_deployment_id(self.deployment_id)
            .set_oidc_login_url(self.tool_url + "/lti/login")
            .set_launch_url(self.tool_url + "/lti/launch")
            .set_deeplink_launch_url(self.tool_url + "/lti/launch")
            .set_tool_key_set_url(self.tool_url + "/lti/jwks")
            .set_platform_public_key(self.public_pem)
            .set_platform_private_key(self.signing_pem or self.private_pem)
        )
        return reg


class PlatformRegistration(Registration):
    """The library's registration; may name another kid than its signing key's (tests of a
    forged launch). Otherwise the library's own ``get_kid`` (the key's thumbprint) is used."""

    announced_kid: str | None = None

    def get_kid(self) -> str | None:
        return self.announced_kid or super().get_kid()


class PlatformConf(LTI1P3PlatformConfAbstract):
    """The library's platform configuration over :class:`LibraryLms`."""

    def init_platform_config(self, **kwargs: t.Any) -> None:
        self.lms: LibraryLms = kwargs["lms"]

    def get_registration_by_params(self, **kwargs: t.Any) -> Registration:
        return self.lms.registration()


# -- Glue: Flask adapters for the library's framework-free core ---------------------------


class FlaskPlatformRequest(Request):
    """The library's request view of the current Flask request (like its Django adapter)."""

    def build_metadata(self, request: t.Any) -> TRequest:
        return {
            "method": request.method,
            "form_data": request.form.to_dict(),
            "get_data": request.args.to_dict(),
            "json": request.get_json(force=True, silent=True) if request.data else None,
            "headers": request.headers,
            "content_type": request.content_type,
            "path": request.path,
        }


class FlaskOIDCLogin(OIDCLoginAbstract):
    """The library's third-party initiated login, answered with a Flask redirect."""

    def set_lti_message_hint(self, **kwargs: t.Any) -> None:
        self._lti_message_hint = kwargs["hint"]

    def get_redirect(self, url: str) -> Response:
        return redirect(url)


class FlaskMessageLaunch(LTIAdvantageMessageLaunchAbstract):
    """The library's LTI Advantage launch; the auto-posting form is ours (the library's
    template module imports the deprecated ``pkg_resources``)."""

    def render_launch_form(self, launch_data: dict[str, t.Any], **kwargs: t.Any) -> str:
        return (
            f'<form method="post" action="{escape(launch_data["launch_url"])}">'
            f'<input type="hidden" name="id_token" value="{escape(launch_data["id_token"])}">'
            f'<input type="hidden" name="state" value="{escape(launch_data["state"])}">'
            "</form>"
        )


def flask_response(resp: LibraryResponse) -> Response:
    """A library service response as a Flask response (as its Django ``wrap_json_resp``)."""
    if 200 <= resp.code < 300:
        result = resp.result
        data = result["content"] if isinstance(result, dict) and "content" in result else result
        out = jsonify(data) if resp.code != 204 else Response(status=204)
        out.status_code = resp.code
        if resp.code != 204:
            out.mimetype = resp.media_type
        if isinstance(result, dict) and result.get("next"):
            out.headers["Link"] = generate_next_link(result["next"])
        return out
    out = jsonify({"error": resp.message})
    out.status_code = resp.code
    return out


# -- Glue: the score checks ``handle_update_score`` leaves as a TODO -----------------------

#: AGS 2.0 score: "Timestamp values MUST be formatted using ISO 8601 with a sub-second
#: precision" and "MUST include a time zone designator".
TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+(Z|[+-]\d\d:\d\d)$")
SCORE_REQUIRED = ("userId", "activityProgress", "gradingProgress", "timestamp")


def score_problems(score: t.Any) -> list[str]:
    """What is wrong with a score body, judged by the library's ``TScore`` fields and its
    progress enums plus the AGS spec's required fields (extensions are URL-named keys)."""
    if not isinstance(score, dict):
        return ["the score is not a JSON object"]
    problems = [f"{name} is missing" for name in SCORE_REQUIRED if name not in score]
    problems += [
        f"unknown field {key}"
        for key in score
        if key not in TScore.__annotations__ and not key.startswith(("http://", "https://"))
    ]
    # The library types userId as int; the spec (and every LMS) uses the string LTI user id.
    if "userId" in score and not (isinstance(score["userId"], str) and score["userId"]):
        problems.append("userId must be the LTI user id (a string)")
    if score.get("activityProgress") not in {p.value for p in ActivityProgress}:
        problems.append(f"activityProgress {score.get('activityProgress')!r} is not allowed")
    if score.get("gradingProgress") not in {p.value for p in GradeProgress}:
        problems.append(f"gradingProgress {score.get('gradingProgress')!r} is not allowed")
    if "scoreGiven" in score:
        given, maximum = score.get("scoreGiven"), score.get("scoreMaximum")
        if not isinstance(given, int | float) or given < 0:
            problems.append("scoreGiven must be a number >= 0")
        if not isinstance(maximum, int | float) or maximum <= 0:
            problems.append("scoreGiven needs a scoreMaximum > 0")
    if not TIMESTAMP.match(str(score.get("timestamp", ""))):
        problems.append(
            f"timestamp {score.get('timestamp')!r} is not ISO 8601 with "
            "sub-second precision and a time zone"
        )
    return problems


class LibraryAgs(AssignmentsGradesService):
    """The library's AGS service over one course of :class:`LibraryLms`.

    Glue: ``scopes`` narrows the library's scope check to the one endpoint (the library
    accepts any AGS scope of the launch for every endpoint).
    """

    def __init__(
        self,
        lms: LibraryLms,
        conf: PlatformConf,
        context_id: str,
        scopes: list[str],
        item_id: str | None = None,
    ) -> None:
        super().__init__(
            FlaskPlatformRequest(request),
            conf,
            lms.line_items_url(context_id),
            lms.line_item_url(context_id, item_id) if item_id else None,
        )
        self.lms = lms
        self.course = lms.courses[context_id]
        self._scopes = scopes

    @property
    def allowed_scopes(self) -> list[str]:
        return self._scopes

    def _item(self, line_item_id: str) -> TLineItem:
        try:
            return self.course.line_items[line_item_id]
        except KeyError:
            raise LineItemNotFoundException(line_item_id) from None

    def find_lineitems(
        self,
        page: int = 1,
        limit: int | None = None,
        line_item_id: str | None = None,
        resource_link_id: str | None = None,
        resource_id: str | None = None,
        tag: str | None = None,
        **_other: t.Any,
    ) -> TPage:
        items = [
            i
            for i in self.course.line_items.values()
            if (resource_link_id is None or i.get("resourceLinkId") == resource_link_id)
            and (resource_id is None or i.get("resourceId") == resource_id)
            and (tag is None or i.get("tag") == tag)
        ]
        return {"content": items, "has_next": False, "next": None}

    def find_lineitem(self, line_item_id: str) -> TLineItem:
        return self._item(line_item_id)

    def create_lineitem(self, creation_data: TLineItem) -> TLineItem:
        item_id = "item-" + secrets.token_hex(4)
        item: TLineItem = {
            **creation_data,
            "id": self.lms.line_item_url(self.course.context_id, item_id),
        }
        self.course.line_items[item_id] = item
        return item

    def update_lineitem(self, update_data: TLineItem) -> TLineItem:
        item_id = str(update_data["id"])
        item = self._item(item_id)
        for key, value in update_data.items():
            if key != "id":  # the URL stays; the library passes the short id here
                item[key] = value  # type: ignore[literal-required]
        return item

    def delete_lineitem(self, line_item_id: str) -> None:
        self._item(line_item_id)
        del self.course.line_items[line_item_id]

    def update_score(self, line_item_id: str, score: TScore) -> UpdateScoreStatus:
        self._item(line_item_id)
        problems = score_problems(score)
        if problems:
            self.lms.refusals.append("; ".join(problems))
            raise LtiServiceException("; ".join(problems), 400)
        body = t.cast(dict[str, t.Any], score)
        earlier = [
            s for s in self.course.scores.get(line_item_id, []) if s["userId"] == body["userId"]
        ]
        when = dt.datetime.fromisoformat(str(body["timestamp"]).replace("Z", "+00:00"))
        if earlier and when <= dt.datetime.fromisoformat(
            str(earlier[-1]["timestamp"]).replace("Z", "+00:00")
        ):
            # AGS: the platform MUST NOT apply a score older than the one on record, and a
            # tool MUST NOT send two updates of one (line item, user) with the same timestamp.
            self.lms.refusals.append("score timestamp not after the last one")
            return UpdateScoreStatus.OLD_TIMESTAMP
        self.course.scores.setdefault(line_item_id, []).append(dict(body))
        return UpdateScoreStatus.SUCCESS if earlier else UpdateScoreStatus.CREATED

    def get_results(
        self,
        line_item_id: str,
        page: int = 1,
        limit: int | None = None,
        user_id: str | None = None,
        **_other: t.Any,
    ) -> TPage:
        item = self._item(line_item_id)
        latest: dict[str, dict[str, t.Any]] = {}
        for score in self.course.scores.get(line_item_id, []):
            latest[score["userId"]] = score
        results = [
            {
                "id": f"{item['id']}/results/{sub}",
                "userId": sub,
                "resultScore": s.get("scoreGiven"),
                "resultMaximum": s.get("scoreMaximum"),
                "comment": s.get("comment"),
                "scoreOf": item["id"],
            }
            for sub, s in latest.items()
            if user_id in (None, sub)
        ]
        return {"content": results, "has_next": False, "next": None}


# -- the platform's web app ---------------------------------------------------------------


def create_platform_app(lms: LibraryLms) -> Flask:
    """The test LMS's HTTP side; every LTI decision in it is the library's (or ``Glue:``)."""
    app = Flask("lti1p3platform_lms")
    app.config["TESTING"] = True

    def conf() -> PlatformConf:
        platform = PlatformConf(lms=lms)
        platform.get_registration()
        return platform

    def refuse(reason: str, status: int = 400) -> tuple[Response, int]:
        lms.refusals.append(reason)
        return jsonify({"error": reason}), status

    @app.get("/courses/<context_id>/launch")
    def start_launch(context_id: str) -> t.Any:
        """A course page's link to the tool: the library starts the OIDC login."""
        return _start(context_id, deep_link=False)

    @app.get("/courses/<context_id>/add_activity")
    def start_deep_link(context_id: str) -> t.Any:
        """The LMS's "add external tool content" button: a Deep Linking request."""
        return _start(context_id, deep_link=True)

    def _start(context_id: str, *, deep_link: bool) -> t.Any:
        hint = secrets.token_urlsafe(12)
        lms.messages[hint] = Message(
            context_id=context_id,
            sub=request.args["user"],
            link_id=request.args.get("link"),
            deep_link=deep_link,
        )
        login = FlaskOIDCLogin(FlaskPlatformRequest(request), conf())
        login.set_lti_message_hint(hint=hint)
        if deep_link:
            login.set_deeplinking_launch_url()
        return login.initiate_login(request.args["user"])

    @app.route("/auth", methods=["GET", "POST"])
    def auth() -> t.Any:
        """OIDC authorization endpoint: the library builds and signs the id_token."""
        platform = conf()
        params = request.values
        # Glue: OIDC Core 3.1.2.1 / LTI 1.3 5.1.1.2 parameters the library does not check.
        fixed = {
            "scope": "openid",
            "response_type": "id_token",
            "response_mode": "form_post",
            "prompt": "none",
        }
        for name, value in fixed.items():
            if params.get(name) != value:
                return refuse(f"{name} must be {value!r}, got {params.get(name)!r}")
        registration = platform.get_registration()
        if params.get("redirect_uri") != registration.get_launch_url():
            return refuse("redirect_uri is not the registered launch URL")
        message = lms.messages.get(params.get("lti_message_hint", ""))
        if message is None or params.get("login_hint") != message.sub:
            return refuse("unknown lti_message_hint or login_hint")
        course = lms.courses[message.context_id]
        person = lms.people[message.sub]
        launch = FlaskMessageLaunch(FlaskPlatformRequest(request), platform)
        launch.set_user_data(
            person.sub,
            course.roles.get(person.sub, []),
            full_name=person.name,
            email_address=person.email,
        )
        launch.set_launch_context_claim(
            course.context_id, [COURSE_OFFERING], course.title, course.label
        )
        launch.set_launch_presentation_claim(document_target="iframe")
        line_item = None
        if message.deep_link:
            launch.set_dl(
                lms.deep_link_return_url(course.context_id),
                title="Add an activity",
                accept_types={"ltiResourceLink"},
                extra_data=t.cast(t.Any, params["lti_message_hint"]),
            )
        else:
            link = course.links[message.link_id or "course-navigation"]
            launch.set_resource_link_claim(link.id, title=link.title)
            if link.custom:
                launch.set_custom_parameters_claim(link.custom)
            if link.line_item_id:
                line_item = lms.line_item_url(course.context_id, link.line_item_id)
        launch.set_ags(lms.line_items_url(course.context_id), line_item)
        try:
            return launch.lti_launch()
        except PreflightRequestValidationException:
            return refuse("the authentication request failed the library's preflight check")

    @app.get("/jwks")
    def jwks() -> t.Any:
        return jsonify(conf().get_jwks())

    @app.post("/courses/<context_id>/deep_links")
    def deep_link_return(context_id: str) -> t.Any:
        """The Deep Linking return URL: the library validates the tool's response."""
        platform = conf()
        platform.set_accepted_deeplinking_types(["ltiResourceLink"])
        form = request.form.to_dict()
        if "JWT" not in form:
            return refuse("no JWT in the Deep Linking response")
        try:
            items = platform.validate_deeplinking_resp(form)
            claims = platform.tool_validate_and_decode(form["JWT"])
        except (LtiException, LtiDeepLinkingResponseException, jwt.PyJWTError) as err:
            return refuse(f"the library refused the Deep Linking response: {err}")
        # Glue: LTI Deep Linking 2.0 4.2 claims the library does not check.
        hint = str(claims.get(DL_CLAIM + "data") or "")
        message = lms.messages.get(hint)
        problems = [
            name
            for name, ok in (
                ("aud", claims.get("aud") in (lms.issuer, [lms.issuer])),
                ("iss", claims.get("iss") == lms.client_id),
                ("deployment_id", claims.get(LTI_CLAIM + "deployment_id") == lms.deployment_id),
                ("nonce", bool(claims.get("nonce"))),
                (
                    "data",
                    message is not None and message.deep_link and message.context_id == context_id,
                ),
            )
            if not ok
        ]
        if problems:
            return refuse("the Deep Linking response has a wrong " + ", ".join(problems))
        course = lms.courses[context_id]
        for item in items:
            link = Link(
                id="link-" + secrets.token_hex(4),
                title=str(item.get("title") or ""),
                custom=dict(item.get("custom") or {}),
            )
            if item.get("lineItem"):
                item_id = "item-" + secrets.token_hex(4)
                course.line_items[item_id] = {
                    **item["lineItem"],
                    "resourceLinkId": link.id,
                    "id": lms.line_item_url(context_id, item_id),
                }
                link.line_item_id = item_id
            course.links[link.id] = link
        lms.deep_link_returns.append((hint, items))
        return f"<p>Added {len(items)} item(s) to {escape(course.title)}.</p>"

    @app.post("/token")
    def token() -> t.Any:
        """OAuth 2 client credentials with a JWT assertion, validated by the library."""
        platform = conf()
        form = request.form.to_dict()
        if form.get("client_assertion_type") != CLIENT_ASSERTION_TYPE:
            return refuse("unsupported client_assertion_type")  # Glue: RFC 7523 2.2
        try:
            answer = platform.get_access_token(form)
            claims = platform.tool_validate_and_decode(form["client_assertion"])
        except MissingRequiredClaim as err:
            return refuse(f"invalid_request: {err}")
        except UnsupportedGrantType:
            return refuse("unsupported_grant_type")
        except (LtiException, jwt.PyJWTError) as err:
            return refuse(f"invalid_client: {err}", 401)
        # Glue: 1EdTech Security Framework 4.1.1 claims the library does not check.
        aud = claims.get("aud")
        audiences = aud if isinstance(aud, list) else [aud]
        if claims.get("iss") != lms.client_id or claims.get("sub") != lms.client_id:
            return refuse("invalid_client: iss and sub must be the client_id", 401)
        if lms.token_url not in audiences:
            return refuse("invalid_client: aud is not the token endpoint", 401)
        jti = str(claims.get("jti") or "")
        if not jti or jti in lms.used_jtis:
            return refuse("invalid_client: jti missing or reused", 401)
        lms.used_jtis.add(jti)
        requested = set(form["scope"].split())
        if not requested <= set(LTI_1P3_ACCESS_TOKEN_SCOPES):
            return refuse("invalid_scope")
        return jsonify(answer)

    def ags(context_id: str, scopes: list[str], item_id: str | None = None) -> LibraryAgs:
        if context_id not in lms.courses:
            raise LtiServiceException("no such course", 404)
        return LibraryAgs(lms, conf(), context_id, scopes, item_id)

    @app.route("/api/courses/<context_id>/lineitems", methods=["GET", "POST"])
    def line_items(context_id: str) -> Response:
        if request.method == "GET":
            service = ags(context_id, [LINEITEM_SCOPE, LINEITEM_READONLY_SCOPE])
            return flask_response(service.handle_resp(service.handle_get_lineitems))
        service = ags(context_id, [LINEITEM_SCOPE])
        return flask_response(service.handle_resp(service.handle_create_lineitem))

    @app.route("/api/courses/<context_id>/lineitems/<item_id>", methods=["GET", "PUT", "DELETE"])
    def line_item(context_id: str, item_id: str) -> Response:
        if request.method == "GET":
            service = ags(context_id, [LINEITEM_SCOPE, LINEITEM_READONLY_SCOPE], item_id)
            return flask_response(
                service.handle_resp(service.handle_get_lineitem, line_item_id=item_id)
            )
        service = ags(context_id, [LINEITEM_SCOPE], item_id)
        handler = (
            service.handle_update_lineitem
            if request.method == "PUT"
            else service.handle_delete_lineitem
        )
        return flask_response(service.handle_resp(handler, line_item_id=item_id))

    @app.post("/api/courses/<context_id>/lineitems/<item_id>/scores")
    def scores(context_id: str, item_id: str) -> Response:
        service = ags(context_id, [SCORE_SCOPE], item_id)
        return flask_response(
            service.handle_resp(service.handle_update_score, line_item_id=item_id)
        )

    @app.get("/api/courses/<context_id>/lineitems/<item_id>/results")
    def results(context_id: str, item_id: str) -> Response:
        service = ags(context_id, [RESULT_SCOPE], item_id)
        return flask_response(service.handle_resp(service.handle_get_results, line_item_id=item_id))

    @app.errorhandler(LtiServiceException)
    def service_error(err: LtiServiceException) -> tuple[Response, int]:
        return jsonify({"error": err.message}), err.status_code

    return app


# -- Glue: server-to-server HTTP between the two apps --------------------------------------


def route_to(mock: responses.RequestsMock, base_url: str, app: Flask) -> None:
    """Answer every ``requests`` call to ``base_url`` with ``app`` (through its test
    client), so the tool's JWKS, token and AGS calls reach the library and the library's
    JWKS fetch reaches the tool, without sockets."""
    client = app.test_client()
    parts = urlsplit(base_url)
    origin = f"{parts.scheme}://{parts.netloc}"

    def answer(prepared: t.Any) -> tuple[int, dict[str, str], bytes]:
        url = urlsplit(prepared.url)
        path = url.path + (f"?{url.query}" if url.query else "")
        headers = {k: v for k, v in prepared.headers.items() if k.lower() != "content-length"}
        reply: TestResponse = client.open(
            path, method=prepared.method, headers=headers, data=prepared.body, base_url=origin
        )
        out = {k: v for k, v in reply.headers.items() if k.lower() != "content-length"}
        return reply.status_code, out, reply.get_data()

    pattern = re.compile(re.escape(origin) + r"(/.*)?$")
    for method in ("GET", "POST", "PUT", "DELETE"):
        mock.add_callback(method, pattern, callback=answer)
