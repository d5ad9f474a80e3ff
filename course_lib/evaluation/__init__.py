"""Evaluation (lessons 01, 07 and 11): grade answers, score style, trust the grader, benchmark systems.

Modules: ``negation`` and ``grading`` (the automatic grader, met in lesson 01); ``style`` (the
diet-bot's answer format and preference adherence); ``metrics`` (lesson 07: grader agreement,
perplexity, BLEU); ``benchmark`` (lesson 11: every system on the same questions) and
``forgetting`` (lesson 11: deleting a person's record from the index or the weights).
"""
from course_lib.evaluation.benchmark import (FACT_TYPES, System, best_retriever, closed_book, run, score,
                                             score_answers, table, with_rag)
from course_lib.evaluation.grading import (admits_unknown, contains_answer, judge_fact, profile_avoid_terms,
                                           violations)
from course_lib.evaluation.style import adherence_and_format, answer_outcomes, style_checks
