"""Specifications for course_lib.rag.chunking: offsets map back, budgets hold, overlap repeats, errors are clear."""
import re

import pytest

from course_lib.data import load_knowledge
from course_lib.rag.chunking import (
    Chunk,
    Span,
    by_paragraph,
    by_sentence,
    by_structure,
    chunk_documents,
    fixed_size,
    heading_prefix,
    split_sentences,
)

STRATEGY_PARAMS = {
    "fixed_size": {"size": 128, "overlap": 32},
    "sentence": {"max_tokens": 128},
    "paragraph": {"max_tokens": 128},
    "structure": {"max_tokens": 128},
}


@pytest.fixture(scope="module")
def knowledge():
    return load_knowledge()


@pytest.fixture(scope="module")
def docs_by_id(knowledge):
    return {d["id"]: d for d in knowledge}


@pytest.fixture(scope="module")
def embedder_tokenizer():
    """The embedder's WordPiece tokenizer alone (a second to load; the weights are not needed)."""
    from transformers import AutoTokenizer

    from course_lib.model_files import EMBEDDER_PACKAGE, package_dir

    return AutoTokenizer.from_pretrained(str(package_dir(*EMBEDDER_PACKAGE) / "model"))


def words(text):
    return text.split()


def starts_inside_word(doc_text, start):
    return start > 0 and doc_text[start - 1].isalnum() and doc_text[start].isalnum()


# --- sentence splitter ------------------------------------------------------------------------------

def test_sentence_splitter_keeps_abbreviations_prices_and_dish_codes_intact():
    text = "Try a legume, e.g. lentils. The grill dish D-813 costs €8.90 today. Is it vegan? No."
    assert split_sentences(text) == [
        "Try a legume, e.g. lentils.", "The grill dish D-813 costs €8.90 today.", "Is it vegan?", "No."]


def test_sentence_splitter_ends_a_sentence_at_a_line_break_and_keeps_decimals():
    text = "Energy 717 kcal; protein 0.85 g.\nAllergens: fish\nServed 11:30 to 14:15."
    assert split_sentences(text) == ["Energy 717 kcal; protein 0.85 g.", "Allergens: fish", "Served 11:30 to 14:15."]


def test_sentence_splitter_does_not_split_after_a_listed_abbreviation_before_a_capital():
    assert split_sentences("Ask Dr. Smith first. Then eat.") == ["Ask Dr. Smith first.", "Then eat."]


# --- fixed size ---------------------------------------------------------------------------------------

def test_fixed_size_windows_of_words_step_by_size_minus_overlap():
    text = " ".join(f"w{i}" for i in range(10))
    # size 4, overlap 1 -> step 3: windows start at words 0, 3, 6; the one at 6 reaches the end (w6..w9).
    assert [text[s:e] for s, e, _ in fixed_size(text, 4, 1)] == ["w0 w1 w2 w3", "w3 w4 w5 w6", "w6 w7 w8 w9"]


def test_fixed_size_without_overlap_partitions_the_words():
    text = "a  b\nc d\te"
    assert [text[s:e] for s, e, _ in fixed_size(text, 2, 0)] == ["a  b", "c d", "e"]


@pytest.mark.parametrize("size, overlap, message", [
    (4, 4, "overlap .4. must be smaller than size"), (4, 5, "smaller than size"),
    (0, 0, "size must be an integer >= 1"), (4, -1, "overlap must be an integer >= 0"),
    (2.5, 0, "size must be an integer"),
])
def test_fixed_size_rejects_bad_size_or_overlap_with_a_clear_message(size, overlap, message):
    with pytest.raises(ValueError, match=message):
        fixed_size("a b c", size, overlap)


def test_chunk_documents_passes_a_bad_overlap_on_as_the_same_clear_error(knowledge):
    with pytest.raises(ValueError, match="overlap"):
        chunk_documents(knowledge, "fixed_size", size=32, overlap=32)


def test_fixed_size_overlap_repeats_exactly_the_last_overlap_words_of_the_previous_window(knowledge):
    chunks = chunk_documents(knowledge, "fixed_size", size=128, overlap=32)
    pairs = [(a, b) for a, b in zip(chunks, chunks[1:], strict=False) if a.doc_id == b.doc_id]
    assert len(pairs) > 100
    for a, b in pairs:
        assert words(a.text)[-32:] == words(b.text)[:32], (a.id, b.id)
        assert len(words(a.text)) == 128  # only a document's last window may be shorter


