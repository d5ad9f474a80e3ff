"""Specification of course_lib.rag.query_filters: dates and dish codes read from the course's real questions.

The reference for parsing is the knowledge base itself: each dated question's gold menu day carries
its date and its dish codes as data, independent of the question's wording.
"""
import pytest

from course_lib.data import load_knowledge, load_questions
from course_lib.rag.query_filters import FilteredRetriever, parse_filters
from course_lib.rag.retrievers import BM25Retriever, RetrieverError

MENUS = {d["id"]: d for d in load_knowledge(["menu"], include_update=True)}


def dated_questions():
    return [q for q in load_questions(["weekly_fact", "update_fact", "preference_and_fact"])
            if q["gold_doc_ids"] and q["gold_doc_ids"][0] in MENUS]


def test_every_dated_question_parses_to_its_gold_menu_date():
    questions = dated_questions()
    assert len(questions) >= 75
    parsed = {q["question"]: parse_filters(q["question"], default_year=2026).get("date") for q in questions}
    wrong = [(q["question"], parsed[q["question"]]) for q in questions
             if parsed[q["question"]] != [MENUS[q["gold_doc_ids"][0]]["date"]]]
    assert wrong == []


def test_every_dish_code_question_parses_to_a_code_of_its_gold_menu():
    questions = [q for q in load_questions(["keyword"]) if q["gold_doc_ids"] and q["gold_doc_ids"][0] in MENUS]
    assert len(questions) >= 10
    for q in questions:
        (code,) = parse_filters(q["question"])["dish_code"]
        assert code in {d["code"] for d in MENUS[q["gold_doc_ids"][0]]["dishes"]}, q["question"]


@pytest.mark.parametrize("question, year, expected", [
    ("What's the price of the pudding on Tuesday, 6 Jan 2026?", None, {"date": ["2026-01-06"]}),
    ("Protein in the soup on 19 January 2026 (a Monday)?", None, {"date": ["2026-01-19"]}),
    ("Menu for January 5, 2026 and 2026-01-07?", None, {"date": ["2026-01-05", "2026-01-07"]}),
    ("What is on 3rd Sept?", 2025, {"date": ["2025-09-03"]}),
    ("price of the day's soup Mon 12 January?", None, {}),  # no year and no default: no date
    ("Soup on 31 February 2026?", None, {}),                # no such day
    ("May I eat D-813 or D-201?", None, {"dish_code": ["D-813", "D-201"]}),
    ("How many lunches in 2026? Code d-813 is lower case.", None, {}),
])
def test_parse_filters_reads_dates_and_codes_and_skips_what_is_not_one(question, year, expected):
    assert parse_filters(question, default_year=year) == expected


def test_parse_filters_refuses_an_empty_question():
    with pytest.raises(RetrieverError, match="non-empty"):
        parse_filters(" ")


DOCS = [{"id": "mon", "text": "Menu: lentil soup, grill fish", "date": "2026-01-05",
         "dishes": [{"code": "D-101"}, {"code": "D-102"}]},
        {"id": "tue", "text": "Menu: tomato soup", "date": "2026-01-06", "dishes": [{"code": "D-201"}]},
        {"id": "faq", "text": "Lentil soup is served on Mondays; soup soup lentil", "date": "2025-12-01"}]


def test_a_parsed_date_restricts_the_ranking_to_that_day():
    filtered = FilteredRetriever(BM25Retriever(DOCS))
    assert filtered.default_year == 2026  # the most common year among the corpus's dates
    hits = filtered.search("lentil soup on Tuesday 6 January", k=2)
    assert [h.id for h in hits] == ["tue"]
    assert hits[0].metadata["filter"] == "applied" and hits[0].metadata["filter_values"] == "date=2026-01-06"


def test_a_dish_code_matches_through_the_list_of_dishes():
    hits = FilteredRetriever(BM25Retriever(DOCS)).search("lentil soup D-102 price", k=3)
    assert [h.id for h in hits] == ["mon"]


def test_without_a_parsed_filter_or_a_match_the_ranking_is_unfiltered_and_says_so():
    filtered, plain = FilteredRetriever(BM25Retriever(DOCS)), BM25Retriever(DOCS)
    none = filtered.search("lentil soup", k=2)
    assert [h.id for h in none] == [h.id for h in plain.search("lentil soup", k=2)]
    assert {h.metadata["filter"] for h in none} == {"none"}
    missing = filtered.search("lentil soup on 9 March 2026", k=2)
    assert [h.id for h in missing] == [h.id for h in plain.search("lentil soup on 9 March 2026", k=2)]
    assert {h.metadata["filter"] for h in missing} == {"fallback"}


def test_a_filter_on_an_unknown_field_or_key_is_refused():
    with pytest.raises(RetrieverError, match="no record has"):
        FilteredRetriever(BM25Retriever(DOCS), {"date": "day"})
    with pytest.raises(RetrieverError, match="No filter 'price'"):
        FilteredRetriever(BM25Retriever(DOCS), {"price": "price"})
    with pytest.raises(RetrieverError, match="larger than"):
        FilteredRetriever(BM25Retriever(DOCS)).search("soup", k=4)


def test_documents_added_to_the_inner_retriever_later_are_filtered_too():
    from course_lib.rag.vectorstore import Hit

    class Growing:  # a live index: records arrive after the filter is made
        def __init__(self, docs):
            self.records = {d["id"]: d for d in docs}

        def search(self, query, k):
            return [Hit(i, 1.0, {}) for i in list(self.records)[:k]]

    inner = Growing(DOCS)
    filtered = FilteredRetriever(inner)
    inner.records["wed"] = {"id": "wed", "text": "Menu: pea soup", "date": "2026-01-07", "dishes": [{"code": "D-301"}]}
    assert [h.id for h in filtered.search("soup on Wednesday 7 January", k=1)] == ["wed"]
    assert [h.id for h in filtered.search("what is D-301?", k=1)] == ["wed"]
