#!/usr/bin/env python3
"""Reference trainer for sinq's LLM players: LoRA fine-tuning with TRL + PEFT on a GPU.

Takes the arguments of sinq's trainer command template:

    python3 training/trainer/train.py --dataset {dataset} --base-model {baseModel} \
        --output-dir {outputDir} --checkpoint-dir {checkpointDir}

The dataset is sinq's chat JSONL ({"messages": [{"role", "content", "weight"?}, ...]}). Loss is
taken on assistant turns only, and not on turns with "weight": 0 (the program turn of a
difficulty-prediction example). The loss mask is found on the rendered chat text itself (character
offsets of each assistant turn, mapped to tokens with the fast tokenizer's offset mapping), so it is
right for any chat template, also one that rewrites earlier assistant turns (e.g. drops <think>),
and on transformers 4.x and 5.x alike. Progress goes to stdout as JSON lines {"step", "total", "loss"};
checkpoints go to --checkpoint-dir and a rerun resumes from the latest one. The adapter
(adapter_config.json + adapter_model.safetensors) is written to --output-dir.
"""
import argparse
import json
import os
import sys

IGNORE = -100
# Stands for an assistant turn's content when the template's end-of-turn text is looked up.
SENTINEL = "\u2063sinq-assistant-turn\u2063"


def parse_args():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--dataset", required=True, help="chat JSONL written by sinq")
    p.add_argument("--base-model", required=True, help="Hugging Face id or local path of the base model")
    p.add_argument("--output-dir", required=True, help="where the LoRA adapter is written")
    p.add_argument("--checkpoint-dir", required=True, help="trainer checkpoints; reused on a retry")
    p.add_argument("--epochs", type=float, default=2.0)
    p.add_argument("--learning-rate", type=float, default=2e-4)
    p.add_argument("--batch-size", type=int, default=1)
    p.add_argument("--grad-accum", type=int, default=8)
    p.add_argument("--max-length", type=int, default=4096)
    p.add_argument("--lora-r", type=int, default=16)
    p.add_argument("--lora-alpha", type=int, default=32)
    p.add_argument("--lora-dropout", type=float, default=0.05)
    p.add_argument("--target-modules", default="q_proj,k_proj,v_proj,o_proj", help="comma-separated module names")
    p.add_argument("--save-steps", type=int, default=50)
    return p.parse_args()


def read_examples(path):
    rows = []
    with open(path, encoding="utf-8") as f:
        for number, line in enumerate(f, 1):
            if not line.strip():
                continue
            row = json.loads(line)
            messages = row.get("messages")
            if not isinstance(messages, list) or not messages:
                raise SystemExit(f"{path}:{number}: no messages")
            rows.append(messages)
    if not rows:
        raise SystemExit(f"{path}: no examples")
    return rows


class MaskError(ValueError):
    """An example whose assistant turns cannot be found in its rendered chat."""


def render_chat(tokenizer, messages):
    """The chat as the template renders it, as text (transformers 4 and 5 both return a str here)."""
    text = tokenizer.apply_chat_template(
        [{"role": m["role"], "content": m["content"]} for m in messages], tokenize=False, add_generation_prompt=False
    )
    if not isinstance(text, str):
        raise MaskError(f"apply_chat_template(tokenize=False) gave {type(text).__name__}, not text")
    return text


def end_of_turn(tokenizer):
    """What the template writes right after an assistant turn's content (e.g. "<|im_end|>"), trailing whitespace dropped."""
    text = render_chat(tokenizer, [{"role": "user", "content": "hi"}, {"role": "assistant", "content": SENTINEL}])
    at = text.find(SENTINEL)
    return "" if at < 0 else text[at + len(SENTINEL):].rstrip()


def rendered_forms(content):
    """How a turn's content may appear in the rendered chat: verbatim, trimmed, or without its <think> part."""
    forms = [content, content.strip()]
    if "</think>" in content:
        forms.append(content.rsplit("</think>", 1)[1].strip())
    return [f for f in dict.fromkeys(forms) if f]


def trained_spans(messages, text, closing):
    """Character spans [start, end) of the trained assistant turns in the rendered text, end-of-turn included."""
    spans, cursor = [], 0
    for i, message in enumerate(messages):
        found = [(text.find(form, cursor), form) for form in rendered_forms(message["content"])]
        found = [(at, form) for at, form in found if at >= 0]
        if not found:
            if message["role"] == "assistant" and message["content"].strip():
                raise MaskError(f"assistant turn {i} does not appear in the rendered chat")
            continue  # a system or user turn the template rewrote: keep searching from here
        # The earliest occurrence; of equal ones the longest form.
        at, form = min(found, key=lambda f: (f[0], -len(f[1])))
        end = at + len(form)
        if closing and text.startswith(closing, end):
            end += len(closing)
        if message["role"] == "assistant" and message.get("weight", 1) != 0:
            spans.append((at, end))
        cursor = end
    return spans


