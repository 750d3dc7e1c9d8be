#!/usr/bin/env python3
"""Writes a tiny, randomly initialised Llama model with the tiny ChatML tokenizer of
trainer_mask_check.py into the given directory: a base model train.py can fine-tune on CPU in seconds."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import trainer_mask_check  # noqa: E402
from make_tiny_model import tiny_llama  # noqa: E402


def main(out):
    tok = trainer_mask_check.tiny_tokenizer(trainer_mask_check.PLAIN)
    tok.save_pretrained(out)
    tiny_llama(tok).save_pretrained(out)


if __name__ == "__main__":
    main(sys.argv[1])
