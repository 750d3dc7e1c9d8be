"""Builds a tiny Llama-architecture chat model from nothing: a byte-level BPE tokenizer trained on
local text, randomly initialised weights, a chat template. No weights are downloaded anywhere.

Its replies are nonsense; it exists so that the real Ollama, the real trainer and sinq's LLM
players can be exercised end to end on a CPU in seconds.

usage: python make_tiny_model.py OUT_DIR CORPUS_FILE [CORPUS_FILE ...]
Writes OUT_DIR/hf (a transformers model folder) and OUT_DIR/Modelfile (for `ollama create`).
"""

import json
import sys
from pathlib import Path

import torch
from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors, trainers
from transformers import LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast

SPECIAL = ["<unk>", "<s>", "</s>", "<|system|>", "<|user|>", "<|assistant|>"]

# The transformers chat template and the Ollama template render the same text.
CHAT_TEMPLATE = (
    "{% for message in messages %}<|{{ message['role'] }}|>\n{{ message['content'] }}</s>\n{% endfor %}"
    "{% if add_generation_prompt %}<|assistant|>\n{% endif %}"
)
OLLAMA_TEMPLATE = (
    "{{- range .Messages }}<|{{ .Role }}|>\n{{ .Content }}</s>\n{{ end }}<|assistant|>\n"
)


def corpus_lines(paths):
    for path in paths:
        for line in Path(path).read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError:
                yield line
                continue
            if isinstance(row, dict):
                for value in row.values():
                    if isinstance(value, str):
                        yield value
            else:
                yield line


def build_tokenizer(paths, vocab_size):
    tok = Tokenizer(models.BPE(unk_token="<unk>"))
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    tok.post_processor = processors.ByteLevel(trim_offsets=False)
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        special_tokens=SPECIAL,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tok.train_from_iterator(corpus_lines(paths), trainer=trainer)
    return PreTrainedTokenizerFast(
        tokenizer_object=tok,
        unk_token="<unk>",
        bos_token="<s>",
        eos_token="</s>",
        pad_token="</s>",
        additional_special_tokens=SPECIAL[3:],
        chat_template=CHAT_TEMPLATE,
    )


def main(argv):
    if len(argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    out = Path(argv[1])
    hf_dir = out / "hf"
    hf_dir.mkdir(parents=True, exist_ok=True)
    torch.manual_seed(0)
    tokenizer = build_tokenizer(argv[2:], vocab_size=1024)
    config = LlamaConfig(
        vocab_size=len(tokenizer),
        hidden_size=64,
        intermediate_size=128,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=2,
        max_position_embeddings=4096,
        rope_theta=10000.0,
        rms_norm_eps=1e-5,
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id,
        tie_word_embeddings=False,
    )
    model = LlamaForCausalLM(config)
    model.save_pretrained(hf_dir, safe_serialization=True)
    tokenizer.save_pretrained(hf_dir)
    modelfile = out / "Modelfile"
    modelfile.write_text(
        f"FROM {hf_dir}\n"
        f'TEMPLATE """{OLLAMA_TEMPLATE}"""\n'
        'PARAMETER stop "</s>"\n'
        'PARAMETER stop "<|user|>"\n',
        encoding="utf-8",
    )
    params = sum(p.numel() for p in model.parameters())
    print(json.dumps({"hf_dir": str(hf_dir), "modelfile": str(modelfile), "vocab": len(tokenizer), "parameters": params}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
