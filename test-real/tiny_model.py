#!/usr/bin/env python3
"""Writes a tiny, randomly initialised Llama model with the tiny ChatML tokenizer of
trainer_mask_check.py into the given directory: a base model train.py can fine-tune on CPU in seconds."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import trainer_mask_check  # noqa: E402
from transformers import LlamaConfig, LlamaForCausalLM  # noqa: E402


def main(out):
    tok = trainer_mask_check.tiny_tokenizer(trainer_mask_check.PLAIN)
    tok.save_pretrained(out)
    config = LlamaConfig(
        vocab_size=len(tok),
        hidden_size=32,
        intermediate_size=64,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=2,
        max_position_embeddings=8192,
        eos_token_id=tok.eos_token_id,
        pad_token_id=tok.pad_token_id,
    )
    LlamaForCausalLM(config).save_pretrained(out)


if __name__ == "__main__":
    main(sys.argv[1])
