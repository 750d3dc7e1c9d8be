#!/usr/bin/env python3
"""A stand-in trainer for tests: same arguments as training/trainer/train.py, no GPU, no ML.

It reads the chat JSONL dataset, "trains" for --steps steps (one JSON progress line each, a
checkpoint file after each), resumes from the checkpoint directory when one is there, and writes a
small but well-formed LoRA adapter: adapter_config.json and adapter_model.safetensors (8-byte
little-endian header length, JSON header, tensor bytes), or a GGUF file with --format gguf.
"""
import argparse
import hashlib
import json
import os
import struct
import subprocess
import sys
import time


def write_safetensors(path, tensors):
    header = {}
    data = b""
    for name, (shape, values) in tensors.items():
        raw = struct.pack("<%df" % len(values), *values)
        header[name] = {"dtype": "F32", "shape": shape, "data_offsets": [len(data), len(data) + len(raw)]}
        data += raw
    header["__metadata__"] = {"format": "pt"}
    encoded = json.dumps(header, separators=(",", ":")).encode("utf-8")
    encoded += b" " * ((8 - len(encoded) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(encoded)))
        f.write(encoded)
        f.write(data)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--dataset", required=True)
    parser.add_argument("--base-model", required=True)
    parser.add_argument("--output-dir", required=True)
    parser.add_argument("--checkpoint-dir", required=True)
    parser.add_argument("--steps", type=int, default=5)
    parser.add_argument("--step-delay", type=float, default=0.0)
    parser.add_argument("--fail-at", type=int, default=0, help="exit with an error at this step")
    parser.add_argument("--format", choices=["safetensors", "gguf", "broken"], default="safetensors")
    parser.add_argument("--spawn-helper", action="store_true", help="start a long-lived child (process-group cleanup)")
    args = parser.parse_args()

    examples = 0
    digest = hashlib.sha256()
    with open(args.dataset, "rb") as f:
        for line in f:
            if not line.strip():
                continue
            row = json.loads(line)
            if not isinstance(row.get("messages"), list):
                print("row without messages", file=sys.stderr)
                return 2
            digest.update(line)
            examples += 1
    if examples == 0:
        print("empty dataset", file=sys.stderr)
        return 2

    os.makedirs(args.checkpoint_dir, exist_ok=True)
    os.makedirs(args.output_dir, exist_ok=True)
    with open(os.path.join(args.checkpoint_dir, "runs.log"), "a") as f:
        f.write("run\n")
    if args.spawn_helper:
        helper = subprocess.Popen(["sleep", "600"])
        with open(os.path.join(args.checkpoint_dir, "helper.pid"), "w") as f:
            f.write(str(helper.pid))

    checkpoint = os.path.join(args.checkpoint_dir, "checkpoint.json")
    start = 0
    if os.path.exists(checkpoint):
        with open(checkpoint) as f:
            start = int(json.load(f)["step"])
        print(json.dumps({"resumed_from": start}), flush=True)

    for step in range(start + 1, args.steps + 1):
        if args.step_delay:
            time.sleep(args.step_delay)
        if args.fail_at and step == args.fail_at:
            print("simulated failure at step %d" % step, file=sys.stderr, flush=True)
            return 1
        tmp = checkpoint + ".tmp"
        with open(tmp, "w") as f:
            json.dump({"step": step}, f)
        os.replace(tmp, checkpoint)
        print(json.dumps({"step": step, "total": args.steps, "loss": round(1.0 / step, 4)}), flush=True)

    seed = digest.digest()
    values = [b / 255.0 for b in seed[:16]]
    with open(os.path.join(args.output_dir, "training_log.json"), "w") as f:
        json.dump({"start_step": start, "steps": args.steps, "examples": examples, "base_model": args.base_model}, f)
    if args.format == "gguf":
        with open(os.path.join(args.output_dir, "adapter.gguf"), "wb") as f:
            f.write(b"GGUF" + struct.pack("<I", 3) + seed)
        return 0
    config = {
        "peft_type": "LORA",
        "task_type": "CAUSAL_LM",
        "base_model_name_or_path": args.base_model,
        "r": 2,
        "lora_alpha": 4,
        "target_modules": ["q_proj", "v_proj"],
    }
    with open(os.path.join(args.output_dir, "adapter_config.json"), "w") as f:
        json.dump(config, f, indent=2)
    tensors = {
        "base_model.model.layers.0.self_attn.q_proj.lora_A.weight": ([2, 4], values[:8]),
        "base_model.model.layers.0.self_attn.q_proj.lora_B.weight": ([4, 2], values[8:16]),
    }
    path = os.path.join(args.output_dir, "adapter_model.safetensors")
    write_safetensors(path, tensors)
    if args.format == "broken":
        with open(path, "r+b") as f:
            f.write(struct.pack("<Q", 1 << 40))
    return 0


if __name__ == "__main__":
    sys.exit(main())
