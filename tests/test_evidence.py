"""Specification of course_lib.choosing.evidence: each claim of lesson 03 gets the measurement that tests it and a verdict.

The fixtures are small hand-made results. Both systems of a comparison answered the same questions, and
`with_outcomes` gives each question its outcome: a row with k of n right is right on its first k questions, so
two rows disagree on |k_a - k_b| questions, all one way. Every expected verdict is worked out by hand in the
comment beside it (direction of the difference, and whether the paired test can tell it from noise: with d
questions that disagree all one way, McNemar's p is 2 / 2**d).
"""

import pytest

from course_lib.choosing import decide, evidence
from course_lib.choosing.evidence import VERDICTS, claims_markdown, claims_table, rule_evidence

HALLUCINATION = "RAG reduces hallucination"
PROMPTS = "Fine-tuning shortens prompts"
FORGETS = "Fine-tuning can make the model forget general skills"
SOURCES = "RAG adds transparency through sources"
UPDATE = "RAG absorbs new knowledge without retraining"
HYBRID = "Hybrids combine the strengths at a cost in complexity"
HYBRID_A = "hybrid A: person LoRA + RAG"


def with_outcomes(stored):
    """The stored results with each rate's outcome per question: right on the first k of n questions."""
    def add(row):
        rates = {m: v for m, v in row.items() if isinstance(v, list) and len(v) == 2 and all(type(x) is int for x in v)}
        return {**row, "per question": {m: {f"q{i}": int(i < k) for i in range(n)} for m, (k, n) in rates.items()}}
    return {stem: {**data, "rows": [add(r) for r in data["rows"]]} for stem, data in stored.items()}


def table(stored):
    return claims_table(with_outcomes(stored))


def row_of(rows, claim):
    (row,) = [r for r in rows if r["claim"] == claim]
    return row


def lesson09(rag_hallucinated, closed_hallucinated, cites=(10, 174), after=(20, 25), before=(0, 25)):
    return {"rows": [
        {"part": "accuracy", "system": "RAG", "seed": None, "hallucinated": list(rag_hallucinated),
         "right": [21, 150], "cites an id": list(cites), "gold in prompt": [130, 150]},
        {"part": "accuracy", "system": "closed book", "seed": None, "hallucinated": list(closed_hallucinated),
         "right": [0, 150]},
        {"part": "update", "system": "RAG, after", "seed": None, "right": list(after), "gold in prompt": [25, 25],
         "update seconds": [0.3, 0.2, 0.25]},
        {"part": "update", "system": "RAG, before", "seed": None, "right": list(before)},
    ]}


def bench(system, seed=None, part="benchmark", **fields):
    if part == "benchmark" and "right" in fields:   # the benchmark is judged on the slice's fact questions
        fields["right on facts"] = fields.pop("right")
    return {"part": part, "system": system, "seed": seed, **fields}


def lesson11(person_tokens=40, hybrid_right=((5, 18), (6, 18), (7, 18)), hybrid_kept=((20, 24),) * 3,
             rag_right=(9, 18), rag_kept=(6, 24)):
    rows = [bench("base", right=[0, 18], **{"kept preferences": [8, 24], "hallucinated": [20, 24],
                                            "prompt tokens": 40, "build seconds": 0.0}),
            bench("base + profile prompt", right=[0, 18], **{"prompt tokens": 180}),
            bench("RAG", right=list(rag_right), **{"kept preferences": list(rag_kept), "hallucinated": [4, 24],
                                                   "prompt tokens": 420, "build seconds": 0.5,
                                                   "s per answer, batch 1": 3.0})]
    for seed, (right, kept) in enumerate(zip(hybrid_right, hybrid_kept, strict=True)):
        rows.append(bench("person LoRA", seed, right=[0, 18], **{"kept preferences": [22, 24],
                          "prompt tokens": person_tokens, "s per answer, batch 1": 2.0}))
        rows.append(bench(HYBRID_A, seed, right=list(right), **{"kept preferences": list(kept), "build seconds": 80.0}))
        rows.append(bench("facts LoRA, 1 wording", seed, right=[1, 18]))
    rows += [bench("RAG", 0, "update", right=[20, 25], **{"update seconds": 0.4}),
             bench("facts LoRA, 1 wording, not retrained", 0, "update", right=[0, 25], **{"update seconds": 0.0}),
             bench("facts LoRA, 1 wording, retrained", 0, "update", right=[2, 25], **{"update seconds": 600.0})]
    return {"rows": rows}


