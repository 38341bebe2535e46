"""The action list's search: words, in any order, whatever their case or kind of apostrophe.

What a user types is read as words (a phrase in double quotes stays one term). An action is
found when its area-for-improvement text, or one of its notes, holds every term (words split
between the text and a note, or between two notes, do not find it). The whole search, its
quotes left out, also finds the action whose force's own reference it is ("AFI 7", "afi 7"),
on both databases alike. Reports are
typed with curly apostrophes and quotes (‘lifetime management’, force’s), keyboards give
straight ones; both read alike.

- PostgreSQL: full-text search with the English dictionary, on the words migration 0021 keeps
  in each action and note, with their GIN indexes (three ways to a page, below). Words are
  stemmed, so "structured" also finds "structure" and "referrals" finds "referral"; words too
  common to index ("the", "and", "of") are left out of the search, and a search of only such
  words finds nothing.
- SQLite (development and small installs): each term must appear in the text, as a part of a
  word or whole, ignoring the case of ASCII letters. "structure" finds "structured", not the
  other way round.

A search is cut to its first MAX_TERMS words and MAX_CHARACTERS characters (the page says so):
more finds nothing more useful, and SQLite refused a 50,000-character search outright.
"""

from __future__ import annotations

import enum
import json
import re
from dataclasses import dataclass