def test_fixed_size_with_the_embedder_tokenizer_repeats_the_last_overlap_tokens(knowledge, docs_by_id,
                                                                                  embedder_tokenizer):
    chunks = chunk_documents(knowledge, "fixed_size", size=128, overlap=32, tokenizer=embedder_tokenizer)
    checked = 0
    for a, b in zip(chunks, chunks[1:], strict=False):
        text = docs_by_id[a.doc_id]["text"]
        if a.doc_id != b.doc_id or starts_inside_word(text, b.start):
            continue  # a cut inside a word re-tokenizes differently ("tta" is not "##tta"); see below
        assert embedder_tokenizer.tokenize(text[b.start:a.end]) == embedder_tokenizer.tokenize(a.text)[-32:]
        checked += 1
    assert checked > 300


def test_fixed_size_windows_hold_the_token_budget_when_re_tokenized(knowledge, docs_by_id, embedder_tokenizer):
    chunks = chunk_documents(knowledge, "fixed_size", size=128, overlap=32, tokenizer=embedder_tokenizer)
    for c in chunks:
        n = len(embedder_tokenizer.tokenize(c.text))
        # A window that starts inside a word ("...Rico|tta") re-tokenizes "tta" as new pieces: allow 2 more.
        limit = 130 if starts_inside_word(docs_by_id[c.doc_id]["text"], c.start) else 128
        assert n <= limit, (c.id, n)


def test_fixed_size_accepts_a_sentence_transformer_like_object_through_its_tokenizer(embedder_tokenizer):
    class Model:
        tokenizer = embedder_tokenizer

    text = "Lentils, chickpeas and beans."
    assert fixed_size(text, 3, 0, tokenizer=Model()) == fixed_size(text, 3, 0, tokenizer=embedder_tokenizer)


def test_a_slow_tokenizer_without_offsets_is_refused_with_advice():
    def slow_tokenizer(text, **kwargs):
        raise NotImplementedError("return_offset_mapping is not available when using Python tokenizers")

    with pytest.raises(TypeError, match="fast"):
        fixed_size("a b", 1, tokenizer=slow_tokenizer)


# --- sentence, paragraph, structure ------------------------------------------------------------------

def test_by_sentence_packs_whole_sentences_and_cuts_only_an_over_long_one():
    text = "A b c. D e. F g h i j k l. M."
    # budget 4 words: "A b c." (3) + "D e." (2) = 5 > 4, so separate; the 7-word sentence is cut 4 + 3;
    # "M." (1) follows the cut pieces on its own.
    assert [text[s:e] for s, e, _ in by_sentence(text, 4)] == ["A b c.", "D e.", "F g h i", "j k l.", "M."]


def test_by_paragraph_keeps_short_paragraphs_apart_and_splits_long_ones_by_sentence():
    text = "Title\n\nOne two. Three four five.\n  \nLast words here."
    assert [text[s:e] for s, e, _ in by_paragraph(text, 3)] == [
        "Title", "One two.", "Three four five.", "Last words here."]


def test_by_structure_tracks_the_heading_path_across_levels():
    text = "Intro text.\n\n## Protein\nP body.\n\n### Legumes\nL body.\n\n### Dairy\nD body.\n\n## Fibre\nF body."
    spans = by_structure(text, 50)
    assert [(text[s:e], h) for s, e, h in spans] == [
        ("Intro text.", ()), ("P body.", ("Protein",)), ("L body.", ("Protein", "Legumes")),
        ("D body.", ("Protein", "Dairy")), ("F body.", ("Fibre",))]


def test_by_structure_counts_the_heading_prefix_in_the_budget():
    text = "## Soaking dried beans\none two three four five six"
    # The prefix "Soaking dried beans\n\n" is 3 words, so a budget of 6 leaves 3 words per chunk.
    assert [text[s:e] for s, e, _ in by_structure(text, 6)] == ["one two three", "four five six"]
    with pytest.raises(ValueError, match="heading path 'Soaking dried beans' alone fills max_tokens=3"):
        by_structure(text, 3)


@pytest.mark.parametrize("strategy", sorted(STRATEGY_PARAMS))
def test_every_chunk_of_the_knowledge_base_maps_back_to_its_document(knowledge, docs_by_id, strategy):
    chunks = chunk_documents(knowledge, strategy, **STRATEGY_PARAMS[strategy])
    assert {c.doc_id for c in chunks} == set(docs_by_id)
    for c in chunks:
        assert docs_by_id[c.doc_id]["text"][c.start:c.end] == c.text[len(c.prefix):]
        assert c.text == c.prefix + c.text[len(c.prefix):] and c.text.strip() == c.text