def test_a_rate_that_falls_distinguishably_the_claimed_way_is_held():
    # 2/24 vs 24/24 hallucinated: RAG lower on 22 questions, none the other way: McNemar's p far below 0.05
    row = row_of(table({"lesson09_rag": lesson09((2, 24), (24, 24))}), HALLUCINATION)
    assert row["verdict"] == "held"
    assert "2/24" in row["measured"] and "24/24" in row["measured"] and "95% CI" in row["measured"]


def test_no_difference_or_the_other_way_means_the_claim_did_not_hold():
    # 24/24 vs 24/24: no difference at all; 24/24 vs 2/24: RAG hallucinates more, distinguishably
    for rag, closed in (((24, 24), (24, 24)), ((24, 24), (2, 24))):
        row = row_of(table({"lesson09_rag": lesson09(rag, closed)}), HALLUCINATION)
        assert row["verdict"] == "did not hold", row


def test_a_difference_the_claimed_way_that_chance_explains_is_within_the_noise():
    # 20/24 vs 22/24: RAG lower on 2 questions: p = 2 / 2**2 = 0.5
    row = row_of(table({"lesson09_rag": lesson09((20, 24), (22, 24))}), HALLUCINATION)
    assert row["verdict"] == "within the noise"


def test_a_missing_results_file_gives_not_measured_and_the_command_to_run():
    rows = claims_table({})
    assert [r["claim"] for r in rows] == [c.claim for c in decide.CLAIMS]
    assert {r["verdict"] for r in rows} == {"not measured"}
    assert "run `make benchmark`" in row_of(rows, PROMPTS)["measured"]
    assert "run `make rag-evaluation`" in row_of(rows, HALLUCINATION)["measured"]


def test_a_system_missing_from_a_file_being_filled_is_not_measured_and_named():
    partial = {"rows": [r for r in lesson11()["rows"] if r["system"] != "person LoRA"]}
    row = row_of(table({"lesson11_benchmark": partial}), PROMPTS)
    assert row["verdict"] == "not measured"
    assert "'person LoRA'" in row["measured"] and "make benchmark" in row["measured"]


def test_a_results_file_being_written_reads_as_not_measured(monkeypatch, tmp_path):
    from course_lib import results

    (tmp_path / "lesson11_benchmark.json").write_text('{"rows": [')      # as a run leaves it mid-write
    monkeypatch.setattr(results, "results_dir", lambda: tmp_path)
    row = row_of(claims_table(), HYBRID)
    assert row["verdict"] == "not measured" and "make benchmark" in row["measured"]


def test_fine_tuning_shortens_prompts_is_a_plain_comparison_of_token_counts():
    # person LoRA 40 tokens < RAG 420 and < base + profile prompt 180: held; 500 tokens is longer than both
    assert row_of(table({"lesson11_benchmark": lesson11()}), PROMPTS)["verdict"] == "held"
    longer = row_of(table({"lesson11_benchmark": lesson11(person_tokens=500)}), PROMPTS)
    assert longer["verdict"] == "did not hold"
    assert "500 tokens" in longer["measured"] and "420 tokens" in longer["measured"]


def test_seeds_are_resampled_inside_questions_never_counted_as_more_questions():
    # hybrid right on 5, 6, 7 of 18 over three seeds vs person LoRA on none: 7 questions differ, all one way
    # (sign-flip p about 2 / 2**7); hybrid kept 20/24 each seed vs RAG 6/24: 14 questions differ. Both held, and
    # the hybrid is not distinguishably below RAG on right (4 questions differ: p >= 0.125) nor the LoRA on kept.
    row = row_of(table({"lesson11_benchmark": lesson11()}), HYBRID)
    assert "18/54" in row["measured"] and "0/54" in row["measured"] and "60/72" in row["measured"]
    assert row["verdict"] == "held"
    assert "80 s" in row["measured"]          # the cost: its build seconds


