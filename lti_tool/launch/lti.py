"""pylti1p3, wired to our database, our shared store and our HTTP session.

pylti1p3 2.0.0 does the OIDC dance and most id_token checks. This module closes the gaps it
leaves, without switching any check off:

* **Nonce single use across workers.** pylti1p3 only checks that a nonce *exists*. Ours is
  consumed atomically in the shared store (database or Redis), so a replay fails on every
  worker and host. The signature is verified *before* the nonce is consumed, so a forged
  token cannot burn a real nonce.
* **aud / azp.** ``aud`` must contain our client_id; when it has several entries ``azp``
  must be present and equal our client_id (OIDC Core 3.1.3.7).
* **Clock skew.** ``exp`` and ``iat`` are checked with a small leeway (``ILP_JWT_LEEWAY``);
  an ``iat`` further in the future is rejected.
* **Algorithms.** Only RS256/RS384/RS512 from the platform's JWKS; ``none`` and HMAC are
  refused by name, not by accident.
* **Platform JWKS cache** in the shared store, refreshed once when a token names an unknown
  ``kid`` (throttled, so forged kids cannot make us hammer the LMS).
* **Registrations and deployments** come from the database (``DbToolConf``).
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Iterable, Mapping
from typing import Any

import jwt
from flask import current_app, g
from jwcrypto.jwk import JWK
from pylti1p3.contrib.flask import (
    FlaskCookieService,
    FlaskMessageLaunch,
    FlaskOIDCLogin,
    FlaskRequest,
)
from pylti1p3.deployment import Deployment
from pylti1p3.exception import LtiException
from pylti1p3.launch_data_storage.base import LaunchDataStorage
from pylti1p3.registration import Registration
from pylti1p3.session import SessionService
from pylti1p3.tool_config import ToolConfAbstract
from sqlalchemy import select

from lti_tool import hygiene
from lti_tool.errors import LaunchError
from lti_tool.extensions import db
from lti_tool.http import get_session
from lti_tool.launch import keys
from lti_tool.lti_vocab import (
    CONTEXT_CLAIM,
    DEPLOYMENT_ID_CLAIM,
    OBJECT_CLAIMS,
    RESOURCE_LINK_CLAIM,
    ROLE_SCOPE_MENTOR_CLAIM,
    ROLES_CLAIM,
)
from lti_tool.models import Deployment as DeploymentRow
from lti_tool.models import Platform
from lti_tool.store import get_store
from lti_tool.tenants import find_platform

ALLOWED_ALGORITHMS = ("RS256", "RS384", "RS512")
#: Minimum seconds between two JWKS refetches for one platform key set.
JWKS_REFRESH_THROTTLE = 10


class RegistrationNotFound(LtiException):
    """No active platform is registered for this issuer/client_id."""


class DeploymentNotFound(LtiException):
    """The deployment_id is not registered for this platform."""


class TokenRejected(LtiException):
    """The id_token failed signature, time, audience or algorithm checks."""


class ToolRegistration(Registration):
    """A pylti1p3 registration that signs with our stored key and announces its ``kid``."""

    def __init__(self, kid: str) -> None:
        super().__init__()
        self._kid = kid

    def get_kid(self) -> str:
        return self._kid


class DbToolConf(ToolConfAbstract[FlaskRequest]):
    """Tool configuration read from ``platforms`` and ``deployments`` tables."""

    def check_iss_has_one_client(self, iss: str) -> bool:
        return False

    def check_iss_has_many_clients(self, iss: str) -> bool:
        return True

    def _registration(self, platform: Platform) -> Registration:
        key = keys.active_key(platform.key_set)
        reg = ToolRegistration(key.kid)
        reg.set_issuer(platform.issuer).set_client_id(platform.client_id)
        reg.set_auth_login_url(platform.auth_login_url)
        reg.set_auth_token_url(platform.auth_token_url)
        reg.set_key_set_url(platform.key_set_url)
        if platform.auth_audience:
            reg.set_auth_audience(platform.auth_audience)
        reg.set_tool_private_key(keys.private_pem(key))
        reg.set_tool_public_key(key.public_pem)
        return reg

    def find_registration_by_issuer(self, iss: str, *args: Any, **kwargs: Any) -> Registration:
        return self.find_registration_by_params(iss, None, *args, **kwargs)

    def find_registration_by_params(
        self, iss: str, client_id: str | None, *args: Any, **kwargs: Any
    ) -> Registration:
        platform = find_platform(iss, client_id)
        if platform is None:
            raise RegistrationNotFound(
                f"No platform is registered for issuer {iss!r}"
                + (f" and client_id {client_id!r}" if client_id else "")
            )
        return self._registration(platform)

    def find_deployment(self, iss: str, deployment_id: str) -> Deployment | None:
        return self.find_deployment_by_params(iss, deployment_id, None)

    def find_deployment_by_params(
        self, iss: str, deployment_id: str, client_id: str | None, *args: Any, **kwargs: Any
    ) -> Deployment | None:
        platform = find_platform(iss, client_id)
        if platform is None:
            return None
        row = db.session.execute(
            select(DeploymentRow).where(
                DeploymentRow.platform_id == platform.id,
                DeploymentRow.deployment_id == deployment_id,
            )
        ).scalar_one_or_none()
        if row is None or not row.approved:
            return None
        return Deployment().set_deployment_id(deployment_id)

    def get_jwks(
        self, iss: str | None = None, client_id: str | None = None, **kwargs: Any
    ) -> dict[str, Any]:
        platform = find_platform(iss, client_id) if iss else None
        return keys.jwks(platform.key_set if platform else None)


class StoreDataStorage(LaunchDataStorage[Any]):
    """pylti1p3 launch-data storage over our shared store (no session-id cookie needed)."""

    def __init__(self, ttl: int = 3600) -> None:
        super().__init__()
        self._ttl = ttl

    def get_session_cookie_name(self) -> None:
        # Keys are globally unique (random state/nonce/launch ids), so they need no
        # per-browser prefix: that is what makes launches work when cookies are blocked.
        return None

    def can_set_keys_expiration(self) -> bool:
        return True

    def get_value(self, key: str) -> Any:
        return get_store().get("lti:" + key)

    def set_value(self, key: str, value: Any, exp: int | None = None) -> None:
        ttl = exp or self._ttl
        get_store().set("lti:" + key, value, ttl)
        if isinstance(value, dict) and value.get("sub") and value.get("iss"):
            # A launch body (name, email, roles): indexed by its person so a deletion on
            # request can find and purge it (``purge_launch_data``).
            index = launch_index_key(str(value["iss"]), str(value["sub"]))
            keys = [k for k in (get_store().get(index) or []) if k != key][-49:]
            get_store().set(index, [*keys, key], ttl)

    def check_value(self, key: str) -> bool:
        return get_store().get("lti:" + key) is not None

    def pop_value(self, key: str) -> Any:
        """Remove and return a value atomically."""
        return get_store().pop("lti:" + key)


def launch_index_key(issuer: str, sub: str) -> str:
    """The store key listing the launch-data keys of one person (by a digest, not the sub)."""
    digest = hashlib.sha256(f"{issuer}\n{sub}".encode()).hexdigest()
    return f"lti-person:{digest}"


def purge_launch_data(issuers: Iterable[str], sub: str) -> int:
    """Delete the stored launch bodies of the person ``sub`` under any of ``issuers``.

    Returns how many launch bodies went. Used by deletion on request."""
    store = get_store()
    purged = 0
    for issuer in set(issuers):
        index = launch_index_key(issuer, sub)
        for key in store.get(index) or []:
            if store.pop("lti:" + str(key)) is not None:
                purged += 1
        store.delete(index)
    return purged


class StoreSessionService(SessionService):
    """pylti1p3 session service whose nonces are single-use in the shared store."""

    def __init__(
        self, request: FlaskRequest, storage: StoreDataStorage, oidc_ttl: int = 600
    ) -> None:
        super().__init__(request)
        self.set_data_storage(storage)
        self._launch_data_lifetime = storage._ttl
        self._oidc_ttl = oidc_ttl

    # pylti1p3 keeps nonce and state for the launch data's lifetime (hours); they need only
    # last one round trip to the platform and back (its own state cookie lasts 5 minutes).
    def save_nonce(self, nonce: str) -> None:
        self.data_storage.set_value(self._get_key("nonce", nonce), True, exp=self._oidc_ttl)

    def save_state_params(self, state: str, params: dict[str, object]) -> None:
        self.data_storage.set_value(self._get_key(state), params, exp=self._oidc_ttl)

    def check_nonce(self, nonce: str) -> bool:
        storage = self.data_storage
        assert isinstance(storage, StoreDataStorage)
        return storage.pop_value(self._get_key("nonce", nonce)) is not None


class CrossSiteCookieService(FlaskCookieService):
    """State cookies that survive the LMS iframe: SameSite=None; Secure; Partitioned."""

    def update_response(self, response: Any) -> None:
        secure = bool(current_app.config["SESSION_COOKIE_SECURE"])
        for key, data in self._cookie_data_to_set.items():
            response.set_cookie(
                key=key,
                value=data["value"],
                max_age=data["exp"],
                path="/",
                httponly=True,
                secure=secure,
                samesite="None" if secure else "Lax",
                partitioned=secure,
            )


def _services(
    request_data: dict[str, str] | None = None,
) -> tuple[FlaskRequest, DbToolConf, StoreSessionService, CrossSiteCookieService]:
    request = FlaskRequest(request_data=request_data)
    storage = StoreDataStorage(ttl=current_app.config["ILP_LAUNCH_TOKEN_TTL"])
    storage.set_request(request)
    session_service = StoreSessionService(
        request, storage, oidc_ttl=current_app.config["ILP_OIDC_TTL"]
    )
    return request, DbToolConf(), session_service, CrossSiteCookieService(request)


def make_oidc_login(params: dict[str, str] | None = None) -> FlaskOIDCLogin:
    """An OIDC login handler for the current request, or for recorded login ``params``
    (a login re-run in a window of its own, see ``cookieless``)."""
    request, conf, session_service, cookies = _services(params)
    return FlaskOIDCLogin(request, conf, session_service=session_service, cookie_service=cookies)


class LodestarMessageLaunch(FlaskMessageLaunch):
    """pylti1p3's launch with the checks described in the module docstring."""

    def validate(self) -> LodestarMessageLaunch:
        if self._restored:
            raise LtiException("Can't validate restored launch")
        self._validated = True
        try:
            # Signature before nonce: a forged token must not consume a real nonce.
            (
                self.validate_state()
                .validate_jwt_format()
                .validate_registration()
                .validate_jwt_signature()
                .validate_nonce()
                .validate_deployment()
                .validate_message()
                .save_launch_data()
            )
        except Exception:
            self._validated = False
            raise
        return self

    def validate_state(self) -> LodestarMessageLaunch:
        """The state cookie must match, unless this very request proved the state through the
        platform's postMessage storage (see ``platform_storage``)."""
        state = self._get_request_param("state")
        if state and g.get("platform_storage_state") == state:
            return self
        super().validate_state()
        return self

    def get_client_id(self) -> str:
        body = self._jwt.get("body", {})
        aud = body.get("aud")
        if isinstance(aud, list):
            if len(aud) > 1:
                azp = body.get("azp")
                if not azp:
                    raise TokenRejected("id_token has several audiences but no azp")
                return str(azp)
            return str(aud[0]) if aud else ""
        return str(aud or "")

    # -- platform keys -------------------------------------------------------------------

    def _jwks_cache_key(self, url: str) -> str:
        return "jwks:" + hashlib.sha256(url.encode()).hexdigest()

    def _fetch_jwks(self, url: str) -> dict[str, Any]:
        try:
            resp = get_session().get(url)
        except Exception as err:
            raise LtiException(f"Could not fetch the platform keys from {url}: {err}") from err
        if resp.status_code != 200:
            raise LtiException(f"The platform key set at {url} answered {resp.status_code}")
        try:
            data = resp.json()
            if not isinstance(data.get("keys"), list):
                raise ValueError("no keys")
        except ValueError as err:
            raise LtiException(f"The platform key set at {url} is not a JWKS") from err
        get_store().set(
            self._jwks_cache_key(url), data, current_app.config["ILP_JWKS_CACHE_SECONDS"]
        )
        return dict(data)

    def _platform_jwks(self, url: str, *, refresh: bool) -> dict[str, Any]:
        store = get_store()
        if not refresh:
            cached = store.get(self._jwks_cache_key(url))
            if cached:
                return dict(cached)
            return self._fetch_jwks(url)
        # Refresh at most once per throttle window across all workers.
        if store.add(self._jwks_cache_key(url) + ":refresh", 1, JWKS_REFRESH_THROTTLE):
            return self._fetch_jwks(url)
        cached = store.get(self._jwks_cache_key(url))
        return dict(cached) if cached else self._fetch_jwks(url)

    def get_public_key(self) -> tuple[str, str]:
        assert self._registration is not None
        header = self._jwt.get("header", {})
        kid, alg = header.get("kid"), header.get("alg")
        if alg not in ALLOWED_ALGORITHMS:
            raise TokenRejected(f"id_token algorithm {alg!r} is not accepted")
        if not kid:
            raise TokenRejected("id_token header has no kid")
        url = self._registration.get_key_set_url()
        if not url:
            raise LtiException("The platform registration has no key set URL")
        for refresh in (False, True):
            for key in self._platform_jwks(url, refresh=refresh).get("keys", []):
                if key.get("kid") == kid and key.get("alg", "RS256") == alg:
                    try:
                        return JWK.from_json(json.dumps(key)).export_to_pem().decode(), alg
                    except (ValueError, TypeError) as err:
                        raise TokenRejected("The platform key cannot be read") from err
        raise TokenRejected(f"The platform has no key with kid {kid!r}")

    def validate_jwt_signature(self) -> LodestarMessageLaunch:
        assert self._registration is not None
        id_token = self._get_id_token()
        public_key, alg = self.get_public_key()
        client_id = self._registration.get_client_id()
        leeway = current_app.config["ILP_JWT_LEEWAY"]
        try:
            body = jwt.decode(
                id_token,
                public_key,
                algorithms=[alg],
                audience=client_id,
                issuer=self._registration.get_issuer(),
                leeway=leeway,
                options={"require": ["exp", "iat", "iss", "aud", "sub", "nonce"]},
            )
        except jwt.ExpiredSignatureError as err:
            raise TokenRejected(
                "The launch has expired. Open Lodestar again from your course."
            ) from err
        except jwt.ImmatureSignatureError as err:
            raise TokenRejected(
                "The launch token was issued in the future (check clocks)."
            ) from err
        except jwt.InvalidAudienceError as err:
            raise TokenRejected("The launch token was not issued for this tool (aud).") from err
        except jwt.InvalidIssuerError as err:
            raise TokenRejected("The launch token names another issuer (iss).") from err
        except jwt.InvalidTokenError as err:
            raise TokenRejected(f"The launch token could not be verified: {err}") from err
        if int(body["iat"]) > time.time() + leeway:  # belt and braces; PyJWT checks too
            raise TokenRejected("The launch token was issued in the future (check clocks).")
        azp = body.get("azp")
        aud = body.get("aud")
        if isinstance(aud, list) and len(aud) > 1 and azp != client_id:
            raise TokenRejected("id_token has several audiences and azp is not this tool")
        if azp is not None and azp != client_id:
            raise TokenRejected("id_token azp is not this tool")
        return self

    def get_signed_body(self) -> dict[str, Any]:
        """The id_token body, for use only after ``validate_jwt_signature`` passed (as it
        has whenever ``DeploymentNotFound`` is raised: the deployment check comes later)."""
        return dict(self._jwt.get("body", {}))

    def validate_message(self) -> LodestarMessageLaunch:
        """Claims of the wrong JSON type are a malformed launch (400), never a crash."""
        # pylti1p3 types the body with the claims it knows; a launch carries any claim.
        body: Mapping[str, Any] = self._jwt.get("body", {})
        for name in OBJECT_CLAIMS:
            if name in body and not isinstance(body[name], dict):
                raise LtiException(f"The claim {name.rsplit('/', 1)[-1]} is not an object")
        roles = body.get(ROLES_CLAIM)
        if roles is not None and not (
            isinstance(roles, list) and all(isinstance(r, str) for r in roles)
        ):
            raise LtiException("The Roles claim is not a list of strings")
        self._check_ids(body)
        # Text claims are cleaned of control characters once, here, so the stored launch,
        # the database and every later read see the same values (see ``hygiene``).
        self._jwt["body"] = hygiene.clean_claim(body)
        super().validate_message()
        return self

    #: Ids LTI 1.3 core limits to 255 ASCII characters (sub, section 5.3.6; context id,
    #: 5.4.1; resource link id, 5.3.5), which our columns hold. Longer ones are refused:
    #: cutting them would merge two people or courses.
    ID_LIMIT = 255

    def _check_ids(self, body: Mapping[str, Any]) -> None:
        scope = body.get(ROLE_SCOPE_MENTOR_CLAIM)
        if scope is not None and not isinstance(scope, list):
            raise LtiException("The role_scope_mentor claim is not a list")
        ids = [
            ("sub", body.get("sub")),
            ("context id", (body.get(CONTEXT_CLAIM) or {}).get("id")),
            ("resource link id", (body.get(RESOURCE_LINK_CLAIM) or {}).get("id")),
            ("deployment_id", body.get(DEPLOYMENT_ID_CLAIM)),
            *(("role_scope_mentor entry", value) for value in scope or []),
        ]
        for name, value in ids:
            if value is None:
                continue
            if not isinstance(value, (str, int)) or isinstance(value, bool):
                raise LtiException(f"The {name} is not text")
            if len(str(value)) > self.ID_LIMIT:
                raise LtiException(f"The {name} is longer than {self.ID_LIMIT} characters")

    def validate_deployment(self) -> LodestarMessageLaunch:
        if not isinstance(self._jwt.get("body", {}).get(DEPLOYMENT_ID_CLAIM), str):
            raise LtiException("The deployment_id claim is missing or not text")
        deployment_id = self._get_deployment_id()
        deployment = self._tool_config.find_deployment_by_params(
            self.get_iss(), deployment_id, self.get_client_id()
        )
        if not deployment:
            raise DeploymentNotFound(
                f"Deployment {deployment_id!r} is not registered for this platform"
            )
        return self


