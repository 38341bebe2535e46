"""The action list's search: words, in any order, whatever their case or kind of apostrophe.

What a user types is read as words (a phrase in double quotes stays one term). An action is
found when its area-for-improvement text, or one of its notes, holds every term (words split
between the text and a note, or between two notes, do not find it). The whole search, its
quotes left out, also finds the action whose force's own reference it is ("AFI 7", "afi 7"),
on both databases alike. Reports are
typed with curly apostrophes and quotes (‘lifetime management’, force’s), keyboards give
straight ones; both read alike.

- PostgreSQL: full-text search with the English dictionary, answered by the GIN indexes of
  migration 0010. Words are stemmed, so "structured" also finds "structure" and "referrals"
  finds "referral"; words too common to index ("the", "and", "of") are left out of the
  search, and a search of only such words finds nothing.
- SQLite (development and small installs): each term must appear in the text, as a part of a
  word or whole, ignoring the case of ASCII letters. "structure" finds "structured", not the
  other way round.

A search is cut to its first MAX_TERMS words and MAX_CHARACTERS characters (the page says so):
more finds nothing more useful, and SQLite refused a 50,000-character search outright.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.contrib.postgres.search import SearchQuery, SearchVector
from django.db import connections
from django.db.models import Exists, OuterRef, Q, QuerySet, TextField, Value
from django.db.models.functions import Replace

from tracker.models import Action, EvidenceNote
from tracker.workflow import REFERENCE_MAX_LENGTH

MAX_TERMS = 20
MAX_CHARACTERS = 500

# Typographic apostrophes and quotes, read as the keyboard's straight ones.
CURLY_APOSTROPHES = "‘’‛ʼ"
CURLY_QUOTES = "“”„"
STRAIGHT = str.maketrans(
    CURLY_APOSTROPHES + CURLY_QUOTES, "'" * len(CURLY_APOSTROPHES) + '"' * len(CURLY_QUOTES)
)
PHRASE = re.compile(r'"([^"]*)"')
# What a word may not start or end with: quotes around it, a comma or full stop after it.
EDGE = re.compile(r"^\W+|\W+$")


@dataclass(frozen=True)
class Search:
    terms: tuple[str, ...]
    shortened: bool
    # The whole search as a force's own reference ("AFI 7"): matched exactly, ignoring case.
    reference: str = ""

    @classmethod
    def parse(cls, value: str) -> Search:
        value = " ".join(value.translate(STRAIGHT).split())
        shortened = len(value) > MAX_CHARACTERS
        value = value[:MAX_CHARACTERS]
        terms = []
        for n, part in enumerate(PHRASE.split(value)):
            if n % 2:  # inside double quotes
                terms.append(EDGE.sub("", part))
            else:
                terms.extend(EDGE.sub("", word) for word in part.split())
        terms = [term for term in terms if term]
        shortened = shortened or len(terms) > MAX_TERMS
        reference = " ".join(value.replace('"', " ").split())
        return cls(tuple(terms[:MAX_TERMS]), shortened, reference[:REFERENCE_MAX_LENGTH])

    @property
    def note(self) -> str:
        """What the page says when the search was cut short, or nothing."""
        if not self.shortened:
            return ""
        return (
            f"Only the first {MAX_TERMS} words (at most {MAX_CHARACTERS} characters) "
            "of your search were looked for."
        )


def matching_actions(actions: QuerySet, search: Search) -> QuerySet:
    """The actions whose text, or one of whose notes, holds every term of the search, and the
    action whose reference the search is.

    `Exists` (or IN) rather than a join, so an action with many matching notes is one row.
    """
    if not search.terms:
        return actions.none()
    by_reference = Q(reference__iexact=search.reference)
    if connections[actions.db].vendor == "postgresql":
        query = SearchQuery(search.terms[0], search_type="phrase", config="english")
        for term in search.terms[1:]:
            query &= SearchQuery(term, search_type="phrase", config="english")
        # Each side reads its GIN index into a set of ids that the list then checks; a
        # condition on the list's own rows would compute every action's words instead.
        texts = Action.objects.alias(words=SearchVector("text", config="english"))
        notes = EvidenceNote.objects.alias(words=SearchVector("body", config="english"))
        return actions.filter(
            Q(pk__in=texts.filter(words=query).values("pk"))
            | Q(pk__in=notes.filter(words=query).values("action_id"))
            | by_reference
        )
    matching_notes = EvidenceNote.objects.alias(
        body_straight=_with_straight_apostrophes("body")
    ).filter(_every_term("body", search.terms), action=OuterRef("pk"))
    return actions.alias(text_straight=_with_straight_apostrophes("text")).filter(
        _every_term("text", search.terms) | Exists(matching_notes) | by_reference
    )


def _with_straight_apostrophes(field: str):
    expression: str | Replace = field
    for curly in CURLY_APOSTROPHES:
        expression = Replace(expression, Value(curly), Value("'"), output_field=TextField())
    return expression


def _every_term(field: str, terms: tuple[str, ...]) -> Q:
    """Each term in `field`, read with straight apostrophes where the term has one.

    Elsewhere the column as stored finds the same rows, without rewriting every note.
    """
    condition = Q()
    for term in terms:
        column = f"{field}_straight" if "'" in term else field
        condition &= Q(**{f"{column}__icontains": term})
    return condition
