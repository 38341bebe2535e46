"""The action list's search: words in any order, any case, either kind of apostrophe."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from tests.factories import make_action, make_inspection, make_question
from tracker.filters import DEFAULT_SORT, SORTS
from tracker.models import Action
from tracker.search import Search, Way, few_ids, matching_actions

TODAY = timezone.localdate()

AFI = (
    "The force should make sure that its approach to ‘lifetime management’ of offenders is "
    "robust and structured, and that the force’s partners are involved."
)
SEARCH_MIGRATION = ("tracker", "0010_full_text_search_indexes")


@pytest.fixture
def question(force):
    return make_question(inspection=make_inspection(force=force))


def found(client, term: str) -> list[int]:
    response = client.get("/actions/", {"q": term})
    assert response.status_code == 200
    return [action.pk for action in response.context["page"].object_list]


@pytest.mark.parametrize(
    "term",
    [
        "robust structured",
        "structured robust",
        "ROBUST Structured",
        "'lifetime management'",
        "‘lifetime management’",
        "force's partners",
        '"lifetime management"',
        "“robust and structured”",
    ],
)
def test_search_finds_the_words_of_an_afi_in_any_order_case_and_apostrophe(
    signed_in, question, term
):
    afi = make_action(question=question, text=AFI)
    make_action(question=question, text="Something else entirely.")
    assert found(signed_in, term) == [afi.pk]


def test_a_straight_apostrophe_in_the_text_is_found_by_a_curly_one(signed_in, question):
    afi = make_action(question=question, text="Review the force's use of 'stop and search'.")
    assert found(signed_in, "force’s ‘stop") == [afi.pk]


@pytest.mark.parametrize(
    "term", ["robust kestrel", '"structured robust"', "lifetime-management-plan"]
)
def test_every_word_must_be_found(signed_in, question, term):
    make_action(question=question, text=AFI)
    assert found(signed_in, term) == []


def test_a_word_only_in_a_note_finds_its_action_once(signed_in, staff, question):
    afi = make_action(question=question, text=AFI, owner=staff)
    afi.add_note("Operation Kestrel: dip sample of 40 files", by=staff)
    afi.add_note("Second kestrel review; the DIP sample was repeated", by=staff)
    make_action(question=question, text="Something else entirely.")
    assert found(signed_in, "kestrel dip sample") == [afi.pk]
    assert found(signed_in, "kestrel robust") == []  # in a note and the text, not in one place


def test_a_search_that_finds_nothing_shows_the_empty_state(signed_in, question):
    make_action(question=question, text=AFI)
    page = signed_in.get("/actions/", {"q": "heliport"}).content.decode()
    assert "No actions match these filters." in page
    assert "Clear the filters" in page


@pytest.mark.parametrize(
    "term",
    ["robust " * 10_000, "x" * 50_000, "ab " * 16_666 + "robust"],
    ids=["10,000 words", "one 50,000-character word", "16,667 words"],
)
def test_a_50000_character_search_answers_with_its_first_words(signed_in, question, term):
    afi = make_action(question=question, text=AFI)
    assert len(term) >= 50_000
    response = signed_in.get("/actions/", {"q": term})
    assert response.status_code == 200
    page = response.content.decode()
    assert "Only the first 20 words" in page
    if term.startswith("robust"):
        assert [action.pk for action in response.context["page"].object_list] == [afi.pk]


def test_a_short_search_says_nothing_about_being_cut(signed_in, question):
    make_action(question=question, text=AFI)
    assert "Only the first" not in signed_in.get("/actions/?q=robust").content.decode()


def test_the_csv_export_finds_the_same_words(signed_in, question):
    make_action(question=question, text=AFI)
    make_action(question=question, text="Something else entirely.")
    response = signed_in.get("/actions/export.csv", {"q": "structured ROBUST"})
    rows = b"".join(response.streaming_content).decode().splitlines()
    assert len(rows) == 2
    assert "robust and structured" in rows[1]


@pytest.mark.django_db(transaction=True)
def test_the_search_index_migration_applies_backwards_and_forwards():
    executor = MigrationExecutor(connection)
    previous = executor.loader.graph.node_map[SEARCH_MIGRATION].parents
    leaves = executor.loader.graph.leaf_nodes()
    try:
        executor.migrate([parent.key for parent in previous])
        assert not word_indexes()
        executor = MigrationExecutor(connection)
        executor.migrate([SEARCH_MIGRATION])
        if connection.vendor == "postgresql":
            assert word_indexes() == {"tracker_action_text_words", "tracker_note_body_words"}
    finally:
        MigrationExecutor(connection).migrate(leaves)


def word_indexes() -> set[str]:
    with connection.cursor() as cursor:
        names = {
            name
            for table in ("tracker_action", "tracker_evidencenote")
            for name in connection.introspection.get_constraints(cursor, table)
        }
    return {name for name in names if name.endswith("_words")}


WORDS_MIGRATION = ("tracker", "0021_stored_words")


@pytest.mark.django_db(transaction=True)
def test_the_stored_words_migration_applies_backwards_and_forwards():
    """0021 keeps each action's and note's words in a column PostgreSQL computes; backwards,
    0010's expression indexes come back."""
    executor = MigrationExecutor(connection)
    previous = executor.loader.graph.node_map[WORDS_MIGRATION].parents
    leaves = executor.loader.graph.leaf_nodes()
    try:
        executor.migrate([parent.key for parent in previous])
        if connection.vendor == "postgresql":
            assert word_indexes() == {"tracker_action_text_words", "tracker_note_body_words"}
            assert not words_columns()
        executor = MigrationExecutor(connection)
        executor.migrate([WORDS_MIGRATION])
        if connection.vendor == "postgresql":
            assert word_indexes() == {"tracker_action_words", "tracker_note_words"}
            assert words_columns() == {"tracker_action", "tracker_evidencenote"}
    finally:
        MigrationExecutor(connection).migrate(leaves)


@pytest.mark.parametrize("way", list(Way))
def test_every_way_of_searching_finds_the_same_actions(question, inspector, way):
    """PostgreSQL chooses how to find the matches by how common the words are (issue 16):
    each way finds what the others do, in the list's order (SQLite has one way)."""
    in_text = make_action(question=question, text=AFI, due_date=TODAY, original_due_date=TODAY)
    in_note = make_action(
        question=question, text="Another finding.", due_date=TODAY, original_due_date=TODAY
    )
    in_note.add_note("The lifetime management panel met.", by=inspector)
    split = make_action(question=question, text="A third.", due_date=TODAY, original_due_date=TODAY)
    split.add_note("lifetime", by=inspector)
    split.add_note("management", by=inspector)
    by_reference = make_action(question=question, text="A fourth.", reference="Lifetime 7")
    make_action(question=question, text="Nothing like it.")
    listed = Action.objects.order_by(*SORTS[DEFAULT_SORT])
    for words, expected in (
        ("lifetime management", [in_text.pk, in_note.pk]),
        ("lifetime 7", [by_reference.pk]),
    ):
        search = Search.parse(words)
        ids = ()
        if way is Way.FEW and connection.vendor == "postgresql":
            ids = few_ids(connection.alias, search) or ()
        found = matching_actions(listed, search, way, ids)
        assert [row.pk for row in found] == expected, words


def words_columns() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_name FROM information_schema.columns WHERE column_name = 'words'"
            " AND table_name IN ('tracker_action', 'tracker_evidencenote')"
        )
        return {row[0] for row in cursor.fetchall()}
