"""The sandbox served live over HTTP (run_in_thread) and driven with requests."""

from __future__ import annotations

import json
import re
import time
import uuid
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlsplit

import jwt
import requests
from cryptography.hazmat.primitives.asymmetric import rsa
from flask import Flask, jsonify

from lti_tool.sandbox import create_sandbox_app, get_state, run_in_thread, vocab


def _public_jwk(key: rsa.RSAPrivateKey, kid: str) -> dict[str, Any]:
    jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key()))
    return {**jwk, "kid": kid, "alg": "RS256", "use": "sig"}


def test_live_sandbox_end_to_end(
    tool_private_key: rsa.RSAPrivateKey,
    html_page: Callable[[str], Any],
    oidc_params: Callable[..., dict[str, str]],
) -> None:
    # A stand-in tool that only publishes its JWKS (so the sandbox fetches it over HTTP).
    tool_jwks: dict[str, Any] = {"keys": [_public_jwk(tool_private_key, "tool-key-1")]}
    jwks_hits: list[float] = []
    tool = Flask("fake_tool")

    @tool.get("/lti/jwks")
    def _jwks() -> Any:
        jwks_hits.append(time.time())
        return jsonify(tool_jwks)

    tool_server, tool_thread = run_in_thread(tool, "127.0.0.1", 0)
    sandbox = create_sandbox_app(
        {"SANDBOX_TOOL_URL": f"http://127.0.0.1:{tool_server.server_port}"}
    )
    state = get_state(sandbox)
    server, thread = run_in_thread(sandbox, "127.0.0.1", 0)
    base = f"http://127.0.0.1:{server.server_port}"
    try:
        assert state.base_url == base == state.issuer
        with requests.Session() as http:
            home = http.get(base + "/", timeout=5)
            assert home.status_code == 200
            assert state.district.name in home.text

            # Launch: course page -> (tool login) -> /auth -> auto-posting form with an id_token.
            page = http.get(
                base + "/courses/sbx-course-bio1/view", params={"user": "sbx-user-0005"}, timeout=5
            )
            src = html_page(page.text).iframe_src
            assert parse_qs(urlsplit(src).query)["iss"] == [base]
            params = oidc_params(src)
            form = html_page(http.post(base + "/auth", data=params, timeout=5).text)
            platform_jwks = http.get(base + "/jwks", timeout=5).json()
            claims = jwt.decode(
                form.fields["id_token"],
                jwt.PyJWK(platform_jwks["keys"][0]).key,
                algorithms=["RS256"],
                audience=state.client_id,
                issuer=base,
            )
            assert claims[vocab.CLAIM_ROLE_SCOPE_MENTOR] == ["sbx-user-0007"]
            nrps_url = claims[vocab.CLAIM_NRPS]["context_memberships_url"]
            assert nrps_url.startswith(base)

            # Token exchange; the tool JWKS is fetched once, then re-fetched for a rotated key.
            def get_token(key: rsa.RSAPrivateKey, kid: str) -> requests.Response:
                now = int(time.time())
                assertion = jwt.encode(
                    {
                        "iss": state.client_id,
                        "sub": state.client_id,
                        "aud": base + "/token",
                        "iat": now,
                        "exp": now + 60,
                        "jti": str(uuid.uuid4()),
                    },
                    key,
                    algorithm="RS256",
                    headers={"kid": kid},
                )
                return http.post(
                    base + "/token",
                    data={
                        "grant_type": "client_credentials",
                        "client_assertion_type": vocab.CLIENT_ASSERTION_TYPE_JWT,
                        "client_assertion": assertion,
                        "scope": vocab.SCOPE_NRPS,
                    },
                    timeout=5,
                )

            assert get_token(tool_private_key, "tool-key-1").status_code == 200
            assert get_token(tool_private_key, "tool-key-1").status_code == 200
            assert len(jwks_hits) == 1
            rotated = rsa.generate_private_key(public_exponent=65537, key_size=2048)
            tool_jwks["keys"].append(_public_jwk(rotated, "tool-key-2"))
            response = get_token(rotated, "tool-key-2")
            assert response.status_code == 200
            assert len(jwks_hits) == 2
            bearer = {"Authorization": "Bearer " + response.json()["access_token"]}

            # NRPS paging over HTTP, following absolute Link URLs.
            state.add_synthetic_members("sbx-course-bio1", 250)
            url: str | None = nrps_url + "?limit=100"
            members: list[str] = []
            while url:
                page_response = http.get(url, headers=bearer, timeout=5)
                assert page_response.headers["Content-Type"] == vocab.MT_MEMBERSHIP_CONTAINER
                members.extend(m["user_id"] for m in page_response.json()["members"])
                link = page_response.headers.get("Link")
                url = re.fullmatch(r'<([^>]+)>; rel="next"', link).group(1) if link else None  # type: ignore[union-attr]
            assert len(members) == len(set(members)) == 23 + 250  # teacher, 20 learners, 2 parents

            # Fault injection through the HTTP control endpoint, then recovery.
            injected = http.post(
                base + "/_sandbox/faults",
                json={
                    "path_prefix": "/api/lti/courses/",
                    "status": 429,
                    "count": 1,
                    "retry_after": 1,
                },
                timeout=5,
            )
            assert injected.status_code == 201
            throttled = http.get(nrps_url, headers=bearer, timeout=5)
            assert throttled.status_code == 429
            assert throttled.headers["Retry-After"] == "1"
            assert http.get(nrps_url, headers=bearer, timeout=5).status_code == 200
            assert http.delete(base + "/_sandbox/faults", timeout=5).status_code == 204
    finally:
        server.shutdown()
        tool_server.shutdown()
        thread.join(timeout=5)
        tool_thread.join(timeout=5)
        server.server_close()
        tool_server.server_close()
    assert ("GET", "/api/lti/courses/sbx-course-bio1/memberships", 429) in state.request_log