def tokenize(messages, tokenizer, max_length, closing=None):
    """Token ids of the whole chat and labels that keep only weighted assistant turns."""
    if not getattr(tokenizer, "is_fast", False):
        raise MaskError("the loss mask needs a fast tokenizer (offset mapping); this model has none")
    text = render_chat(tokenizer, messages)
    spans = trained_spans(messages, text, end_of_turn(tokenizer) if closing is None else closing)
    # The template writes any BOS itself, so the tokenizer must not add another.
    encoded = tokenizer(text, add_special_tokens=False, return_offsets_mapping=True)
    input_ids = list(encoded["input_ids"])
    labels = []
    for token, (start, end) in zip(input_ids, encoded["offset_mapping"]):
        inside = end > start and any(start < span_end and end > span_start for span_start, span_end in spans)
        labels.append(token if inside else IGNORE)
    input_ids, labels = input_ids[:max_length], labels[:max_length]
    return {"input_ids": input_ids, "attention_mask": [1] * len(input_ids), "labels": labels}


def main():
    # Imported here so the loss mask above can be used (and tested) with transformers alone.
    import torch
    from datasets import Dataset
    from peft import LoraConfig
    from transformers import AutoModelForCausalLM, AutoTokenizer, DataCollatorForSeq2Seq, TrainerCallback
    from transformers.trainer_utils import get_last_checkpoint
    from trl import SFTConfig, SFTTrainer

    class JsonProgress(TrainerCallback):
        def on_log(self, args, state, control, logs=None, **kwargs):
            logs = logs or {}
            print(json.dumps({"step": state.global_step, "total": state.max_steps, "loss": logs.get("loss")}), flush=True)

    args = parse_args()
    os.makedirs(args.output_dir, exist_ok=True)
    os.makedirs(args.checkpoint_dir, exist_ok=True)
    tokenizer = AutoTokenizer.from_pretrained(args.base_model)
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    closing = end_of_turn(tokenizer)
    rows = []
    for number, messages in enumerate(read_examples(args.dataset), 1):
        try:
            rows.append(tokenize(messages, tokenizer, args.max_length, closing))
        except MaskError as err:
            raise SystemExit(f"{args.dataset}: example {number}: {err}")
    rows = [r for r in rows if any(label != IGNORE for label in r["labels"])]
    if not rows:
        raise SystemExit("no example has a trained assistant turn within --max-length")
    dataset = Dataset.from_list(rows)

    dtype = torch.bfloat16 if torch.cuda.is_available() and torch.cuda.is_bf16_supported() else torch.float16
    model = AutoModelForCausalLM.from_pretrained(args.base_model, torch_dtype=dtype)
    lora = LoraConfig(
        r=args.lora_r,
        lora_alpha=args.lora_alpha,
        lora_dropout=args.lora_dropout,
        target_modules=[m.strip() for m in args.target_modules.split(",") if m.strip()],
        task_type="CAUSAL_LM",
    )
    config = SFTConfig(
        output_dir=args.checkpoint_dir,
        num_train_epochs=args.epochs,
        learning_rate=args.learning_rate,
        per_device_train_batch_size=args.batch_size,
        gradient_accumulation_steps=args.grad_accum,
        logging_steps=1,
        save_steps=args.save_steps,
        save_total_limit=2,
        bf16=dtype == torch.bfloat16,
        fp16=dtype == torch.float16,
        report_to=[],
        remove_unused_columns=False,
        # The dataset is tokenized above, with our own loss mask.
        dataset_kwargs={"skip_prepare_dataset": True},
    )
    trainer = SFTTrainer(
        model=model,
        args=config,
        train_dataset=dataset,
        peft_config=lora,
        processing_class=tokenizer,
        data_collator=DataCollatorForSeq2Seq(tokenizer, padding=True, label_pad_token_id=IGNORE),
        callbacks=[JsonProgress()],
    )
    last = get_last_checkpoint(args.checkpoint_dir)
    if last:
        print(json.dumps({"resumed_from": last}), flush=True)
    trainer.train(resume_from_checkpoint=last)
    # PEFT writes adapter_config.json and adapter_model.safetensors.
    trainer.model.save_pretrained(args.output_dir, safe_serialization=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
