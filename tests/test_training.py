"""Specification of course_lib.finetuning.training: freezing, memory arithmetic, schedules, a Trainer run, scoring.

Training tests use a tiny randomly initialised Llama-style model (built from a small config, with the
course tokenizer), so they run in seconds; expected numbers are worked out by hand in the comments.
"""
import pytest
import torch
from tiny_llama import tiny_llama

from course_lib import data
from course_lib.evaluation.style import adherence_and_format
from course_lib.finetuning.lora import train_steps
from course_lib.finetuning.training import freeze_all_but, learning_rates, train_with_trainer
from course_lib.stats import stratified_sample
from course_lib.tokens import pad_batch

# hidden 32, MLP 64, 4 heads of 8, 2 key/value heads: q 32x32, k and v 32x16, o 32x32, MLP 3 x 32x64, 2 norms of 32
PER_LAYER = 1024 + 512 + 512 + 1024 + 3 * 2048 + 2 * 32   # = 9280


def tiny_model(vocab: int, layers: int = 3):
    return tiny_llama(vocab, layers=layers, tie_word_embeddings=True)


@pytest.fixture
def tiny(tokenizer):
    return tiny_model(len(tokenizer))


def test_freezing_leaves_only_the_last_layers_and_the_final_norm_trainable(tiny):
    trainable, total = freeze_all_but(tiny, 2)
    assert trainable == 2 * PER_LAYER + 32
    assert total == tiny.config.vocab_size * 32 + 3 * PER_LAYER + 32   # the tied head is counted once
    names = [n for n, p in tiny.named_parameters() if p.requires_grad]
    assert all(n.startswith(("model.layers.1.", "model.layers.2.", "model.norm.")) for n in names)


def test_embeddings_train_only_when_asked(tiny):
    assert freeze_all_but(tiny, 0)[0] == 0
    trainable, _ = freeze_all_but(tiny, 0, train_embeddings=True)
    assert trainable == tiny.config.vocab_size * 32 and tiny.lm_head.weight.requires_grad


@pytest.mark.parametrize("bad", [-1, 4, 1.5, True])
def test_freezing_rejects_a_layer_count_the_model_does_not_have(tiny, bad):
    with pytest.raises(ValueError, match="from 0 to 3"):
        freeze_all_but(tiny, bad)


def test_learning_rate_warms_up_then_decays():
    # 5 steps, 20% warm-up = 1 step: 0 at step 0, the peak at step 1, then linear down towards 0
    assert learning_rates(5, 1.0, "linear", 0.2) == pytest.approx([0.0, 1.0, 0.75, 0.5, 0.25])
    cosine = learning_rates(40, 3e-4, "cosine", 0.1)     # warm-up 4 steps; step 22 is half-way down
    assert cosine[4] == pytest.approx(3e-4) and cosine[22] == pytest.approx(1.5e-4)


