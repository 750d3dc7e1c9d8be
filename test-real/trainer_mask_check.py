#!/usr/bin/env python3
"""Checks train.py's loss mask on a tiny byte-level BPE tokenizer trained here on local text, with
two chat templates: plain ChatML, and one that drops <think>...</think> from earlier assistant
turns. Prints one JSON line per check and exits non-zero on the first failure."""
import json
import os
import sys

from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
from transformers import PreTrainedTokenizerFast

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "training", "trainer"))
import train  # noqa: E402

PLAIN = (
    "{% for m in messages %}<|im_start|>{{ m['role'] }}\n{{ m['content'] }}<|im_end|>\n{% endfor %}"
    "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)
# Like Qwen3's: earlier assistant turns lose their reasoning, the last keeps it.
STRIPS_THINK = (
    "{% for m in messages %}{% set content = m['content'] %}"
    "{% if m['role'] == 'assistant' and not loop.last and '</think>' in content %}"
    "{% set content = content.split('</think>')[-1].lstrip() %}{% endif %}"
    "<|im_start|>{{ m['role'] }}\n{{ content }}<|im_end|>\n{% endfor %}"
    "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)
# Writes no assistant content at all: the mask cannot be found and must say so.
DROPS_ASSISTANT = "{% for m in messages %}{% if m['role'] != 'assistant' %}{{ m['content'] }}\n{% endif %}{% endfor %}"


def tiny_tokenizer(template):
    corpus = []
    for name in ("train.py", "requirements.txt"):
        with open(os.path.join(HERE, "..", "training", "trainer", name), encoding="utf-8") as f:
            corpus.append(f.read())
    corpus.append("Difficulty level: 0 1 2 3 4 5 6 7 8 9 10 Any. Predict the difficulty level. <think> reasoning </think> answer")
    core = Tokenizer(models.BPE())
    core.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    core.decoder = decoders.ByteLevel()
    special = ["<|im_start|>", "<|im_end|>", "<|endoftext|>"]
    core.train_from_iterator(corpus, trainers.BpeTrainer(vocab_size=600, special_tokens=special, initial_alphabet=pre_tokenizers.ByteLevel.alphabet()))
    tok = PreTrainedTokenizerFast(tokenizer_object=core, eos_token="<|im_end|>", pad_token="<|endoftext|>")
    tok.chat_template = template
    return tok


def trained_texts(tok, row):
    """The decoded runs of consecutive trained tokens."""
    runs, current = [], []
    for token, label in zip(row["input_ids"], row["labels"]):
        if label != train.IGNORE:
            assert label == token, "a trained label differs from its token"
            current.append(token)
        elif current:
            runs.append(current)
            current = []
    if current:
        runs.append(current)
    return [tok.decode(run, skip_special_tokens=False) for run in runs]


def check(name, got, want):
    ok = got == want
    print(json.dumps({"check": name, "ok": ok, "got": got, "want": want}))
    if not ok:
        sys.exit(1)


def main():
    import transformers

    print(json.dumps({"transformers": transformers.__version__}))
    prediction = [
        {"role": "system", "content": "You are the generator."},
        {"role": "user", "content": "Difficulty level: Any\ndef f(x): return x"},
        {"role": "assistant", "content": "def f(x): return x + 1", "weight": 0},
        {"role": "user", "content": "Predict the difficulty level."},
        {"role": "assistant", "content": "Difficulty level: 7", "weight": 1},
    ]
    thinking = [
        {"role": "user", "content": "first question"},
        {"role": "assistant", "content": "<think>secret plan</think>\nanswer one"},
        {"role": "user", "content": "second question"},
        {"role": "assistant", "content": "<think>why</think>\nanswer two"},
    ]

    plain = tiny_tokenizer(PLAIN)
    check("plain: only the weighted assistant turn, with its end of turn", trained_texts(plain, train.tokenize(prediction, plain, 4096)), ["Difficulty level: 7<|im_end|>"])
    check("plain: every assistant turn of a two-turn chat", trained_texts(plain, train.tokenize(thinking, plain, 4096)), ["<think>secret plan</think>\nanswer one<|im_end|>", "<think>why</think>\nanswer two<|im_end|>"])
    row = train.tokenize(prediction, plain, 4096)
    check("plain: the tokens are the rendered chat's", plain.decode(row["input_ids"], skip_special_tokens=False), train.render_chat(plain, prediction))
    check("plain: truncated to max_length", len(train.tokenize(prediction, plain, 7)["input_ids"]), 7)

    strips = tiny_tokenizer(STRIPS_THINK)
    rendered = train.render_chat(strips, thinking)
    check("strips-think: the template dropped the earlier reasoning", "secret plan" in rendered, False)
    check("strips-think: each assistant turn as rendered", trained_texts(strips, train.tokenize(thinking, strips, 4096)), ["answer one<|im_end|>", "<think>why</think>\nanswer two<|im_end|>"])
    check("strips-think: the weight-0 turn stays out", trained_texts(strips, train.tokenize(prediction, strips, 4096)), ["Difficulty level: 7<|im_end|>"])

    drops = tiny_tokenizer(DROPS_ASSISTANT)
    try:
        train.tokenize(prediction, drops, 4096)
        check("a template without assistant turns is refused", "accepted", "MaskError")
    except train.MaskError as err:
        check("a template without assistant turns is refused", str(err), "assistant turn 2 does not appear in the rendered chat")


if __name__ == "__main__":
    main()
