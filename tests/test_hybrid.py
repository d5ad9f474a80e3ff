"""Specification of course_lib.finetuning.knowledge_rows and of the recipes that learn from the knowledge base (lesson 11):
the facts recipes with 1 and 5 paraphrases share their facts, validation asks them in a held-out wording,
and adding these recipes left the stored key of every earlier recipe unchanged."""
import pytest

from course_lib.finetuning import recipes
from course_lib.finetuning.knowledge_rows import WORDINGS, training_rows
from course_lib.finetuning.recipes import Recipe


def facts_recipe(paraphrases, **changes):
    return Recipe("lora", data="facts", paraphrases=paraphrases, train_examples=12, eval_examples=5, **changes)


def test_one_and_five_paraphrases_teach_the_same_facts_and_nest():
    one, _ = training_rows(facts_recipe(1))
    five, _ = training_rows(facts_recipe(5))
    assert len(one) == 12 and len(five) == 60
    assert {r["fact_index"] for r in one} == {r["fact_index"] for r in five}
    # the single wording of each fact is one of its five
    assert {r["question"] for r in one} <= {r["question"] for r in five}
    for fact in {r["fact_index"] for r in five}:
        assert len({r["question"] for r in five if r["fact_index"] == fact}) == 5


def test_validation_asks_trained_facts_in_a_wording_never_trained_on():
    train, validation = training_rows(facts_recipe(5))
    assert len(validation) == 5
    trained = {r["fact_index"] for r in train}
    assert all(v["fact_index"] in trained for v in validation)
    assert not {v["question"] for v in validation} & {r["question"] for r in train}


def test_a_larger_fact_set_starts_with_the_smaller_one():
    small, _ = training_rows(facts_recipe(1))
    large, _ = training_rows(Recipe("lora", data="facts", train_examples=30, eval_examples=5))
    assert [r["fact_index"] for r in large[:12]] == [r["fact_index"] for r in small]


def test_raft_rows_split_into_training_and_validation_in_order():
    train, validation = training_rows(Recipe("lora", data="raft", train_examples=8, eval_examples=3))
    assert len(train) == 8 and len(validation) == 3
    assert all(m["role"] == "system" for m in (r["messages"][0] for r in train + validation))


@pytest.mark.parametrize("paraphrases", [0, WORDINGS])
def test_paraphrases_must_leave_one_wording_for_validation(paraphrases):
    with pytest.raises(ValueError, match=f"from 1 to {WORDINGS - 1}"):
        training_rows(facts_recipe(paraphrases))


def test_dialogue_recipes_are_not_built_here():
    with pytest.raises(ValueError, match="'facts', 'raft'"):
        training_rows(Recipe("lora"))


def test_earlier_recipes_keep_their_stored_names_and_settings(tokenizer):
    # The names of seed variants as they were before the data fields existed (printed by that version).
    assert recipes.artifact_name("lesson06-lora16", recipes.recipe("lesson06-lora16", seed=1)) == "lesson06-lora16-5d06525c"
    assert recipes.artifact_name("lesson06-lora16", recipes.recipe("lesson06-lora16", seed=2)) == "lesson06-lora16-5a116849"
    stored = recipes.stored_settings(recipes.recipe("lesson06-lora16"), tokenizer)
    assert not {"data", "paraphrases", "kinds"} & set(stored)
    facts = recipes.stored_settings(facts_recipe(5), tokenizer)
    assert facts["data"] == "facts" and facts["paraphrases"] == 5 and len(facts["train_ids"]) == 60


# --- the context RAFT is evaluated with ---------------------------------------------------------------

class Ranked:
    def __init__(self, ids):
        self.ids = ids

    def search(self, query, k):
        from course_lib.rag.vectorstore import Hit
        return [Hit(i, 1.0, {}) for i in self.ids[:k]]


def test_oracle_context_puts_every_gold_document_first_then_distractors():
    from course_lib.rag.controlled import ControlledContext
    ctx = ControlledContext(Ranked(["x", "g2", "y", "g1", "z"]), {"q": ["g1", "g2"]}, "oracle")
    assert [h.id for h in ctx.search("q", 4)] == ["g1", "g2", "x", "y"]


def test_distractor_context_never_holds_a_gold_document_even_when_retrieval_finds_it():
    from course_lib.rag.controlled import ControlledContext
    ctx = ControlledContext(Ranked(["g1", "x", "g2", "y", "z"]), {"q": ["g1", "g2"]}, "distractors")
    assert [h.id for h in ctx.search("q", 3)] == ["x", "y", "z"]
    assert [h.id for h in ControlledContext(Ranked(["g1", "x"]), {}, "retrieved").search("q", 2)] == ["g1", "x"]


def test_controlled_context_refuses_unknown_modes_and_questions_without_gold():
    from course_lib.rag.controlled import ControlledContext
    with pytest.raises(ValueError, match="mode must be one of"):
        ControlledContext(Ranked([]), {}, "perfect")
    with pytest.raises(KeyError, match="no gold documents"):
        ControlledContext(Ranked(["a"]), {}, "oracle").search("q", 1)


def test_the_lesson11_recipes_learn_only_the_slice_and_never_see_an_evaluation_question():
    from course_lib import data
    from course_lib.finetuning.knowledge_rows import overlapping_questions

    questions = data.load_questions()
    for name in ("lesson11-facts1", "lesson11-facts5", "lesson11-raft"):
        train, validation = training_rows(recipes.recipe(name))
        assert {r["doc_id"] for r in train + validation} <= {f"{p}-{d}" for p in recipes.SLICE
                                                               for d in ("mon", "tue", "wed", "thu", "fri")}
        assert overlapping_questions(train, questions) == []
    facts1, _ = training_rows(recipes.recipe("lesson11-facts1"))
    assert len({r["fact_index"] for r in facts1}) == 280     # every fact of the 10 menus


def test_raft_prompts_have_the_shape_of_the_rag_they_will_read():
    from course_lib.rag.pipeline import RAG_K

    train, _ = training_rows(recipes.recipe("lesson11-raft"))
    assert {len(r["doc_ids"]) for r in train if r["oracle"]} == {RAG_K}
    assert all("..." not in r["messages"][1]["content"] for r in train)   # whole menus, as RAG shows them


def test_a_recipe_over_documents_that_do_not_exist_says_so():
    with pytest.raises(ValueError, match="no menu records start with"):
        training_rows(Recipe("lora", data="facts", documents=("menu-w99",), train_examples=3, eval_examples=1))
