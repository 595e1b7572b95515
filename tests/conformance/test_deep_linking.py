"""Deep Linking: the library asks for content, our picker answers, the library validates."""

from __future__ import annotations

import base64
import json

import jwt
from lti1p3platform.content_item import TLtiResourceLink, TTimeDelta
from lti1p3platform.lineitem import TDeepLinkingLineItem

from tests.conformance.conftest import (
    STUDENTS,
    TEACHER,
    Browser,
    form_of,
    pick_activity,
    place_reflection,
    return_to_lms,
    text_of,
)
from tests.conftest import TOOL_URL

ITEMS = "https://purl.imsglobal.org/spec/lti-dl/claim/content_items"


def test_the_plan_reflection_answer_passes_the_library_deep_linking_validation(
    browser: Browser,
) -> None:
    link = place_reflection(browser)

    ((hint, items),) = browser.lms.deep_link_returns
    (item,) = items
    # The content item's shape, by the library's own types for an ltiResourceLink.
    assert item["type"] == "ltiResourceLink"
    assert set(item) - {"type"} <= set(TLtiResourceLink.__annotations__)
    assert set(item["lineItem"]) <= set(TDeepLinkingLineItem.__annotations__)
    assert item["title"] == "Plan reflection"
    assert item["url"] == TOOL_URL + "/lti/launch"
    assert item["custom"]["activity"] == "reflection" and item["custom"]["activity_id"].isdigit()
    assert item["lineItem"]["scoreMaximum"] == 10 and item["lineItem"]["label"]
    assert item["lineItem"]["resourceId"] == f"lodestar-reflection-{item['custom']['activity_id']}"
    # The teacher's due date and instructions, where the spec puts them (DL 2.0 section 3.4.1).
    assert item["submission"] == {"endDateTime": "2027-03-01T15:00:00+00:00"}
    assert set(item["submission"]) <= set(TTimeDelta.__annotations__)
    assert item["text"] == "Say what this class's work shows about your plan."
    # The LMS made the link and its gradebook column from it.
    assert link.title == "Plan reflection" and link.custom == item["custom"]
    assert link.line_item_id is not None
    column = browser.course.line_items[link.line_item_id]
    assert column["resourceLinkId"] == link.id and column["scoreMaximum"] == 10
    assert browser.lms.messages[hint].deep_link
    assert not browser.lms.refusals


def test_the_deep_linking_response_is_signed_with_a_key_of_our_jwks(browser: Browser) -> None:
    form = form_of(pick_activity(browser, TEACHER))
    kid = jwt.get_unverified_header(form["JWT"])["kid"]
    published = browser.tool.get("/lti/jwks").get_json()["keys"]
    assert kid in {k["kid"] for k in published}
    assert return_to_lms(browser, form).status_code == 200


def test_a_deep_linking_response_altered_on_the_way_is_refused_by_the_library(
    browser: Browser,
) -> None:
    """The check above means something: the library does verify our signature."""
    form = form_of(pick_activity(browser, TEACHER))
    header, body, signature = form["JWT"].split(".")
    claims = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    claims[ITEMS][0]["custom"] = {"activity": "something-else"}
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).decode().rstrip("=")
    back = return_to_lms(browser, {**form, "JWT": f"{header}.{forged}.{signature}"})
    assert back.status_code == 400
    assert "refused the Deep Linking response" in browser.lms.refusals[-1]
    assert browser.lms.deep_link_returns == []


def test_a_learner_gets_no_activity_picker(browser: Browser) -> None:
    launch = browser.launch(STUDENTS[0], deep_link=True)
    assert launch.status_code == 302
    picker = browser.follow(launch)
    assert picker.status_code == 403, text_of(picker)
    assert browser.lms.deep_link_returns == []
