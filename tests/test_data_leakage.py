"""No paraphrase leakage, measured with the course embedder (all-MiniLM-L6-v2).

Lexical checks live in test_data.py; here a test prompt counts as a near-duplicate of a
train prompt when their cosine similarity exceeds 0.95. Embeddings are computed once for
the whole module.
"""
import numpy as np
import pytest

from course_lib import data

THRESHOLD = 0.95


@pytest.fixture(scope="module")
def vectors(embedder):
    texts = {s: [r["messages"][0]["content"] for r in data.load_dialogues(s)] for s in data.SPLITS}
    texts["questions"] = [q["question"] for q in data.load_questions()]
    return {k: (v, np.asarray(embedder.encode(v, batch_size=64, normalize_embeddings=True))) for k, v in texts.items()}


@pytest.mark.parametrize("split", ["test", "validation"])
def test_no_embedding_near_duplicates_of_train_prompts(vectors, split):
    texts, emb = vectors[split]
    train_texts, train = vectors["train"]
    sims = emb @ train.T
    i, j = np.unravel_index(np.argmax(sims), sims.shape)
    assert sims[i, j] < THRESHOLD, f"{texts[i]!r} ~ {train_texts[j]!r} ({sims[i, j]:.3f})"


def test_questions_are_not_paraphrases_of_dialogue_prompts(vectors):
    q_texts, q = vectors["questions"]
    prompts = [t for s in data.SPLITS for t in vectors[s][0]]
    emb = np.vstack([vectors[s][1] for s in data.SPLITS])
    sims = q @ emb.T
    i, j = np.unravel_index(np.argmax(sims), sims.shape)
    assert sims[i, j] < THRESHOLD, f"{q_texts[i]!r} ~ {prompts[j]!r} ({sims[i, j]:.3f})"