@pytest.mark.parametrize("strategy", ["sentence", "paragraph", "structure"])
def test_no_chunk_exceeds_the_embedder_token_budget(knowledge, embedder_tokenizer, strategy):
    chunks = chunk_documents(knowledge, strategy, max_tokens=128, tokenizer=embedder_tokenizer)
    longest = max(len(embedder_tokenizer.tokenize(c.text)) for c in chunks)  # prefix included
    assert longest <= 128


@pytest.mark.parametrize("strategy", ["sentence", "paragraph", "structure"])
def test_unit_strategies_lose_no_words_and_repeat_none(knowledge, strategy):
    # Without overlap the chunks, in order, hold exactly the document's words (headings aside).
    chunks = chunk_documents(knowledge, strategy, max_tokens=64)
    for doc in knowledge:
        body = [w for c in chunks if c.doc_id == doc["id"] for w in words(c.text[len(c.prefix):])]
        expected = words(re.sub(r"^#+ .*$", "", doc["text"], flags=re.M)) if strategy == "structure" \
            else words(doc["text"])
        assert body == expected, doc["id"]


def test_structure_chunks_of_a_guide_start_with_their_heading_and_keep_it_in_metadata(knowledge):
    chunks = [c for c in chunk_documents(knowledge, "structure", max_tokens=256) if c.doc_id == "guide-01"]
    hours = [c for c in chunks if c.metadata["headings"] == ["Opening hours"]]
    assert hours and hours[0].text.startswith("Opening hours\n\nLunch is served from 11:30 to 14:15")
    assert hours[0].prefix == heading_prefix(["Opening hours"]) == "Opening hours\n\n"
    assert "## " not in " ".join(c.text for c in chunks)


def test_chunk_ids_count_from_zero_per_document_and_metadata_copies_the_record(knowledge):
    chunks = chunk_documents(knowledge, "paragraph", max_tokens=128)
    menu = [c for c in chunks if c.doc_id == "menu-w02-mon"]
    assert [c.id for c in menu] == [f"menu-w02-mon#{i}" for i in range(len(menu))]
    assert menu[0].metadata["type"] == "menu" and menu[0].metadata["title"].startswith("Canteen menu")
    assert menu[0].metadata["date"] == "2026-01-05" and menu[0].metadata["strategy"] == "paragraph"
    assert "text" not in menu[0].metadata and "id" not in menu[0].metadata
    assert len({c.id for c in chunks}) == len(chunks)


def test_any_corpus_and_a_custom_strategy_returning_plain_pairs_work():
    docs = [{"id": 7, "text": "abc def"}]
    chunks = chunk_documents(docs, lambda text: [(0, 3), (4, 7)])
    assert chunks == [Chunk("7#0", "7", "abc", 0, 3, {"strategy": "<lambda>", "headings": []}),
                      Chunk("7#1", "7", "def", 4, 7, {"strategy": "<lambda>", "headings": []})]
    assert by_structure("no headings at all", 10) == [Span(0, 18, ())]


# --- bad input --------------------------------------------------------------------------------------

@pytest.mark.parametrize("docs, error, message", [
    ([], ValueError, "corpus is empty"),
    ([{"id": "a", "text": "x"}, {"id": "b", "text": "  \n"}], ValueError, "Document 'b' has empty text"),
    ([{"id": "a", "text": "x"}, {"id": "a", "text": "y"}], ValueError, "Duplicate document id 'a'"),
    ([{"id": "a"}], ValueError, "'id' and 'text' keys"),
    ("some text", TypeError, "list of records"),
])
def test_bad_corpora_get_a_clear_error(docs, error, message):
    with pytest.raises(error, match=message):
        chunk_documents(docs, "sentence", max_tokens=10)


def test_an_unknown_strategy_or_budget_is_refused():
    docs = [{"id": "a", "text": "x"}]
    with pytest.raises(ValueError, match="Unknown strategy 'semantic'; use one of fixed_size, sentence"):
        chunk_documents(docs, "semantic")
    with pytest.raises(ValueError, match="max_tokens must be an integer >= 1"):
        chunk_documents(docs, "paragraph", max_tokens=0)
