"""Builds a tiny Llama-architecture chat model from nothing: a byte-level BPE tokenizer trained on
local text, randomly initialised weights, a chat template. No weights are downloaded anywhere.

Its replies are nonsense; it exists so that the real Ollama, the real trainer and sinq's LLM
players can be exercised end to end on a CPU in seconds.

usage: python make_tiny_model.py [--memorise CHATS_JSONL] OUT_DIR CORPUS_FILE [CORPUS_FILE ...]
Writes OUT_DIR/hf (a transformers model folder) and OUT_DIR/Modelfile (for `ollama create`).

--memorise trains the random model, all weights, until greedy decoding of each chat's last
(assistant) turn reproduces it: a player that gives one known, well-formed reply, so that a
campaign through the real pieces has valid plays to train on.
"""

import json
import sys
from pathlib import Path

import torch
from tokenizers import Regex, Tokenizer, decoders, models, pre_tokenizers, processors, trainers
from transformers import LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast

# Llama 3's pre-tokenizer split. Ollama recognises this exact pattern ("llama-bpe") and splits text
# the same way, so a prompt becomes the same tokens in transformers and in Ollama; with an
# unrecognised pattern Ollama falls back to another split and the memorised reply is lost.
LLAMA_BPE_SPLIT = (
    r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"
)

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
    tok.pre_tokenizer = pre_tokenizers.Sequence(
        [
            pre_tokenizers.Split(Regex(LLAMA_BPE_SPLIT), behavior="isolated"),
            pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False),
        ]
    )
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


def encode_chat(tokenizer, messages):
    """Token ids of the rendered chat and the mask of the assistant reply (plus its end token)."""
    prompt = tokenizer.apply_chat_template(messages[:-1], tokenize=False, add_generation_prompt=True)
    text = prompt + messages[-1]["content"] + "</s>"
    enc = tokenizer(text, return_offsets_mapping=True, add_special_tokens=False)
    ids = enc["input_ids"]
    labels = [tok if start >= len(prompt) else -100 for tok, (start, _end) in zip(ids, enc["offset_mapping"])]
    return ids, labels, prompt


def memorise(model, tokenizer, chats, max_steps=800):
    encoded = [encode_chat(tokenizer, chat) for chat in chats]
    optimiser = torch.optim.AdamW(model.parameters(), lr=5e-3)
    model.train()
    loss_value = float("inf")
    step = 0
    for step in range(1, max_steps + 1):
        total = 0.0
        for ids, labels, _prompt in encoded:
            out = model(input_ids=torch.tensor([ids]), labels=torch.tensor([labels]))
            out.loss.backward()
            total += out.loss.item()
        optimiser.step()
        optimiser.zero_grad()
        loss_value = total / len(encoded)
        if loss_value < 0.005:
            break
    model.eval()
    exact = 0
    for (_ids, _labels, prompt), chat in zip(encoded, chats):
        prompt_ids = tokenizer(prompt, add_special_tokens=False, return_tensors="pt")["input_ids"]
        with torch.no_grad():
            generated = model.generate(prompt_ids, max_new_tokens=len(_ids), do_sample=False, eos_token_id=tokenizer.eos_token_id, pad_token_id=tokenizer.pad_token_id)
        reply = tokenizer.decode(generated[0][prompt_ids.shape[1]:], skip_special_tokens=True)
        exact += int(reply == chat[-1]["content"])
    return {"steps": step, "loss": loss_value, "exact": exact, "chats": len(chats)}


def tiny_llama(tokenizer):
    """A randomly initialised 2-layer, 64-wide Llama for `tokenizer` (about 200 k parameters)."""
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
    return LlamaForCausalLM(config)


def main(argv):
    argv = list(argv)
    chats = []
    if len(argv) > 2 and argv[1] == "--memorise":
        chats = [json.loads(line)["messages"] for line in Path(argv[2]).read_text(encoding="utf-8").splitlines() if line.strip()]
        del argv[1:3]
    if len(argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    out = Path(argv[1])
    hf_dir = out / "hf"
    hf_dir.mkdir(parents=True, exist_ok=True)
    torch.manual_seed(0)
    tokenizer = build_tokenizer(argv[2:], vocab_size=1024)
    model = tiny_llama(tokenizer)
    memorised = memorise(model, tokenizer, chats) if chats else None
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
    print(json.dumps({"hf_dir": str(hf_dir), "modelfile": str(modelfile), "vocab": len(tokenizer), "parameters": params, "memorised": memorised}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
