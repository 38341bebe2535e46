"""The PEEL question framework, as reference data: HMICFRS's core questions per year and pillar
for 2014–2019 (with their numbers), and the areas of policing per cycle from 2021 on. Pure
Python.

The wording is HMICFRS's (formerly HMIC's), © Crown copyright, published under the Open
Government Licence v3.0: "Contains public sector information licensed under the Open Government
Licence v3.0" (HMICFRS, https://www.justiceinspectorates.gov.uk/hmicfrs/).

What it is for: a pillar page need not number its questions, or may show only some of them (a
2018 Efficiency page that shows only "How well does the force plan for the future?" is showing
question 2, not 1). `question_number` gives the number HMICFRS gives the question, so that the
stored Question has it whatever the page shows, and a later `--replace` of a fuller page
matches the right one. `official_area` gives the official label of an area of policing written
another way, so that a 2021+ report's area is stored under one label.

Matching folds case, punctuation, quotes, dashes and spaces ("anti-social" and "antisocial"
alike), "&" and "and", and "the" (`fold`); nothing looser: a wording not below is not matched.

Only what is attested is here, each with where it was read. Left out, because its wording (or
its number) could not be read verbatim, and so kept as the page writes it:

- 2014: Effectiveness after question 1 (the pages read stop inside question 2); Legitimacy (its
  pages' questions are unnumbered); Leadership (not inspected as a pillar in 2014).
- 2015: Leadership question 4 (the list read stops inside its wording).
- 2016: Legitimacy (only paraphrases were read); Leadership after question 1.
- 2017: Effectiveness questions 4 and 5, Efficiency and Legitimacy (only paraphrases in press
  releases were read); there was no Leadership pillar in 2017.
- 2019: no question set of its own. The 2018/19 cycle's pages are headed "PEEL 2018", and read
  as 2018.
- 2021 on: the official order of the areas within a report; which 2021/22 labels later cycles
  kept; the 2025–27 labels after the first.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class CoreQuestion:
    number: int  # HMICFRS's number within its year and pillar
    text: str  # HMICFRS's wording
    also: tuple[str, ...] = ()  # other wordings of it, on pages, in reports and in the press


@dataclass(frozen=True)
class PolicingArea:
    label: str  # the official label
    also: tuple[str, ...] = ()  # other wordings of it


# (year, pillar) → its core questions. Sources, all HMICFRS's:
# - 2014: "PEEL News – Update 3" (the three efficiency questions, numbered); the Lancashire
#   PEEL 2014 Effectiveness page (question 1 under its number line).
# - 2015 and 2018 (the 2018/19 cycle): the PEEL 2015 and PEEL 2018/19 grade overviews, which
#   number every question ("Efficiency - Question 2"); other wordings of 2018's from the
#   contents of a 2018/19 force report.
# - 2016: the PEEL 2016 pillar pages (Effectiveness numbered 1–5; Efficiency's three questions
#   in the order the Gwent page gives them; Leadership's first, on the Leicestershire page) and
#   the "2016 PEEL assessment" question list.
# - 2017: the "2017 PEEL assessment" question list (its first three core questions, in order)
#   and the Cumbria PEEL 2017 Effectiveness page; other wordings from the force press releases.
# The Effectiveness pillar's first three core questions, worded alike from 2016 to 2018.
PREVENTING = (
    "How effective is the force at preventing crime, tackling anti-social behaviour and keeping "
    "people safe?"
)
INVESTIGATING = "How effective is the force at investigating crime and reducing re-offending?"
PROTECTING = (
    "How effective is the force at protecting those who are vulnerable from harm, and supporting "
    "victims?"
)


QUESTIONS: dict[tuple[int, str], tuple[CoreQuestion, ...]] = {
    (2014, "Effectiveness"): (
        CoreQuestion(
            1,
            "How effective is the force at reducing crime and preventing offending?",
            ("reducing crime and preventing offending",),
        ),
    ),
    (2014, "Efficiency"): (
        CoreQuestion(1, "To what extent is the force efficient?"),
        CoreQuestion(
            2,
            "To what extent is the force taking steps to ensure a secure financial position "
            "for the short and long term?",
        ),
        CoreQuestion(
            3, "To what extent has the force got an affordable way of providing policing?"
        ),
    ),
    (2015, "Effectiveness"): (
        CoreQuestion(
            1,
            "How effective is the force at preventing crime and anti-social behaviour, and "
            "keeping people safe?",
        ),
        CoreQuestion(
            2, "How effective is the force at investigating crime and managing offenders?"
        ),
        CoreQuestion(
            3,
            "How effective is the force at protecting from harm those who are vulnerable, and "
            "supporting victims?",
        ),
        CoreQuestion(
            4,
            "How effective is the force at tackling serious and organised crime, including its "
            "arrangement for fulfilling its national policing responsibilities?",
        ),
    ),
    (2015, "Efficiency"): (
        CoreQuestion(1, "How well does the force use its resources to meet its demand?"),
        CoreQuestion(2, "How sustainable and affordable is the workforce model?"),
        CoreQuestion(
            3, "How sustainable is the force’s financial position for the short and long term?"
        ),
    ),
    (2015, "Legitimacy"): (
        CoreQuestion(
            1,
            "To what extent does practice and behaviour reinforce the wellbeing of staff and an "
            "ethical culture?",
        ),
        CoreQuestion(
            2,
            "To what extent are forces recording crimes in accordance with the Home Office "
            "Counting Rules?",
        ),
        CoreQuestion(
            3,
            "How well does the force understand, engage with and treat fairly the people it "
            "serves to maintain and improve its legitimacy?",
        ),
        CoreQuestion(
            4,
            "To what extent are decisions taken on the use of stop and search and Taser fair and "
            "appropriate?",
        ),
    ),
    (2015, "Leadership"): (
        CoreQuestion(
            1,
            "How well does the force have a clear understanding of the current state of its "
            "leadership at every level?",
        ),
        CoreQuestion(
            2,
            "How well has the force provided a clear and compelling sense of the future "
            "direction of the organisation?",
        ),
        CoreQuestion(
            3,
            "How is the force developing leadership, motivating the workforce and encouraging "
            "staff engagement?",
        ),
    ),
    (2016, "Effectiveness"): (
        CoreQuestion(1, PREVENTING),
        CoreQuestion(2, INVESTIGATING),
        CoreQuestion(3, PROTECTING),
        CoreQuestion(4, "How effective is the force at tackling serious and organised crime?"),
        CoreQuestion(5, "How effective are the force’s specialist capabilities?"),
    ),
    (2016, "Efficiency"): (
        CoreQuestion(1, "How well does the force understand the current and likely future demand?"),
        CoreQuestion(2, "How well does the force use its resources to manage current demand?"),
        CoreQuestion(3, "How well is the force planning for demand in the future?"),
    ),
    (2016, "Leadership"): (CoreQuestion(1, "How well does the force understand leadership?"),),
    (2017, "Effectiveness"): (
        CoreQuestion(1, PREVENTING, ("Preventing crime and tackling anti-social behaviour",)),
        CoreQuestion(2, INVESTIGATING, ("investigating crime and reducing re-offending",)),
        CoreQuestion(3, PROTECTING, ("Protecting vulnerable people",)),
    ),
    (2018, "Effectiveness"): (
        CoreQuestion(1, PREVENTING, ("Preventing crime and tackling anti-social behaviour",)),
        CoreQuestion(2, INVESTIGATING, ("Investigating crime",)),
        CoreQuestion(3, PROTECTING, ("Protecting vulnerable people",)),
        CoreQuestion(
            4,
            "How effective is the force at tackling serious and organised crime?",
            ("Tackling serious and organised crime",),
        ),
        CoreQuestion(
            5, "How effective are the force’s specialist capabilities?", ("Armed policing",)
        ),
    ),
    (2018, "Efficiency"): (
        CoreQuestion(
            1,
            "How well does the force use its resources to meet the demand it faces?",
            ("Meeting current demands and using resources",),
        ),
        CoreQuestion(
            2, "How well does the force plan for the future?", ("Planning for the future",)
        ),
    ),
    (2018, "Legitimacy"): (
        CoreQuestion(
            1,
            "To what extent does the force treat all of the people it serves with fairness and "
            "respect?",
            ("Treating the public fairly",),
        ),
        CoreQuestion(
            2,
            "How well does the force ensure that its workforce behaves ethically and lawfully?",
            ("Ethical and lawful workforce behaviour",),
        ),
        CoreQuestion(
            3,
            "To what extent does the force treat its workforce with fairness and respect?",
            ("Treating the workforce fairly",),
        ),
    ),
}

# Cycle → its areas of policing. Sources, all HMICFRS's: the 2021/22 labels attested in its
# reports (listed in no particular order: the official order is not attested); the 2023–25
# addition "Leadership and force management", and the first core question of the PEEL
# Assessment Framework 2023–2025 (the victim service, which reports assess but do not grade);
# the first core question of the PEEL Assessment Framework 2025–2027. "Crime data integrity" is
# how letters name the area whose label is "Recording data about crime" (a 2024 letter to Devon
# and Cornwall Police: "crime data integrity (CDI)").
AREAS: dict[str, tuple[PolicingArea, ...]] = {
    "2021/22": (
        PolicingArea("Preventing crime and anti-social behaviour"),
        PolicingArea("Engaging with and treating the public with fairness and respect"),
        PolicingArea("Investigating crime"),
        PolicingArea("Protecting vulnerable people"),
        PolicingArea("Managing offenders and suspects"),
        PolicingArea("Responding to the public"),
        PolicingArea("Building, supporting and protecting the workforce"),
        PolicingArea("Strategic planning, organisational management and value for money"),
        PolicingArea("Recording data about crime", ("Crime data integrity",)),
        PolicingArea("Disrupting serious and organised crime"),
        PolicingArea(
            "The strategic policing requirement, and how well it protects the public from "
            "armed threats"
        ),
    ),
    "2023–25": (
        PolicingArea("How good is the force’s service for victims of crime?"),
        PolicingArea("Leadership and force management"),
    ),
    "2025–27": (PolicingArea("How good is the force at leadership and force management?"),),
}

_NOISE_WORDS = frozenset({"the", "and"})
_WORD_RE = re.compile(r"[^\W_]+")


def fold(text: str) -> str:
    """A wording reduced to what tells it apart: its letters and digits, lower case, with no
    punctuation, quotes, dashes or spaces ("anti-social", "anti social" and "antisocial" are
    one), "&" read as "and", and without the words "the" and "and"."""
    words = _WORD_RE.findall(text.casefold().replace("&", " and "))
    return "".join(word for word in words if word not in _NOISE_WORDS)


def _wordings(item: CoreQuestion | PolicingArea) -> tuple[str, ...]:
    first = item.text if isinstance(item, CoreQuestion) else item.label
    return (first, *item.also)


_NUMBER_BY_FOLDED = {
    (year, pillar.casefold(), fold(wording)): question.number
    for (year, pillar), questions in QUESTIONS.items()
    for question in questions
    for wording in _wordings(question)
}
_AREA_BY_FOLDED = {
    (cycle, fold(wording)): area.label
    for cycle, areas in AREAS.items()
    for area in areas
    for wording in _wordings(area)
}


def question_number(year: int | None, pillar: str | None, text: str) -> int | None:
    """HMICFRS's number for the question `text` of that year's pillar ("Efficiency" or
    "efficiency"), in its official wording or another; None when it is not one we know."""
    if year is None or pillar is None:
        return None
    return _NUMBER_BY_FOLDED.get((year, pillar.casefold(), fold(text)))


def official_area(cycle: str | None, label: str) -> str | None:
    """The official label of the area `label` names, or None when it is not one we know.

    The cycle's own areas come first ("2021/22", "2023–25", "2025–27"), then every cycle's:
    areas carry over between cycles, and which ones each cycle kept is not attested. With no
    cycle, every cycle's areas, latest first."""
    folded = fold(label)
    cycles = sorted(AREAS, reverse=True)
    if cycle in AREAS:
        cycles.remove(cycle)
        cycles.insert(0, cycle)
    for each in cycles:
        if (found := _AREA_BY_FOLDED.get((each, folded))) is not None:
            return found
    return None
