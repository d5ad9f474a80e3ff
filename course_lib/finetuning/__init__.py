"""Fine-tuning (lessons 04-07, and lesson 11's knowledge recipes): curate the data, train, reuse.

Modules: ``curation`` and ``answer_overlap`` (lesson 04's data checks); ``memory`` and ``training``
(lesson 05: what to freeze, a measured Trainer run); ``lora`` (lesson 06: LoRA and prompt tuning);
``recipes`` (every model the lessons share, trained once and reused); ``knowledge_pairs`` and
``knowledge_rows`` (lesson 11: facts and RAFT examples from the knowledge base). RAFT trains on
RAG prompts, so this package may use :mod:`course_lib.rag`; nothing in ``rag`` uses this package.
"""
from course_lib.finetuning.answer_overlap import overlap_stats
from course_lib.finetuning.curation import embed, exact_duplicates, leakage_report, normalise_prompt, word_overlap
from course_lib.finetuning.knowledge_rows import overlapping_questions, training_rows
from course_lib.finetuning.lora import (adapter_bytes, add_lora, add_prompt_tuning, generation_speed, train_steps,
                                        trainable_parameters)
from course_lib.finetuning.memory import PeakMemory, memory_budget, release
from course_lib.finetuning.training import freeze_all_but, learning_rates, train_with_trainer
