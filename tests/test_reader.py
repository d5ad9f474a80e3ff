"""Specification of the reader's levers (lesson 09): records, a worked example, abstention, the ladder's tests.

Records are checked against texts written by hand in the three layouts of the knowledge base (a bulleted
list, a table of "label: value" lines, a dish card, prose). The pipeline runs with a stub generator and a
fake retriever, so the prompts and the abstentions are checked exactly; no model is loaded.
"""
import pytest

from course_lib import data
from course_lib.rag import Hit, pipeline
from course_lib.rag.chunking import chunk_documents
from course_lib.rag.pipeline import NO_MATCH, RAG, build_rag_prompt, fit_context
from course_lib.rag.reader import EXAMPLES, READER_SYSTEM, WorkedExample, example_for
from course_lib.rag.records import by_record
from course_lib.rag.records import record_chunks
from course_lib.runs.lesson09_reader import LADDER, ladder_tests


def _texts(text, **kw):
    return [(text[s:e], h) for s, e, h in by_record(text, **kw)]


# --- records --------------------------------------------------------------------------------------

def test_a_bulleted_list_gives_one_record_per_line_under_its_lead_in():
    text = "Broccoli\n\nPer 100 g:\n- Protein: 2.82 g\n- Potassium: 316 mg\n- Calcium: 47 mg"
    assert _texts(text) == [("Broccoli", ()), ("- Protein: 2.82 g", ("Per 100 g",)),
                            ("- Potassium: 316 mg", ("Per 100 g",)), ("- Calcium: 47 mg", ("Per 100 g",))]


def test_a_table_of_label_value_lines_gives_one_record_per_line():
    text = "Energy per 100 g: 25 kcal\nProtein per 100 g: 2.58 g\nCalcium per 100 g: 160 mg"
    assert [t for t, _ in _texts(text)] == text.split("\n")


def test_a_dish_card_stays_whole_and_prose_splits_into_sentences_under_its_heading():
    card = "Sweet: Panna cotta (D-294)\nPrice €2.50 | protein 4 g | 250 kcal\nAllergens: milk"
    text = f"{card}\n\n## Hours\nLunch is at noon. The bar opens at 7:45."
    assert _texts(text) == [(card, ()), ("Lunch is at noon.", ("Hours",)), ("The bar opens at 7:45.", ("Hours",))]


def test_two_label_lines_are_a_card_not_a_table():
    text = "Typical portion: 20 g.\nSource: USDA."
    assert _texts(text) == [(text, ())]


def test_a_record_over_the_budget_is_cut_so_the_budget_holds():
    text = "word " * 30 + "end."
    assert all(len(t.split()) <= 8 for t, _ in _texts(text, max_tokens=8))
    with pytest.raises(ValueError):
        by_record(text, max_tokens=0)


def test_records_keep_their_metadata_and_point_back_into_the_document():
    doc = {"id": "menu-1", "type": "menu", "title": "Monday", "date": "2026-01-05", "text": "Soup: Leek (D-1)\nPrice €3"}
    [chunk] = chunk_documents([doc], by_record)
    assert chunk.id == "menu-1#0" and chunk.metadata["date"] == "2026-01-05"
    assert doc["text"][chunk.start:chunk.end] == chunk.text


def test_the_course_knowledge_base_is_cut_into_records_each_shorter_than_its_sections():
    records = record_chunks(data.load_knowledge())
    nutrient = [r for r in records if r["id"].startswith("nut-0075#")]
    assert any(r["text"].endswith("Potassium: 316 mg") for r in nutrient)
    dishes = [r for r in records if r["id"].startswith("menu-w03-mon#")]
    assert sum("(D-" in r["text"] for r in dishes) == 4          # four dishes a day, one record each
    assert max(len(r["text"]) for r in records) < 600


# --- the worked example and the prompt --------------------------------------------------------------

def test_the_example_matches_the_kind_of_record_shown():
    assert example_for([{"type": "nutrition"}]) is EXAMPLES["nutrition"]
    assert example_for([{"type": "guide"}, {"type": "menu"}]) is EXAMPLES["guide"]
    assert example_for([{"type": "poem"}]) is next(iter(EXAMPLES.values()))
    assert example_for([]) is None


def test_the_examples_cannot_leak_an_answer_their_ids_are_in_no_document():
    ids = {d["id"] for d in data.load_knowledge() + data.load_update()}
    assert all(e.record["id"].split("#")[0] not in ids for e in EXAMPLES.values())
    assert all(e.record["id"] in e.answer for e in EXAMPLES.values())     # the answer cites its source


def test_a_worked_example_is_an_earlier_turn_before_the_question():
    example = WorkedExample("Q0?", {"id": "x#1", "text": "Fact."}, "Fact [x#1]")
    chat = build_rag_prompt("Q?", [{"id": "d#2", "text": "Other."}], system="S", example=example)
    assert chat == [{"role": "system", "content": "S"},
                    {"role": "user", "content": "Context:\n[x#1] Fact.\n\nQuestion: Q0?"},
                    {"role": "assistant", "content": "Fact [x#1]"},
                    {"role": "user", "content": "Context:\n[d#2] Other.\n\nQuestion: Q?"}]


