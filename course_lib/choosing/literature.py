"""The published results that lesson 11 sets beside the course's own measurements, as data.

Each :class:`Finding` records one course-relevant result of one paper: the claim in plain
words, the setting it was measured in (model, size, data set, metric), the numbers exactly as
the paper prints them, where in the paper they stand, and which course measurement echoes
it. :data:`FINDINGS` holds them all and :func:`findings_table` renders them (or a chosen
subset of papers) as a markdown table for a notebook. Every number here was copied from a
text of the paper that was actually read (a transcription of the arXiv paper); a number that
could not be read in the paper's own text is marked "not verified here" instead of being
filled in from memory. The course's models are tiny (SmolLM2-135M on a CPU) while these
papers use 0.4B-175B models on GPUs, so the table shows directions to compare, not targets.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable


@dataclass(frozen=True)
class Finding:
    """One published, course-relevant result (all fields are plain text)."""

    paper: str          # short citation, e.g. "Lewis et al. 2020"
    title: str          # full paper title
    url: str            # arXiv abstract page
    claim: str          # the course-relevant claim in plain words (one sentence)
    setting: str        # model(s) and size, data set, metric the numbers are about
    numbers: str        # the published numbers, as the paper reports them
    where: str          # table / section / figure, so a reader can check
    course_check: str   # the course measurement that echoes it


_LEWIS = ("Lewis et al. 2020", "Retrieval-Augmented Generation for Knowledge-Intensive NLP Tasks",
          "https://arxiv.org/abs/2005.11401")
_OVADIA = ("Ovadia et al. 2024", "Fine-Tuning or Retrieval? Comparing Knowledge Injection in LLMs",
           "https://arxiv.org/abs/2312.05934")
_BALAGUER = ("Balaguer et al. 2024",
             "RAG vs Fine-tuning: Pipelines, Tradeoffs, and a Case Study on Agriculture",
             "https://arxiv.org/abs/2401.08406")
_ZHANG = ("Zhang et al. 2024", "RAFT: Adapting Language Model to Domain Specific RAG",
          "https://arxiv.org/abs/2403.10131")
_GAO = ("Gao et al. 2022", "Precise Zero-Shot Dense Retrieval without Relevance Labels",
        "https://arxiv.org/abs/2212.10496")
_HU = ("Hu et al. 2021", "LoRA: Low-Rank Adaptation of Large Language Models",
       "https://arxiv.org/abs/2106.09685")

FINDINGS: tuple[Finding, ...] = (
    Finding(*_LEWIS,
            claim="A generator that retrieves Wikipedia passages answers open-domain questions "
                  "more often exactly right than much larger closed-book models.",
            setting="RAG = BART-large generator (400M parameters) + DPR retriever over 21M "
                    "100-word passages of the December 2018 Wikipedia, fine-tuned end to end; "
                    "closed book = T5-11B; test-set Exact Match (EM).",
            numbers="NQ EM: T5-11B 34.5, T5-11B+SSM 36.6 vs RAG-Token 44.1, RAG-Seq. 44.5; "
                    "WQ EM: T5-11B 37.4, T5-11B+SSM 44.7 vs RAG-Token 45.5, RAG-Seq. 45.2; "
                    "TQA (T5-comparable Wiki test) EM: T5-11B 50.1, T5-11B+SSM 60.5 vs "
                    "RAG-Token 66.1, RAG-Seq. 68.0.",
            where="Table 1 (Open-Domain QA Test Scores), Section 4.1",
            course_check="lesson 09: closed-book vs RAG answer accuracy and hallucination rate "
                         "on the diet-bot questions"),
    Finding(*_LEWIS,
            claim="Swapping the retrieval index, with no retraining, changes what the model "
                  "knows: answers follow the index's date.",
            setting="The NQ RAG model queried 'Who is {position}?' for 82 world leaders who "
                    "changed between the December 2016 and December 2018 Wikipedia dumps; "
                    "accuracy with each index.",
            numbers="70% correct with the 2016 index for 2016 leaders and 68% with the 2018 "
                    "index for 2018 leaders; mismatched: 12% (2018 index, 2016 leaders) and 4% "
                    "(2016 index, 2018 leaders).",
            where="Section 4.5, paragraph 'Index hot-swapping'",
            course_check="lesson 09: the menu update (a changed document is answered right at "
                         "once by RAG while the fine-tuned model stays stale)"),
    Finding(*_OVADIA,
            claim="For knowledge a model partly saw in pre-training, RAG with the base model "
                  "beat unsupervised fine-tuning in most cells, and fine-tuning the generator "
                  "did not reliably add to RAG.",
            setting="Mistral 7B, Llama2 7B, Orca2 7B; MMLU anatomy, astronomy, college "
                    "biology, college chemistry, prehistory (0- and 5-shot); Wikipedia "
                    "knowledge base, bge-large-en + FAISS; log-likelihood accuracy.",
            numbers="Anatomy 0-shot, Mistral 7B: base 0.556, base+RAG 0.681, fine-tuned 0.570, "
                    "fine-tuned+RAG 0.659; Astronomy 0-shot, Llama2 7B: 0.401, 0.467, 0.487, "
                    "0.520 (an exception: here fine-tuning alone beats base+RAG, as it also "
                    "does for Llama2 college chemistry 0-shot, 0.390 vs 0.380).",
            where="Table 1 and Section 5 ('MMLU Results'); Figure 2 averages the relative gains",
            course_check="lesson 11 benchmark: base / fine-tuned / RAG / fine-tuned+RAG "
                         "accuracy on the same held-out diet-bot questions"),
    Finding(*_OVADIA,
            claim="Facts that are new to the model are barely learned by plain fine-tuning, "
                  "learned better when each fact is paraphrased many times, and best served by "
                  "RAG; adding fine-tuning to RAG lowered accuracy here.",
            setting="Same three 7B models; 910 GPT-4-written multiple-choice questions on US "
                    "current events of August-November 2023 (after the training cut-off); "
                    "FT-reg = fine-tuned on the original chunks, FT-par = with ten paraphrases "
                    "per chunk; accuracy (chance 0.25).",
            numbers="Mistral 7B: base 0.481, base+RAG 0.875, FT-reg 0.504, FT-par 0.588, "
                    "FT-reg+RAG 0.810, FT-par+RAG 0.830; Llama2 7B: 0.353, 0.585, 0.219, 0.392, "
                    "0.326, 0.520; Orca2 7B: 0.456, 0.876, 0.511, 0.566, 0.820, 0.826. Accuracy "
                    "rose monotonically with the number of paraphrases (curve in Appendix A, "
                    "Figure 4; its points not verified here).",
            where="Table 2 (Current events results), Sections 4.4, 5 and 6",
            course_check="lesson 11: fine-tuning for the facts with and without paraphrases vs "
                         "RAG on the menu facts"),
    Finding(*_BALAGUER,
            claim="Fine-tuning and RAG each raised answer accuracy on a domain Q&A set, and "
                  "their gains added up when combined.",
            setting="Llama2-13B, GPT-3.5 and GPT-4; Q&A pairs generated from agricultural "
                    "PDFs; answers graded with GPT-4; accuracy in "
                    "percentage points (p.p.).",
            numbers="'an accuracy increase of over 6 p.p. when fine-tuning the model and this "
                    "is cumulative with RAG, which increases accuracy by 5 p.p. further'; "
                    "answer similarity rose 'from 47% to 72%' in one cross-geography "
                    "experiment. Per-model accuracies: not verified here (look up the results "
                    "tables of arXiv 2401.08406).",
            where="Abstract (the per-model tables of the results section were not read)",
            course_check="lesson 11 hybrid: fine-tuning for the person + RAG for the facts vs "
                         "each alone"),
    Finding(*_ZHANG,
            claim="A model fine-tuned on questions without documents can get worse when "
                  "retrieved documents are added, while training with the documents and "
                  "distractors (RAFT) gives the best in-domain RAG results.",
            setting="LLaMA2-7B(-chat); PubMedQA, HotpotQA and the Gorilla APIBench HuggingFace, "
                    "Torch Hub, TensorFlow Hub sets; DSF = domain-specific fine-tuning without "
                    "documents; accuracy in %.",
            numbers="PubMed / HotPot / HuggingFace / Torch Hub / TensorFlow: GPT-3.5+RAG "
                    "71.60 / 41.5 / 29.08 / 60.21 / 65.59; LLaMA2-7B 56.5 / 0.54 / 0.22 / 0 / 0; "
                    "LLaMA2-7B+RAG 58.8 / 0.03 / 26.43 / 08.60 / 43.06; DSF 59.7 / 6.38 / 61.06 / "
                    "84.94 / 86.56; DSF+RAG 71.6 / 4.41 / 42.59 / 82.80 / 60.29; RAFT "
                    "(LLaMA2-7B) 73.30 / 35.28 / 74.00 / 84.95 / 86.86.",
            where="Table 1 and Section 4.1",
            course_check="lesson 11: the fine-tuned diet-bot given retrieved context vs "
                         "without it, and the RAFT-style model trained with distractors"),
    Finding(*_ZHANG,
            claim="Training only with the relevant (oracle) document is not best: leaving it "
                  "out of part of the training examples and adding distractors helped.",
            setting="Same recipe; NQ, TriviaQA and HotpotQA; P% = share of training examples "
                    "that contain the oracle document (one oracle + four distractors); test "
                    "with the retriever's top-k documents.",
            numbers="Text: 'P = 80%' appears to enhance performance, and the best P% 'ranging "
                    "from 40%, 60%, and 100%' by data set; training with the oracle only was "
                    "worst, best with 4 documents on NQ, 3 on TriviaQA, 2 on HotpotQA. Without "
                    "chain-of-thought answers RAFT drops to 68.30 / 25.62 / 59.07 / 86.56 / "
                    "83.21. Exact accuracies per P%: read off Figures 5-6, not verified here.",
            where="Section 4.4 and Figure 5 (oracle share), Section 5.1 and Figure 6 "
                  "(distractors), Table 2 (chain of thought)",
            course_check="lesson 11: RAFT training sets with an oracle share and distractor "
                         "count, scored with retrieved (imperfect) context"),
    Finding(*_GAO,
            claim="Embedding an LLM-written hypothetical answer instead of the query (HyDE) "
                  "lifts an unsupervised dense retriever a lot, close to but on nDCG@10 not "
                  "above a retriever fine-tuned on relevance labels.",
            setting="InstructGPT (text-davinci-003) writes the document, Contriever embeds it; "
                    "TREC DL19 and DL20 web search (MS MARCO passages); MAP, nDCG@10, "
                    "Recall@1k.",
            numbers="nDCG@10 DL19 / DL20: BM25 50.6 / 48.0, Contriever 44.5 / 42.1, HyDE "
                    "61.3 / 57.9, ContrieverFT (fine-tuned) 62.1 / 63.2; Recall@1k DL19: "
                    "Contriever 74.6, HyDE 88.0, ContrieverFT 83.6.",
            where="Section 4.2, web-search results table (Table 1)",
            course_check="lesson 10: HyDE vs plain dense retrieval (recall@k, MRR, nDCG@10) "
                         "with all-MiniLM-L6-v2"),
    Finding(*_GAO,
            claim="HyDE's gain shrinks with a weaker generator, and on a fine-tuned encoder "
                  "a weaker generator can even lower the score.",
            setting="Generators FLAN-T5 (11B), Cohere (52B), GPT/InstructGPT (175B); encoders "
                    "Contriever and fine-tuned ContrieverFT; TREC DL19 / DL20 nDCG@10.",
            numbers="Contriever 44.5 / 42.1; + HyDE with FLAN-T5 48.9 / 52.9, Cohere 53.8 / "
                    "53.8, GPT 61.3 / 57.9. ContrieverFT 62.1 / 63.2; + HyDE with FLAN-T5 60.2 "
                    "/ 62.1, Cohere 61.4 / 63.1, GPT 67.4 / 63.5.",
            where="Section 5.1 (effect of generative models) and 5.2 (fine-tuned encoder), "
                  "analysis table",
            course_check="lesson 10: HyDE with SmolLM2-135M as the writer of the hypothetical "
                         "answer"),
    Finding(*_HU,
            claim="LoRA trains a tiny fraction of the parameters and needs much less memory "
                  "and storage than full fine-tuning.",
            setting="GPT-3 175B fine-tuned with Adam vs LoRA (rank r = 4 on the query and "
                    "value projections); NVIDIA V100 GPUs.",
            numbers="'reduce the number of trainable parameters by 10,000 times and the GPU "
                    "memory requirement by 3 times'; training VRAM 'from 1.2TB to 350GB'; "
                    "checkpoint 'from 350GB to 35MB'; '25% speedup during training'.",
            where="Abstract; Section 4.2, 'Practical Benefits and Limitations'",
            course_check="lesson 06: trainable-parameter share, adapter size vs model size and "
                         "training time and memory of LoRA vs full fine-tuning"),
    Finding(*_HU,
            claim="A merged LoRA adapter adds no inference latency, whereas adapter layers do, "
                  "most at batch size 1.",
            setting="Merging computes W = W0 + BA once; latency of one forward pass of GPT-2 "
                    "medium on an NVIDIA Quadro RTX8000, ms averaged over 100 trials.",
            numbers="Batch 1, sequence 128: Fine-Tune/LoRA 19.8±2.7 ms, AdapterL 23.9±2.1 "
                    "(+20.7%), AdapterH 25.8±2.2 (+30.3%); batch 32, sequence 512: 1449.4±0.8 "
                    "vs 1482.0±1.0 (+2.2%) and 1492.2±1.0 (+3.0%).",
            where="Section 4.1, 'No Additional Inference Latency'; Table 1 (Section 3)",
            course_check="lesson 06: inference latency with the adapter unmerged vs merged"),
)

PAPERS: tuple[str, ...] = tuple(dict.fromkeys(f.paper for f in FINDINGS))

_COLUMNS = ("paper", "claim", "setting", "numbers", "where", "course_check")


def _cell(text: str) -> str:
    # a literal "|" or a line break would split a markdown table cell
    return text.replace("|", "\\|").replace("\n", " ")


def findings_table(papers: Iterable[str] | str | None = None) -> str:
    """Render the findings of the chosen papers (all when ``papers`` is None) as markdown.

    One row per :class:`Finding`, in the order of :data:`FINDINGS`, with the columns paper,
    claim, setting, numbers, where and course check; display it in a notebook with
    ``IPython.display.Markdown``. ``papers`` holds short citations as in :data:`PAPERS`
    (one string is taken as one paper); an unknown name raises ``ValueError`` listing them.

    >>> table = findings_table(["Hu et al. 2021"])
    >>> table.splitlines()[0]
    '| paper | claim | setting | numbers | where | course check |'
    >>> len(table.splitlines())  # header, separator, two LoRA findings
    4
    """
    if papers is None:
        chosen = set(PAPERS)
    else:
        names = [papers] if isinstance(papers, str) else list(papers)
        bad = [n for n in names if not isinstance(n, str)]
        if bad:
            raise TypeError(f"papers must be citation strings such as {PAPERS[0]!r}, "
                            f"got {bad!r}")
        unknown = [n for n in names if n not in PAPERS]
        if unknown:
            raise ValueError(f"unknown paper(s) {unknown}; choose from: {', '.join(PAPERS)}")
        if not names:
            raise ValueError(f"no paper chosen; pass None for all or some of: {', '.join(PAPERS)}")
        chosen = set(names)
    header = "| " + " | ".join(c.replace("_", " ") for c in _COLUMNS) + " |"
    rows = [header, "|" + "---|" * len(_COLUMNS)]
    for finding in FINDINGS:
        if finding.paper in chosen:
            rows.append("| " + " | ".join(_cell(getattr(finding, c)) for c in _COLUMNS) + " |")
    return "\n".join(rows)

