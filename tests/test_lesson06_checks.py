"""The lesson 06 exercise checks accept the right answers and refuse wrong ones with a hint."""
from transformers import LlamaConfig

from course_lib.exercises import lesson06

# hidden 32, 4 heads of 8, 2 key/value heads: q and o are 32 -> 32, k and v 32 -> 16
CONFIG = LlamaConfig(vocab_size=100, hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                     num_attention_heads=4, num_key_value_heads=2)


def test_lora_parameters_are_r_times_in_plus_out_for_every_adapted_layer():
    assert lesson06.lora_parameters(CONFIG, 4, ["q_proj", "v_proj"]) == 2 * (4 * (32 + 32) + 4 * (32 + 16))


def test_the_count_check_names_the_usual_mistakes():
    assert lesson06.check_lora_parameters(2 * 4 * 64, CONFIG, 4, ["q_proj"])
    one_layer = lesson06.check_lora_parameters(4 * 64 + 4 * 48, CONFIG, 4, ["q_proj", "v_proj"])
    assert not one_layer and "every decoder layer" in one_layer.hint
    assert not lesson06.check_lora_parameters(..., CONFIG, 4, ["q_proj"])


def test_the_size_prediction_is_four_bytes_per_parameter():
    params = lesson06.lora_parameters(CONFIG, 4, ["q_proj", "v_proj"])
    assert lesson06.check_adapter_mb_prediction(params * 4 / 1e6, CONFIG, 4, ["q_proj", "v_proj"])
    assert not lesson06.check_adapter_mb_prediction(params * 8 / 1e6, CONFIG, 4, ["q_proj", "v_proj"])
    assert not lesson06.check_adapter_mb_prediction(..., CONFIG, 4, ["q_proj", "v_proj"])
