"""The career cluster frameworks shipped as reference data, and their loader."""

from __future__ import annotations

import re

import pytest

from lti_tool.plans import reference
from lti_tool.plans.reference import UnknownCodeError

CODE = re.compile(r"^[0-9]{4}(\.[a-z0-9]+(-[a-z0-9]+)*)+$")


def test_both_frameworks_ship_and_2024_is_the_default() -> None:
    assert list(reference.frameworks()) == ["2008", "2024"]
    assert reference.DEFAULT_FRAMEWORK == "2024"
    assert reference.framework() is reference.framework("2024")


def test_2008_has_16_clusters_and_79_pathways() -> None:
    fw = reference.framework("2008")
    assert len(fw.clusters) == 16
    assert len(fw.pathways) == 79
    assert all(c.pathways for c in fw.clusters)
    assert not any(c.cross_cutting for c in fw.clusters)


def test_2024_has_14_clusters_72_sub_clusters_and_3_cross_cutting() -> None:
    fw = reference.framework("2024")
    assert len(fw.clusters) == 14
    assert len(fw.pathways) == 72
    cross = {c.code for c in fw.clusters if c.cross_cutting}
    assert cross == {
        "2024.digital-technology",
        "2024.management-entrepreneurship",
        "2024.marketing-sales",
    }


def test_known_names_are_where_they_belong() -> None:
    health = reference.cluster("2008.health-science")
    assert health.name == "Health Science"
    assert reference.pathway("2008.health-science.therapeutic-services").name == (
        "Therapeutic Services"
    )
    afnr = reference.cluster("2008.agriculture-food-natural-resources")
    assert [p.name for p in afnr.pathways][:2] == ["Agribusiness Systems", "Animal Systems"]
    assert reference.cluster("2024.arts-entertainment-design").name == (
        "Arts, Entertainment, & Design"
    )


def test_codes_are_unique_ascii_slugs_nested_under_their_cluster() -> None:
    seen: set[str] = set()
    for fw in reference.frameworks().values():
        for c in fw.clusters:
            assert CODE.match(c.code), c.code
            assert c.code.startswith(f"{fw.version}.")
            assert c.version == fw.version
            assert c.code not in seen
            seen.add(c.code)
            for p in c.pathways:
                assert CODE.match(p.code), p.code
                assert p.code.startswith(f"{c.code}.")
                assert p.cluster_code == c.code
                assert p.code not in seen
                seen.add(p.code)


def test_names_are_unique_within_a_framework_and_cluster() -> None:
    for fw in reference.frameworks().values():
        names = [c.name for c in fw.clusters]
        assert len(set(names)) == len(names)
        for c in fw.clusters:
            p_names = [p.name for p in c.pathways]
            assert len(set(p_names)) == len(p_names), c.code


def test_metadata_names_publisher_source_and_date() -> None:
    for fw in reference.frameworks().values():
        assert fw.source_url.startswith("https://")
        assert fw.retrieved == "2026-11-28"
        assert fw.publisher
        assert fw.name
        assert fw.note
    assert "Advance CTE" in reference.framework("2024").publisher
    assert "NASDCTEc" in reference.framework("2008").publisher


def test_every_cluster_has_a_one_sentence_description() -> None:
    for fw in reference.frameworks().values():
        for c in fw.clusters:
            assert c.description.endswith("."), c.code
            assert c.description.count(". ") == 0, c.code


def test_all_cluster_codes() -> None:
    codes = reference.all_cluster_codes()
    assert len(codes) == 30
    assert reference.all_cluster_codes("2024")[0] == "2024.advanced-manufacturing"
    assert set(reference.all_cluster_codes("2008")) < set(codes)


def test_frameworks_returns_a_copy() -> None:
    reference.frameworks().clear()
    assert len(reference.frameworks()) == 2


def test_lookups_on_a_framework_and_cluster() -> None:
    fw = reference.framework("2024")
    dt = fw.cluster("2024.digital-technology")
    assert dt.pathway("2024.digital-technology.data-science-ai").name == "Data Science & AI"
    with pytest.raises(KeyError, match=r"unknown career cluster code '2008\.finance'"):
        fw.cluster("2008.finance")
    with pytest.raises(KeyError, match="unknown pathway code"):
        dt.pathway("2024.digital-technology.nope")


def test_unknown_version_lists_the_known_ones() -> None:
    with pytest.raises(KeyError) as info:
        reference.framework("2019")
    assert str(info.value) == (
        "no career cluster framework with version '2019'; known versions: '2008', '2024'"
    )
    with pytest.raises(UnknownCodeError, match="no framework with version '2019'"):
        reference.cluster("2019.health-science")


def test_misspelt_cluster_code_suggests_close_matches() -> None:
    with pytest.raises(KeyError, match=r"did you mean '2024\.digital-technology'"):
        reference.cluster("2024.digital-tech")


def test_hopeless_code_shows_what_codes_look_like() -> None:
    example = r"codes look like '2008\.agriculture-food-natural-resources'"
    with pytest.raises(KeyError, match=example):
        reference.cluster("nonsense")


def test_cluster_and_pathway_codes_are_not_interchangeable() -> None:
    with pytest.raises(KeyError, match="is a pathway code, not a cluster code; use pathway"):
        reference.cluster("2008.health-science.therapeutic-services")
    with pytest.raises(KeyError, match="is a cluster code, not a pathway code; use cluster"):
        reference.pathway("2008.health-science")


def test_unknown_pathway_in_unknown_version() -> None:
    with pytest.raises(KeyError, match="known versions: '2008', '2024'"):
        reference.pathway("2031.health-science.therapeutic-services")


def test_dataclasses_are_frozen() -> None:
    c = reference.cluster("2024.education")
    with pytest.raises(AttributeError):
        c.name = "School"  # type: ignore[misc]


def test_bad_data_is_refused() -> None:
    good = {
        "framework": "F",
        "version": "2030",
        "publisher": "P",
        "source_url": "https://example.org",
        "retrieved": "2030-01-01",
        "clusters": [
            {"code": "2030.a", "name": "A", "pathways": [{"code": "2030.a.b", "name": "B"}]}
        ],
    }
    assert reference._parse_framework(good, "t.json").clusters[0].pathways[0].name == "B"

    wrong_prefix = {**good, "clusters": [{**good["clusters"][0], "code": "2024.a"}]}
    with pytest.raises(ValueError, match=r"code must look like '2030\.some-slug'"):
        reference._parse_framework(wrong_prefix, "t.json")

    stray = {"code": "2030.a", "name": "A", "pathways": [{"code": "2030.z.b", "name": "B"}]}
    with pytest.raises(ValueError, match=r"must start with '2030\.a\.'"):
        reference._parse_framework({**good, "clusters": [stray]}, "t.json")

    twice = {**good, "clusters": [good["clusters"][0], good["clusters"][0]]}
    with pytest.raises(ValueError, match="appears twice"):
        reference._parse_framework(twice, "t.json")

    nameless = {**good, "publisher": ""}
    with pytest.raises(ValueError, match="'publisher' must be a non-empty string"):
        reference._parse_framework(nameless, "t.json")
