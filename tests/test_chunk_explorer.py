"""Lesson 08's chunking explorer: the chunks a splitter makes, and the one that holds the answer."""
from course_lib import data
from course_lib.models import load_embedder
from course_lib.rag.chunk_explorer import chunk_view, cut, explorer

TOKENIZER = load_embedder().tokenizer
DOC = {"id": "g", "text": "## Beans\nSoak dried beans for 8 hours. Rinse them.\n\n## Lentils\nNo soaking needed."}
QUESTION = {"id": "q", "question": "How long do beans soak?", "accepted": ["8 hours"], "gold_doc_ids": ["g"]}


def test_every_splitter_cuts_the_text_into_ordered_spans():
    for strategy in ("fixed_size", "sentence", "paragraph", "structure"):
        spans = cut(DOC["text"], strategy, 16, 0, TOKENIZER)
        assert spans and all(a < b for a, b in spans) and spans == sorted(spans)


def test_the_chunk_holding_the_answer_is_named_and_marked():
    view = chunk_view(DOC, "structure", 64, 0, TOKENIZER, QUESTION)
    assert "The answer (8 hours) is in chunk 0" in view and view.count("holds the answer") == 1


def test_a_cut_through_the_answer_is_said_out_loud():
    view = chunk_view(DOC, "fixed_size", 1, 0, TOKENIZER, QUESTION)      # one token per chunk: "8" and "hours" apart
    assert "No chunk holds the answer" in view


def test_impossible_settings_give_a_message_not_a_traceback():
    assert "cannot cut the text" in chunk_view(DOC, "fixed_size", 16, 16, TOKENIZER, QUESTION)
    assert "cannot cut the text" in chunk_view(DOC, "no-such-splitter", 16, 0, TOKENIZER)


def test_the_widget_offers_the_guides_questions_and_redraws_on_a_change():
    guides = data.load_knowledge(["guide"])
    box = explorer(guides, data.load_questions(), TOKENIZER)
    guide, asked, controls, view = box.children
    assert asked.value is not None and "chunks (fixed_size, 128 tokens" in view.value
    controls.children[0].value = "structure"
    assert "chunks (structure" in view.value and controls.children[2].disabled