class Words:
    """One token per word of the rendered chat."""

    def apply_chat_template(self, messages, tokenize=False, add_generation_prompt=False):
        return " ".join(m["content"] for m in messages)

    def __call__(self, text, add_special_tokens=False):
        return {"input_ids": text.split()}


def test_fitting_the_context_counts_the_example_too():
    docs = [{"id": "a", "text": "one two"}, {"id": "b", "text": "three four"}]
    example = WorkedExample("long " * 20, {"id": "e", "text": "x"}, "y")
    assert len(fit_context(Words(), "Q?", docs, window=37, max_new_tokens=5, system=None)) == 2
    assert len(fit_context(Words(), "Q?", docs, window=37, max_new_tokens=5, system=None, example=example)) == 1


# --- the pipeline: example per record, abstention -----------------------------------------------------

class Fixed:
    """A retriever whose hits are fixed, with the metadata a filtered retriever attaches."""

    def __init__(self, ids, metadata):
        self.ids, self.metadata = ids, metadata

    def search(self, query, k):
        return [Hit(i, 1.0, dict(self.metadata)) for i in self.ids[:k]]


DOCS = {"nut-1#3": {"id": "nut-1#3", "type": "nutrition", "title": "Oats", "text": "Per 100 g\n\n- Fat: 7 g"}}


@pytest.fixture
def stub_chat(monkeypatch):
    seen = []

    def chat(model, tokenizer, prompts, *, max_new_tokens, batch_size, progress, **_):
        seen.extend(prompts)
        return [pipeline.Generation("7 g [nut-1#3]", 10, 3, 0.1) for _ in prompts]

    monkeypatch.setattr(pipeline, "chat", chat)
    return seen


def test_the_pipeline_shows_the_example_chosen_for_the_records_it_retrieved(stub_chat):
    rag = RAG(Fixed(["nut-1#3"], {}), DOCS, None, Words(), k=1, system=READER_SYSTEM, window=10_000,
              example=example_for)
    answer = rag.answer("Fat in oats?")
    assert stub_chat[0] == build_rag_prompt("Fat in oats?", [DOCS["nut-1#3"]], system=READER_SYSTEM,
                                            example=EXAMPLES["nutrition"])
    assert answer.cited_ids == ["nut-1#3"]


def test_a_date_no_document_has_is_answered_i_dont_know_without_generating(stub_chat):
    unmatched = Fixed(["nut-1#3"], {"filter": "fallback", "filter_values": "date=2026-03-21"})
    answer = RAG(unmatched, DOCS, None, Words(), k=1, window=10_000, abstain=True).answer("Soup on Saturday 21 March?")
    assert answer.text == NO_MATCH.format("date=2026-03-21") and stub_chat == []
    assert answer.context_ids == [] and answer.retrieved_ids == ["nut-1#3"]
    from course_lib.evaluation.grading import admits_unknown
    assert admits_unknown(answer.text)


def test_without_abstain_or_with_a_matching_filter_the_model_answers(stub_chat):
    unmatched = Fixed(["nut-1#3"], {"filter": "fallback", "filter_values": "date=2026-03-21"})
    assert RAG(unmatched, DOCS, None, Words(), k=1, window=10_000).answer("Q?").text == "7 g [nut-1#3]"
    applied = Fixed(["nut-1#3"], {"filter": "applied", "filter_values": "date=2026-01-05"})
    assert RAG(applied, DOCS, None, Words(), k=1, window=10_000, abstain=True).answer("Q?").text == "7 g [nut-1#3]"


def test_abstentions_and_answers_come_back_in_question_order(stub_chat):
    class Mixed:
        def search(self, query, k):
            status = "fallback" if "Saturday" in query else "applied"
            return [Hit("nut-1#3", 1.0, {"filter": status, "filter_values": "date=x"})]

    rag = RAG(Mixed(), DOCS, None, Words(), k=1, window=10_000, abstain=True)
    texts = [a.text for a in rag.answer_many(["Mon?", "Saturday?", "Tue?"], progress=False)]
    assert texts == ["7 g [nut-1#3]", NO_MATCH.format("date=x"), "7 g [nut-1#3]"] and len(stub_chat) == 2


# --- the ladder's statistics ----------------------------------------------------------------------------

def test_each_step_of_the_ladder_is_tested_against_the_step_before_with_holm():
    def step(name, right):
        return {"part": "ladder", "system": name, "per question": {"right": {f"q{i}": v for i, v in enumerate(right)}}}

    first, second, third = (name for name, *_ in LADDER[:3])
    rows = [step(third, [1] * 8 + [0] * 2), step(first, [0] * 10), step(second, [1] * 8 + [0] * 2),   # stored order
            {"part": "retrieval", "system": "other", "per question": {"right": {}}}]
    tests = ladder_tests(rows)
    assert list(tests) == [second, third]
    assert (tests[second]["before"], tests[second]["only after"], tests[second]["only before"]) == (first, 8, 0)
    assert tests[second]["p"] == pytest.approx(2 / 2 ** 8, abs=1e-4)
    assert tests[third]["p"] == 1.0 and tests[second]["p, Holm"] == pytest.approx(2 * 2 / 2 ** 8, abs=1e-4)
