"""The lesson 05 exercise checks accept the right answers and refuse wrong ones with a hint."""
from transformers import LlamaConfig

from course_lib.exercises import lesson05

# 2 layers of hidden 32, MLP 64, 4 heads, 2 key/value heads: 9280 parameters per layer (see test_training.py)
CONFIG = LlamaConfig(vocab_size=100, hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                     num_attention_heads=4, num_key_value_heads=2, tie_word_embeddings=False)


def test_trainable_count_accepts_the_layers_plus_the_final_norm():
    assert lesson05.check_trainable_last_layers(9280 + 32, CONFIG, 1)
    wrong = lesson05.check_trainable_last_layers(9280, CONFIG, 1)
    assert not wrong and "final norm" in wrong.hint
    assert not lesson05.check_trainable_last_layers(..., CONFIG, 1)


def test_full_adamw_memory_is_sixteen_bytes_per_parameter():
    params = 2 * 100 * 32 + 2 * 9280 + 32          # embeddings, untied head, layers, final norm
    assert lesson05.check_full_adamw_gb(params * 16 / 1e9, CONFIG)
    assert not lesson05.check_full_adamw_gb(params * 4 / 1e9, CONFIG)


def test_learning_rate_prediction_is_checked_against_the_schedule():
    assert lesson05.check_lr_prediction(1.5e-4, 40, 3e-4, "cosine", 0.1, at_step=22)
    assert not lesson05.check_lr_prediction(3e-4, 40, 3e-4, "cosine", 0.1, at_step=22)
    assert not lesson05.check_lr_prediction(..., 40, 3e-4, "cosine", 0.1, at_step=22)
