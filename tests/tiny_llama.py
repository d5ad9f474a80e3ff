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


def use_tiny_llm(monkeypatch, tokenizer, *modules) -> None:
    """Make ``load_llm`` in each of ``modules`` give a fresh tiny Llama with the course tokenizer.

    A long run's command then goes through every step it takes with SmolLM2 (prompts, batches,
    training, scoring, writing the results) in seconds; what the answers say is noise, so a test of a
    command checks what the rows count and hold, not how many answers are right.
    """
    def load_llm(*_args, **_kwargs):
        return tiny_llama(len(tokenizer), max_position_embeddings=8192), tokenizer

    for module in modules:
        monkeypatch.setattr(module, "load_llm", load_llm)
