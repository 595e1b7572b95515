"""The plan page that guides: the completeness meter and this year's next step on top, the
snapshot as a secondary action once the plan has content, five areas instead of a long list
of sections and edit links."""

from __future__ import annotations

import re
from html import unescape
from typing import Any

from flask import Flask

from tests.lti_driver import LtiDriver
from tests.plans.test_plan_pages import get, launch, person_id, post
from tests.plans.test_plan_pages import html as raw_html


def html(response: Any) -> str:
    return unescape(raw_html(response))


def test_a_new_plan_shows_the_meter_and_no_snapshot_button(lti: LtiDriver, app: Flask) -> None:
    token = launch(lti, lti.person("student", 0))
    page = html(get(lti, token, "/plans/me"))
    assert "Your plan is <strong>0% complete</strong>: 0 of 10 parts" in page
    assert '<progress class="plan-meter-bar" max="100" value="0"' in page
    # Nothing to keep yet: no snapshot button, and never as the main button.
    assert "Save this year's snapshot" not in page


def test_next_step_on_top_links_where_it_is_done(lti: LtiDriver, app: Flask) -> None:
    student = lti.person("student", 0)
    token = launch(lti, student)
    post(lti, token, "/plans/me/journey/grade", {"grade_level": "9"})
    page = html(get(lti, token, "/plans/me"))
    top = page[
        page.index('id="next-step"') : page.index("</section>", page.index('id="next-step"'))
    ]
    assert "This year's next step" in top
    first = re.search(r'<p class="next-step-title"><a href="([^"]+)">([^<]+)</a>', top)
    assert first is not None
    # It is the first step of grade 9 in this year's steps, and not done.
    steps = page[page.index('id="journey"') :]
    assert steps.index(first.group(2)) < steps.index("</li>")
    assert "Your plan is <strong>0% complete</strong>" in top  # a grade alone is no content

    # Content: the meter moves and the snapshot becomes a secondary action.
    post(lti, token, "/plans/me/profile", {"about": "I like robots."})
    page = html(get(lti, token, "/plans/me"))
    assert "Your plan is <strong>10% complete</strong>: 1 of 10 parts" in page
    snapshot = re.search(r'<button type="submit" class="([^"]*)">Save this year', page)
    assert snapshot is not None and snapshot.group(1) == "secondary"
    assert page.index('id="next-step"') < page.index("Save this year's snapshot")

    # A counselor sees the meter and the step too, without the student's buttons.
    counselor = launch(lti, lti.person("counselor"))
    theirs = html(get(lti, counselor, f"/plans/students/{person_id(app, student)}"))
    assert "The plan is <strong>10% complete</strong>" in theirs
    assert "Next step this year" in theirs and "Save this year" not in theirs


def test_five_areas_in_one_navigation_and_one_edit_link_per_card(
    lti: LtiDriver, app: Flask
) -> None:
    token = launch(lti, lti.person("student", 0))
    post(lti, token, "/plans/me/guide/dismiss")
    page = html(get(lti, token, "/plans/me"))
    nav = page[page.index('class="toc plan-nav"') : page.index("</nav>", page.index("plan-nav"))]
    areas = re.findall(r'class="plan-nav-group" href="#area-[a-z-]+">([^<]+)<', nav)
    assert areas == [
        "About me",
        "Explore careers",
        "Goals and courses",
        "Evidence and resume",
        "After high school",
    ]
    assert page.count('class="plan-area"') == 5
    # Every section link of the navigation leads to a card of the page.
    for anchor in re.findall(r'<li><a href="#([a-z-]+)">', nav):
        assert f'id="{anchor}"' in page, anchor
    # One edit link per card: the four lists of activities share one.
    assert page.count("Edit my activities, accomplishments, work and service") == 1
    edit_links = re.findall(r">(Edit my [^<]+)<", page)
    assert len(edit_links) == len(set(edit_links)) <= 10, edit_links  # 14 before the areas
    areas_html = page[page.index('id="area-me"') : page.index('id="history"')]
    for card in areas_html.split("<section id=")[1:]:
        assert card.count('class="section-actions"') <= 1, card[:60]
