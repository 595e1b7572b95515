"""Choosing career clusters: the chosen ones first, every cluster folded, a search that works
without JavaScript (the server filters) and never drops a choice."""

from __future__ import annotations

import re

from flask import Flask
from werkzeug.test import TestResponse

from lti_tool.plans import career_clusters
from tests import factories
from tests.lti_driver import LtiDriver
from tests.plans.test_plan_pages import get, html, launch, post

HEALTH = "2024.healthcare-human-services"
SOFTWARE = "2024.digital-technology.software-solutions"


def search(lti: LtiDriver, token: str, words: str) -> TestResponse:
    return lti.client.get("/plans/me/clusters", query_string={"lt": token, "q": words})


def test_chosen_clusters_come_first_and_the_search_matches_names_and_pathways(
    app: Flask,
) -> None:
    with app.app_context():
        t = factories.tenant()
        student = factories.student_in(factories.course(t))
        plan = factories.plan(student)
        plan.cluster_codes = [HEALTH]
        plan.pathway_codes = [SOFTWARE]
        choices = career_clusters.cluster_choices(plan)
        assert [c.cluster.code for c in choices[:2]] == ["2024.digital-technology", HEALTH]
        assert choices[0].picked == 1 and not choices[0].chosen  # through a pathway
        assert choices[1].chosen and choices[1].picked == 1
        assert all(c.shown for c in choices) and len(choices) == 14
        # The rest keep the framework's order.
        assert choices[2].cluster.code == "2024.advanced-manufacturing"

        # A cluster's name: the whole cluster is shown, every pathway with it.
        found = {c.cluster.code: c for c in career_clusters.cluster_choices(plan, "  HEALTH ")}
        shown = [code for code, c in found.items() if c.shown]
        assert shown == [HEALTH]
        assert found[HEALTH].shown_pathways == {p.code for p in found[HEALTH].cluster.pathways}
        # A pathway's name: its cluster is shown with that pathway only.
        found = {c.cluster.code: c for c in career_clusters.cluster_choices(plan, "cyber")}
        assert [code for code, c in found.items() if c.shown] == ["2024.digital-technology"]
        assert found["2024.digital-technology"].shown_pathways == {
            "2024.digital-technology.network-systems-cybersecurity"
        }
        # Every word must match; nothing matches nonsense.
        assert not any(c.shown for c in career_clusters.cluster_choices(plan, "health zebra"))


def test_the_search_without_javascript_keeps_every_choice(lti: LtiDriver, app: Flask) -> None:
    token = launch(lti, lti.person("student", 2))
    post(lti, token, "/plans/me/clusters", {"cluster": [HEALTH], "pathway": [SOFTWARE]})
    page = html(get(lti, token, "/plans/me/clusters"))
    chosen = page[page.index('id="chosen-heading"') : page.index("</section>")]
    assert "Healthcare &amp; Human Services" in chosen and "Software Solutions" in chosen
    # The chosen clusters are open and on top.
    first_two = re.findall(
        r'<details class="cluster"[^>]*>\s*<summary><span class="cluster-name">([^<]+)', page
    )[:2]
    assert first_two == ["Digital Technology", "Healthcare &amp; Human Services"]

    page = html(search(lti, token, "farm"))
    assert re.search(r"\d+ of 14 clusters match “farm”\.", page)
    hidden = re.findall(r'<details class="cluster"[^>]*hidden>', page)
    assert 0 < len(hidden) < 14
    # The chosen ones, though hidden by the search, stay ticked in the form: saving keeps them.
    boxes = re.findall(r'name="(cluster|pathway)" value="([^"]+)"[^>]*checked', page)
    # (a chosen pathway brings its cluster along)
    assert sorted(boxes) == [
        ("cluster", "2024.digital-technology"),
        ("cluster", HEALTH),
        ("pathway", SOFTWARE),
    ]
    nothing = html(search(lti, token, "zzzz"))
    assert "0 of 14 clusters match" in nothing and "Try another word." in nothing
