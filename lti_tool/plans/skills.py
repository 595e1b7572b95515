"""Skills: one vocabulary and one way to compare them, for teachers' tags and students' plans.

A skill is a short phrase ("lab safety", "data analysis"). Teachers tag courses and
assignments with skills; students list theirs in the plan's profile. Both pick them from the
same **suggestions** (:func:`suggestions`): the skills teachers of the tenant tagged with
(a feature above plans registers that source, :func:`register_source`), the framework's
skills (``data/skills.json``: the O*NET skills, since the career-cluster data names none) and,
for a student, their own. A student's own skills are suggested back to that student only,
never to other students or to teachers.

**Matching** is done by :func:`skill_words` alone, which every matcher uses. A skill becomes
a set of word stems:

1. lower case, accents dropped; everything but letters, digits, ``+`` and ``#`` separates
   words ("Analysing-data." is "analysing data");
2. little words are left out (a, an, and, the, of, to, in, on, for, with, at, by, or, my, i,
   am, is, are, be, good, &);
3. British spellings folded to American: -ise/-yse and their forms to -ize/-yze
   ("analysing" is "analyzing", "organisation" is "organization"), -our to -or ("colour");
4. one common ending removed: -ysis/-yses become -yz ("analysis" is "analyz"), then the first
   of -ations, -ation, -ating, -ated, -ates, -ate, -ments, -ment, -ings, -ing, -ies (to -y),
   -ied (to -y), -ers, -er, -ed, -es, -s that leaves three letters; then a final -e, and a
   doubled last letter ("planning", "plans", "plan" are all "plan").

Word order does not count. A tag **matches** a student's skill when all of the tag's words
are among the skill's words: "Analysing data", "analysing-data", "Data analysis." and
"I am good at analyzing data" all match the tag "data analysis"; "data" alone does not
match the tag "data analysis", but the tag "data" matches "data analysis".
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Callable, Iterable
from functools import cache, lru_cache
from importlib import resources

from flask import current_app
from flask.sansio.app import App

#: Longest skill, in characters (after collapsing whitespace).
SKILL_MAX_LENGTH = 60
#: Most skills on one course, assignment or plan.
MAX_SKILLS = 30

#: Where an application keeps its registered suggestion sources (``app.extensions``).
EXTENSION_KEY = "lodestar.skill_sources"

#: A source of suggestions: the skills it knows in a tenant.
Source = Callable[[int], Iterable[str]]

_SPLIT = re.compile(r"[,;\n]")
_WORD = re.compile(r"[a-z0-9]+[+#]*")
_LITTLE = frozenset(
    [
        "a",
        "an",
        "and",
        "the",
        "of",
        "to",
        "in",
        "on",
        "for",
        "with",
        "at",
        "by",
        "or",
        "my",
        "i",
        "am",
        "is",
        "are",
        "be",
        "good",
    ]
)
_BRITISH = (
    (re.compile(r"(?<=[a-z]{3})is(e|es|ed|ing|ation|ations|er|ers)$"), r"iz\1"),
    (re.compile(r"(?<=[a-z]{2})ys(e|es|ed|ing|er|ers)$"), r"yz\1"),
    (re.compile(r"(?<=[a-z]{3})our(s|ed|ing|ful)?$"), r"or\1"),
)
_ENDINGS = (
    ("ations", ""),
    ("ation", ""),
    ("ating", ""),
    ("ated", ""),
    ("ates", ""),
    ("ate", ""),
    ("ments", ""),
    ("ment", ""),
    ("ings", ""),
    ("ing", ""),
    ("ies", "y"),
    ("ied", "y"),
    ("ers", ""),
    ("er", ""),
    ("ed", ""),
    ("es", ""),
    ("s", ""),
)


def clean_skill(raw: str) -> str:
    """A skill as typed, with inner whitespace collapsed and trimmed (case kept)."""
    return " ".join(raw.split())


def split_skills(text: str | None) -> tuple[str, ...]:
    """Skills typed in one box (commas, semicolons or lines between them), cleaned, each once.

    Two entries with the same :func:`skill_words` count once (the first is kept).
    """
    found: dict[frozenset[str] | str, str] = {}
    for part in _SPLIT.split(text or ""):
        skill = clean_skill(part)
        if skill:
            found.setdefault(skill_words(skill) or skill.lower(), skill)
    return tuple(found.values())


@lru_cache(maxsize=65536)
def _stem(word: str) -> str:
    if len(word) <= 3 or not word.isalpha():
        return word
    for pattern, replacement in _BRITISH:
        word = pattern.sub(replacement, word)
    if word.endswith(("ysis", "yses")) and len(word) > 5:
        return word[:-4] + "yz"
    for ending, replacement in _ENDINGS:
        if word.endswith(ending) and len(word) - len(ending) + len(replacement) >= 3:
            word = word[: -len(ending)] + replacement
            break
    if word.endswith("e") and len(word) > 3:
        word = word[:-1]
    if len(word) > 3 and word[-1] == word[-2] and word[-1] not in "aeiou":
        word = word[:-1]
    return word


@lru_cache(maxsize=4096)
def skill_words(skill: str) -> frozenset[str]:
    """The word stems a skill is compared by (see the module); empty for no words."""
    text = unicodedata.normalize("NFKD", skill.lower())
    text = "".join(c for c in text if not unicodedata.combining(c))
    return frozenset(_stem(w) for w in _WORD.findall(text) if w not in _LITTLE)


def skill_key(skill: str) -> str:
    """One string per skill as matching sees it: its word stems sorted ("analyz data")."""
    return " ".join(sorted(skill_words(skill)))


def skill_matches(tag: str, skill: str) -> bool:
    """Whether a teacher's ``tag`` matches a student's ``skill`` (see the module)."""
    words = skill_words(tag)
    return bool(words) and words <= skill_words(skill)


def matching_tags(tags: Iterable[str], skills: Iterable[str]) -> tuple[str, ...]:
    """The ``tags`` that match at least one of the student's ``skills``, in order."""
    word_sets = [w for w in (skill_words(s) for s in skills) if w]
    return tuple(
        t for t in tags if (tw := skill_words(t)) and any(tw <= words for words in word_sets)
    )


@cache
def framework_skills() -> tuple[str, ...]:
    """The framework's skills shipped with Lodestar (``data/skills.json``)."""
    data = json.loads(
        resources.files("lti_tool.plans").joinpath("data/skills.json").read_text("utf-8")
    )
    return tuple(data["skills"])


def register_source(app: App, name: str, source: Source) -> None:
    """Add a source of suggestions to ``app`` (once per name)."""
    sources: dict[str, Source] = app.extensions.setdefault(EXTENSION_KEY, {})
    sources[name] = source


def suggestions(tenant_id: int, own: Iterable[str] = ()) -> tuple[str, ...]:
    """The skills to suggest in a tenant: ``own`` skills, the registered sources' skills
    (teachers' tags) and the framework's, each once (by :func:`skill_key`), sorted."""
    found: dict[str, str] = {}
    sources: dict[str, Source] = current_app.extensions.get(EXTENSION_KEY, {})
    candidates = [
        *own,
        *(s for source in sources.values() for s in source(tenant_id)),
        *framework_skills(),
    ]
    for raw in candidates:
        skill = clean_skill(raw)
        if skill and len(skill) <= SKILL_MAX_LENGTH:
            found.setdefault(skill_key(skill) or skill.lower(), skill)
    return tuple(sorted(found.values(), key=str.lower))