def test_a_training_loop_written_out_gives_the_losses_of_train_steps(tiny, tokenizer):
    chats = [data.to_chat(d) for d in data.load_dialogues("train")[:4]]
    freeze_all_but(tiny, 1)
    start = {n: p.detach().clone() for n, p in tiny.named_parameters() if p.requires_grad}
    batch = pad_batch(data.training_set(tokenizer, data.load_dialogues("train")[:4]), tokenizer.pad_token_id)
    torch.manual_seed(0)
    optimiser = torch.optim.AdamW([p for p in tiny.parameters() if p.requires_grad], lr=1e-2, weight_decay=0.0)
    hand = []
    for _ in range(3):
        logits = tiny(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"]).logits
        loss = torch.nn.functional.cross_entropy(logits[:, :-1].reshape(-1, logits.shape[-1]),
                                                 batch["labels"][:, 1:].reshape(-1), ignore_index=-100)
        loss.backward()
        optimiser.step()
        optimiser.zero_grad()
        hand.append(loss.item())
    tiny.load_state_dict(start, strict=False)
    library = train_steps(tiny, tokenizer, chats, steps=3, lr=1e-2, batch_size=4, seed=0, progress=False)
    torch.testing.assert_close(torch.tensor(hand), torch.tensor(library), rtol=1e-5, atol=1e-5)
    assert hand[2] < hand[0]   # the steps did something: a loop that never updates would give equal losses


def test_trainer_run_ends_on_the_checkpoint_with_the_lowest_validation_loss(tiny, tokenizer, tmp_path):
    train = data.training_set(tokenizer, "train")[:8]
    validation = data.training_set(tokenizer, "validation")[:4]   # one evaluation batch: its loss is one forward pass
    freeze_all_but(tiny, 3)
    run = train_with_trainer(tiny, tokenizer, train, validation, str(tmp_path), epochs=3, lr=5e-3, batch_size=4,
                             eval_steps=2, progress=False)
    steps, losses = run.curve("eval_loss")
    assert steps[0] == 0 and steps[-1] == 6 and len(run.curve("loss")[0]) == 6
    assert run.best_eval_loss == min(losses[1:]) and losses[steps.index(run.best_step)] == run.best_eval_loss
    with torch.no_grad():
        now = tiny(**pad_batch(validation, tokenizer.pad_token_id)).loss.item()
    assert now == pytest.approx(run.best_eval_loss, abs=1e-4)
    assert run.trainable == sum(p.numel() for p in tiny.parameters() if p.requires_grad)
    assert run.seconds > 0 and run.peak_mb >= run.start_mb > 0


def test_trainer_run_refuses_a_fully_frozen_model(tiny, tokenizer, tmp_path):
    examples = data.training_set(tokenizer, "validation")[:2]
    freeze_all_but(tiny, 0)
    with pytest.raises(ValueError, match="no trainable parameters"):
        train_with_trainer(tiny, tokenizer, examples, examples, str(tmp_path))


def test_adherence_counts_answers_without_an_avoided_food_and_format_counts_bulleted_protein():
    profile = {"hard_restrictions": [{"avoid": ["peanut"]}], "dislikes": ["eggs"]}
    texts = ["- peanut butter toast: 8 g protein",          # violation, format ok
             "- 150 g tofu: 17 g protein",                  # fine, format ok
             "Try scrambled eggs with toast.",              # violation, no bullets
             "Since you avoid eggs, have lentil soup."]     # fine (negated), no bullets
    rates = adherence_and_format(texts, profile)
    assert (rates["no violation"].k, rates["no violation"].n) == (2, 4)
    assert (rates["wanted format"].k, rates["wanted format"].n) == (2, 4)
    with pytest.raises(ValueError, match="non-empty list"):
        adherence_and_format([], profile)


def test_stratified_sample_keeps_each_topic_share_and_is_the_same_every_run():
    rows = [{"topic": "a", "i": i} for i in range(60)] + [{"topic": "b", "i": i} for i in range(30, 60)] \
        + [{"topic": "c", "i": i} for i in range(10)]
    picked = stratified_sample(rows, 10, seed=3)
    assert [r["topic"] for r in picked].count("a") == 6 and [r["topic"] for r in picked].count("b") == 3
    assert picked == stratified_sample(rows, 10, seed=3) and picked != stratified_sample(rows, 10, seed=4)
    with pytest.raises(ValueError, match="between 1 and"):
        stratified_sample(rows, 0)


def test_two_accumulated_batches_of_two_make_the_step_of_one_batch_of_four(tokenizer, tmp_path):
    # Reference by hand: one plain SGD step on the mean loss over all answer tokens of the four chats.
    train = data.training_set(tokenizer, "train")[:4]
    validation = data.training_set(tokenizer, "validation")[:2]
    reference = tiny_model(len(tokenizer))
    freeze_all_but(reference, 3)
    reference.train()
    reference(**pad_batch(train, tokenizer.pad_token_id)).loss.backward()
    expected = {n: (p - 0.5 * p.grad).detach() for n, p in reference.named_parameters() if p.requires_grad}
    for batch_size, accumulate in ((4, 1), (2, 2)):
        tiny = tiny_model(len(tokenizer))
        freeze_all_but(tiny, 3)
        run = train_with_trainer(tiny, tokenizer, train, validation, str(tmp_path), max_steps=1, lr=0.5,
                                 batch_size=batch_size, accumulate=accumulate, optimizer="sgd",
                                 scheduler="constant", warmup=0, eval_steps=1, progress=False)
        assert run.settings["accumulate"] == accumulate and len(run.curve("loss")[0]) == 1
        for name, p in tiny.named_parameters():
            if p.requires_grad:
                torch.testing.assert_close(p.detach(), expected[name], rtol=1e-4, atol=1e-5, msg=name)


def test_checkpointing_is_switched_on_under_the_name_this_transformers_knows(tmp_path):
    # transformers 5.23 calls it activation_checkpointing; Colab's 5.15 knows only gradient_checkpointing.
    from transformers import TrainingArguments

    from course_lib.finetuning.training import _checkpointing_arguments

    args = TrainingArguments(output_dir=str(tmp_path), use_cpu=True, report_to="none", **_checkpointing_arguments(True))
    name = next(iter(_checkpointing_arguments(True)))
    assert getattr(args, name) is True and getattr(args, f"{name}_kwargs") == {"use_reentrant": False}