def test_a_hybrid_that_loses_rags_facts_did_not_combine_the_strengths():
    # hybrid right on 1 question per seed is above the person LoRA's none only by noise (1 question differs),
    # and far below RAG's 17/18 (16 questions differ, all one way)
    row = row_of(table({"lesson11_benchmark": lesson11(hybrid_right=((1, 18),) * 3, rag_right=(17, 18))}),
                 HYBRID)
    assert row["verdict"] == "did not hold"


def test_a_claim_that_something_can_happen_holds_on_one_clear_instance():
    base = {"system": "base", "seed": None, "general questions": [30, 40]}
    kept = [{"system": "lesson06-lora16", "seed": s, "general questions": [29, 40]} for s in range(3)]
    lost = [{"system": "lesson05-last6", "seed": s, "general questions": [10, 40]} for s in range(3)]
    # last6 right on 10 of 40 general questions per seed vs the base's 30: 20 questions differ, all one way;
    # the LoRA's 29 vs 30: 1 question differs, chance at most
    assert row_of(table({"lesson07_evaluation": {"rows": [base, *kept, *lost]}}), FORGETS)["verdict"] == "held"
    same = [dict(r, system="lesson05-last6") for r in kept]
    assert row_of(table({"lesson07_evaluation": {"rows": [base, *kept, *same]}}),
                  FORGETS)["verdict"] == "within the noise"


@pytest.mark.parametrize("cites, verdict", [((150, 174), "held"), ((10, 174), "did not hold"),
                                            ((90, 174), "within the noise")])
def test_sources_hold_when_most_answers_cite_an_id(cites, verdict):
    # Wilson intervals: 150/174 is 81-91%, 10/174 is 3-10%, 90/174 is 44-59% (straddles one half)
    row = row_of(table({"lesson09_rag": lesson09((2, 24), (24, 24), cites=cites)}), SOURCES)
    assert row["verdict"] == verdict


def test_an_update_must_show_in_every_lesson_that_measured_it():
    both = {"lesson09_rag": lesson09((2, 24), (24, 24)), "lesson11_benchmark": lesson11()}
    row = row_of(table(both), UPDATE)
    assert row["verdict"] == "held"          # 20/25 vs 0/25 in lesson 09, and again in lesson 11
    assert "600 s" in row["measured"] and "0.4 s" in row["measured"]
    stale = dict(both, lesson09_rag=lesson09((2, 24), (24, 24), after=(0, 25), before=(3, 25)))
    assert row_of(table(stale), UPDATE)["verdict"] == "did not hold"


def reader09(after=(12, 25), before=(0, 25)):
    return {"rows": [{"part": "update", "system": "RAG, records, after the update", "seed": None, "right": list(after)},
                     {"part": "update", "system": "RAG, records, before the update", "seed": None, "right": list(before)}]}


def test_the_records_reader_on_the_update_week_is_part_of_the_update_evidence():
    # lesson 09's own reader: 0/25 after vs 3/25 before (did not hold); the records reader: 12 vs 0, p = 2/2**12
    stale = {"lesson09_rag": lesson09((2, 24), (24, 24), after=(0, 25), before=(3, 25)), "lesson11_benchmark": lesson11()}
    row = row_of(table({**stale, "lesson09_reader": reader09()}), UPDATE)
    assert "records reader" in row["measured"] and "12/25" in row["measured"]
    assert row["verdict"] == "did not hold"          # every measurement must show it: lesson 09's own still does not
    fresh = {**stale, "lesson09_rag": lesson09((2, 24), (24, 24)), "lesson09_reader": reader09()}
    assert row_of(table(fresh), UPDATE)["verdict"] == "held"
    unchanged = {**fresh, "lesson09_reader": reader09(after=(0, 25))}
    assert row_of(table(unchanged), UPDATE)["verdict"] == "did not hold"


def test_the_markdown_table_has_one_line_per_claim_and_escapes_pipes():
    text = claims_markdown([{"claim": "a | b", "lesson": "09", "measured": "1/8", "verdict": "held"}])
    assert text.splitlines() == ["| claim | lesson | measured | verdict |", "|---|---|---|---|",
                                 "| a \\| b | 09 | 1/8 | **held** |"]
    with pytest.raises(TypeError, match="claims_table"):
        claims_markdown({"claim": "a"})