from django.db import connections
from django.db.models import (
    BooleanField,
    Exists,
    Expression,
    OuterRef,
    Q,
    QuerySet,
    TextField,
    Value,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import Replace

from tracker.models import EvidenceNote
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


class Way(enum.Enum):
    """How PostgreSQL finds the matches (see `way_for`)."""

    FEW = "few"  # the ids of every match, joined: a handful of matches
    SETS = "sets"  # the list, read in order, kept when its id is among the matches' ids
    WALK = "walk"  # the list, read in order, each action's and its notes' words checked


def matching_actions(
    actions: QuerySet, search: Search, way: Way = Way.SETS, ids: tuple[int, ...] = ()
) -> QuerySet:
    """The actions whose text, or one of whose notes, holds every term of the search, and the
    action whose reference the search is. `way` is PostgreSQL's, and for FEW the matching
    `ids` (`way_for`); SQLite has one way.

    `Exists` (or IN) rather than a join, so an action with many matching notes is one row.
    """
    if not search.terms:
        return actions.none()
    by_reference = Q(reference__iexact=search.reference)
    if connections[actions.db].vendor == "postgresql":
        query, params = _tsquery(search.terms)
        if way is Way.WALK:
            return actions.filter(Q(OwnWords(query, params)) | by_reference)
        if way is Way.FEW:
            return actions.filter(pk__in=ids)
        texts = RawSQL(TEXTS_SQL.format(query=query), params)
        notes = RawSQL(NOTES_SQL.format(query=query), params)
        return actions.filter(Q(pk__in=texts) | Q(pk__in=notes) | by_reference)
    matching_notes = EvidenceNote.objects.alias(
        body_straight=_with_straight_apostrophes("body")
    ).filter(_every_term("body", search.terms), action=OuterRef("pk"))
    return actions.alias(text_straight=_with_straight_apostrophes("text")).filter(
        _every_term("text", search.terms) | Exists(matching_notes) | by_reference
    )


# PostgreSQL. Migration 0021 keeps each action's and each note's words (`words`, a tsvector)
# in the row, with a GIN index on each. Three ways to a page of matches:
#
# - FEW: the GIN indexes give the ids of every match (its text, one of its notes, or its
#   reference; FIRST_SQL), at most FEW, and the list is those ids: sorted and joined.
# - SETS: the GIN indexes give the ids of the actions whose text matches and of those with a
#   matching note; the list is read in its order and each action kept when its id is in
#   either (migration 0010's way). Costs a fetch per matching note: nothing for a word in a
#   hundred notes, 34,000 fetches for "operation kestrel" at 5,000,000 notes. (With a few
#   thousand matches, as one id set in SQL, PostgreSQL joined every action before sorting.)
# - WALK: common words, in an order an index gives (due date, the default): the list is read
#   in its order and each action checked (its words, then its notes' words through the notes'
#   index on action) until the page is full (OwnWords). Costs what the page needs: a word as
#   common fills a page from as many actions at any size; but it would read every action to
#   find a rare word.
#
# `way_for` decides from PostgreSQL's estimates (its statistics of the words columns; no row
# is read): walking costs about 2 × page × actions / matches checks of an action (the page and
# its count), each about WALK_COST fetches of a note; SETS costs about a fetch per match. So
# walk when the matches are more than √(2 × page × WALK_COST × actions): at 50,000 actions
# about 3,200, at 500,000 about 10,000. Measured: checking an action cost 5.5 µs, fetching a
# matching note 2 µs (4 µs when the notes are not in PostgreSQL's buffers). The estimate of
# "operation kestrel" is low (1,378 notes of 3,412 at 50,000 actions; 13,539 of 33,156 at
# 500,000): the planner takes the words as independent, and they come together. Below the
# walk's threshold `few_ids` looks at the indexes' first FEW + 1 matches: FEW or SETS (the
# statistics estimate a word they do not know at 0.5% of the rows, as they would a rare one).
WALK_COST = 2
FEW = 200
TEXTS_SQL = "SELECT id FROM tracker_action WHERE words @@ ({query})"
NOTES_SQL = "SELECT action_id FROM tracker_evidencenote WHERE words @@ ({query})"
FIRST_SQL = (
    f"{TEXTS_SQL} UNION ALL {NOTES_SQL}"
    " UNION ALL SELECT id FROM tracker_action WHERE UPPER(reference::text) = UPPER(%s)"
)
ESTIMATED = ("notes that match", "actions whose text matches", "actions")
ESTIMATE_SQL = (
    "EXPLAIN (FORMAT JSON) SELECT 1 FROM tracker_evidencenote WHERE words @@ ({query})"
    " UNION ALL SELECT 1 FROM tracker_action WHERE words @@ ({query})"
    " UNION ALL SELECT 1 FROM tracker_action"
)


def _tsquery(terms: tuple[str, ...]) -> tuple[str, list[str]]:
    """Every term as a phrase (`phraseto_tsquery`, English), all of them required."""
    return " && ".join(["phraseto_tsquery('english'::regconfig, %s)"] * len(terms)), list(terms)


def way_for(using: str, search: Search, page_size: int = 0) -> tuple[Way, tuple[int, ...]]:
    """How to find the search's matches on PostgreSQL, and for FEW the matching ids.

    One EXPLAIN (statistics, no rows read) says whether the words are common enough to walk;
    if not, the indexes' first FEW + 1 entries say whether they are a handful. `page_size`:
    the rows of a page read in an order an index gives. Without one (an export, another
    order), on SQLite, or with nothing to search: SETS, and no query."""
    if not search.terms or not page_size or connections[using].vendor != "postgresql":
        return Way.SETS, ()
    query, params = _tsquery(search.terms)
    with connections[using].cursor() as cursor:
        cursor.execute(ESTIMATE_SQL.format(query=query), [*params, *params])
        plan = cursor.fetchone()[0]
        if isinstance(plan, str):
            plan = json.loads(plan)
        parts = [part["Plan Rows"] for part in plan[0]["Plan"].get("Plans", ())]
        if len(parts) == len(ESTIMATED):  # else a plan of another shape: do not walk
            notes, texts, actions = parts
            if (notes + texts) ** 2 > 2 * page_size * WALK_COST * actions:
                return Way.WALK, ()
    # The statistics cannot tell a rare word from one they do not know (both are estimated
    # at 0.5% of the rows): look.
    ids = few_ids(using, search)
    return (Way.SETS, ()) if ids is None else (Way.FEW, ids)


def few_ids(using: str, search: Search) -> tuple[int, ...] | None:
    """The ids of the actions that match, if FEW or fewer (None if more): the indexes' first
    FEW + 1 entries (UNION ALL stops there). PostgreSQL only."""
    query, params = _tsquery(search.terms)
    with connections[using].cursor() as cursor:
        cursor.execute(
            f"SELECT * FROM ({FIRST_SQL.format(query=query)}) AS found LIMIT %s",
            [*params, *params, search.reference, FEW + 1],
        )
        found = [row[0] for row in cursor.fetchall()]
    return tuple(sorted(set(found))) if len(found) <= FEW else None


class OwnWords(Expression):
    """The action's own words, or one of its notes', hold the query: checked row by row.

    `OFFSET 0` keeps the notes' check inside each row, where PostgreSQL would otherwise
    gather every matching note first (that is SETS's way, for rarer words).
    """

    conditional = True
    output_field = BooleanField()

    def __init__(self, query: str, params: list[str]):
        super().__init__()
        self.query, self.params = query, params

    def as_sql(self, compiler, connection):
        table = compiler.quote_name_unless_alias(compiler.query.get_initial_alias())
        sql = (
            f"({table}.words @@ ({self.query}) OR EXISTS (SELECT 1 FROM tracker_evidencenote"
            f" note WHERE note.action_id = {table}.id AND note.words @@ ({self.query}) OFFSET 0))"
        )
        return sql, [*self.params, *self.params]


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
