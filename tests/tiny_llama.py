"""The one tiny Llama the unit tests train and score: the course model's architecture, 2 layers of width 32.

Real enough to run every code path (attention with grouped key-value heads, a tied head, the Trainer,
peft) and small enough to train in a fraction of a second, so a test of a long run's command finishes
in seconds instead of loading SmolLM2.
"""
import torch
from transformers import LlamaConfig, LlamaForCausalLM


def tiny_llama(vocab_size: int, *, layers: int = 2, seed: int = 0, **config) -> LlamaForCausalLM:
    """A freshly initialised tiny Llama in eval mode, the same weights for the same ``seed``."""
    torch.manual_seed(seed)
    settings = dict(vocab_size=vocab_size, hidden_size=32, intermediate_size=64, num_hidden_layers=layers,
                    num_attention_heads=4, num_key_value_heads=2) | config
    return LlamaForCausalLM(LlamaConfig(**settings)).eval()