def make_message_launch() -> LodestarMessageLaunch:
    """A message launch for the current request (POST /lti/launch)."""
    request, conf, session_service, cookies = _services()
    return LodestarMessageLaunch(
        request,
        conf,
        session_service=session_service,
        cookie_service=cookies,
        requests_session=get_session(),
    )


def restore_launch(launch_id: str) -> LodestarMessageLaunch:
    """Reload a validated launch (for NRPS/AGS/Deep Linking later in the session).

    :raises LaunchError: when the launch data expired.
    """
    request, conf, session_service, cookies = _services()
    try:
        launch = LodestarMessageLaunch.from_cache(
            launch_id,
            request,
            conf,
            session_service=session_service,
            cookie_service=cookies,
            requests_session=get_session(),
        )
    except LtiException as err:
        raise LaunchError(
            "This launch has expired. Open Lodestar again from your course.", status_code=401
        ) from err
    assert isinstance(launch, LodestarMessageLaunch)
    return launch


def classify(err: LtiException) -> LaunchError:
    """Turn a pylti1p3 exception into our ``LaunchError`` with the right status."""
    message = str(err) or "The launch could not be verified."
    if isinstance(err, (RegistrationNotFound, DeploymentNotFound)):
        return LaunchError(
            "Lodestar is not set up for this learning platform or deployment. "
            "Ask your LMS administrator to register it. (" + message + ")",
            status_code=403,
            detail=message,
        )
    if isinstance(err, TokenRejected):
        return LaunchError(message, status_code=401, detail=message)
    lowered = message.lower()
    if "nonce" in lowered:
        return LaunchError(
            "This launch was already used or has expired. Open Lodestar again from your course.",
            status_code=401,
            detail=message,
        )
    if "state" in lowered:
        return LaunchError(
            "The launch did not come from the login this browser started "
            "(state mismatch). Open Lodestar again from your course; if it "
            "keeps happening, allow cookies for this site.",
            status_code=400,
            detail=message,
        )
    return LaunchError(
        f"The launch message is not valid: {message}", status_code=400, detail=message
    )