def test_rule_evidence_reads_the_measurement_behind_a_rule():
    stored = {"lesson11_benchmark": lesson11(), "lesson09_rag": lesson09((2, 24), (24, 24))}
    ovadia = rule_evidence("knowledge_changes", "rarely", "facts", stored=with_outcomes(stored))
    assert "facts LoRA, 1 wording 3/54" in ovadia and "RAG 9/18" in ovadia
    assert "person LoRA 2 s" in rule_evidence("latency", "strict", stored=stored)
    often = rule_evidence("knowledge_changes", "often", stored=stored)
    assert often == rule_evidence("knowledge_changes", "often", "facts", stored=stored)   # no task rule for it
    assert "600 s" in often and "20/25" in often


def test_rules_the_course_did_not_measure_have_no_evidence():
    assert rule_evidence("documents", "yes") is None
    assert rule_evidence("knowledge_changes", "rarely") is None               # only the task rule is measured
    assert rule_evidence("knowledge_changes", "rarely", "behaviour") is None


@pytest.mark.parametrize("rule", [("knowledge_changes", "often", None), ("knowledge_changes", "sometimes", None),
                                  ("need_sources", "yes", None), ("task", "facts", None), ("task", "behaviour", None),
                                  ("tone_control", "yes", None), ("latency", "strict", None),
                                  ("knowledge_changes", "rarely", "facts")])
def test_a_measured_rule_without_results_says_what_to_run(rule):
    assert "not measured yet: run `make" in rule_evidence(*rule, stored={})


def test_bad_input_is_refused_with_the_allowed_values():
    with pytest.raises(ValueError, match="the fields are"):
        rule_evidence("colour", "blue")
    with pytest.raises(ValueError, match="'often'"):
        rule_evidence("knowledge_changes", "hourly")
    with pytest.raises(ValueError, match="allowed task"):
        rule_evidence("knowledge_changes", "rarely", "menus")
    with pytest.raises(ValueError, match="the stems are"):
        table({"lesson99": {"rows": []}})
    with pytest.raises(TypeError, match="file stem"):
        claims_table([{"rows": []}])


def test_the_committed_results_give_every_claim_a_row_and_an_allowed_verdict():
    rows = claims_table()
    assert [r["claim"] for r in rows] == [c.claim for c in decide.CLAIMS]
    for r in rows:
        assert r["verdict"] in VERDICTS and r["measured"], r
        assert "no measurement chosen" not in r["measured"], r
    for rule in list(decide.RULES) + list(decide.TASK_RULES):
        text = rule_evidence(*rule)
        assert text is None or text.strip(), rule
    assert evidence.claims_markdown(rows).count("\n") == len(rows) + 1


def test_a_claim_with_several_measurements_holds_only_when_all_of_them_do():
    def lesson10(right_bm25):
        return {"rows": [{"part": "rag", "system": "filtered BM25", "seed": None, "gold in prompt": [160, 175],
                          "right": list(right_bm25)},
                         {"part": "rag", "system": "dense", "seed": None, "gold in prompt": [59, 175], "right": [7, 175]}]}
    claim = "Better retrieval gives better RAG"
    # gold in prompt 160/175 vs 59/175: 101 questions differ, held; right 27/175 vs 7/175: 20 differ, held;
    # right 9/175 vs 7/175: 2 differ, chance
    assert row_of(table({"lesson10_retrieval": lesson10((27, 175))}), claim)["verdict"] == "held"
    assert row_of(table({"lesson10_retrieval": lesson10((9, 175))}), claim)["verdict"] == "within the noise"


def test_counts_without_outcomes_are_tested_with_the_most_cautious_pairing():
    # Stored before outcomes were kept per question: 2/24 vs 24/24 can pair up only one way (22 differ), so even
    # the largest McNemar p any pairing allows is tiny: held. 20/24 vs 22/24 could be 2 to 6 disagreements: noise.
    row = row_of(claims_table({"lesson09_rag": lesson09((2, 24), (24, 24))}), HALLUCINATION)
    assert row["verdict"] == "held" and "counts only" in row["measured"]
    row = row_of(claims_table({"lesson09_rag": lesson09((20, 24), (22, 24))}), HALLUCINATION)
    assert row["verdict"] == "within the noise"
