"""Make the tiny offline demo model: a small Llama with a tokenizer trained right here.

Newcomers try the whole flow on it, and the tests run real XTuner on it, on a machine
with no GPU and no internet. It is deterministic (same files every time), takes seconds
on two CPU cores, and is big enough to learn the tutorial's identity answers in a short
CPU training. The tokenizer is byte-level BPE, so any name in any script can be encoded,
with ``<|im_start|>``/``<|im_end|>`` as special tokens for XTuner's ``internlm2_chat``
template.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path

from core.models import is_model_dir

DEMO_NAME = "demo-tiny-llama"
SPECIAL_TOKENS = ["<unk>", "<s>", "</s>", "<|im_start|>", "<|im_end|>"]
VOCAB_SIZE = 3000
SEED = 1234

# Text the tokenizer learns its merges from: the tutorial's phrases, common chat words in
# Chinese and English. Anything else still encodes, byte by byte.
_CORPUS = """
请介绍一下你自己 你好 你是谁 你叫什么名字 你是谁开发的 你能做什么 你在实战营做什么
我是的小助手，内在是上海AI实验室书生·浦语的1.8B大模型哦
我在这里帮助完成XTuner微调个人小助手的任务
我是一个人工智能助手，可以回答问题、写作、翻译和编程。
你好！很高兴认识你。有什么可以帮你的吗？请问你需要什么帮助？
上海 北京 中国 世界 学习 工作 生活 今天 明天 天气 问题 答案 模型 数据 训练 微调
请给我介绍五个上海的景点 外滩 东方明珠 豫园 南京路 城隍庙 迪士尼
谢谢 不客气 再见 对不起 没关系 是的 不是 可以 好的 当然 因为 所以 但是 如果
Please introduce yourself. Who are you? What is your name? Who made you?
I am an AI assistant. I can answer questions, write, translate and code.
Hello! Nice to meet you. How can I help you today? Thank you. You are welcome.
Please tell me five scenic spots in Shanghai. The Bund, Yu Garden, Nanjing Road.
assistant user system the a an and or of to in is are was were be have has do does
""".strip()


def _corpus_lines() -> list[str]:
    lines = [line.strip() for line in _CORPUS.splitlines() if line.strip()]
    # Repeat so the identity phrases win the early merges.
    return lines * 20


def build_tokenizer():
    """Train the byte-level BPE tokenizer (deterministic for a fixed corpus)."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    tok = Tokenizer(models.BPE(unk_token=None))
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=VOCAB_SIZE,
        min_frequency=2,
        special_tokens=SPECIAL_TOKENS,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tok.train_from_iterator(_corpus_lines(), trainer=trainer)
    chat_template = (
        "{% for m in messages %}<|im_start|>{{ m['role'] }}\n{{ m['content'] }}<|im_end|>\n"
        "{% endfor %}{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
    )
    return PreTrainedTokenizerFast(
        tokenizer_object=tok,
        unk_token="<unk>",
        bos_token="<s>",
        eos_token="</s>",
        pad_token="</s>",
        additional_special_tokens=["<|im_start|>", "<|im_end|>"],
        chat_template=chat_template,
        clean_up_tokenization_spaces=False,
    )


def build_model(vocab_size: int, bos_id: int, eos_ids: list[int], pad_id: int):
    """A small random-weight Llama (about 4.7 M parameters)."""
    import torch
    from transformers import GenerationConfig, LlamaConfig, LlamaForCausalLM

    config = LlamaConfig(
        vocab_size=vocab_size,
        hidden_size=256,
        intermediate_size=688,
        num_hidden_layers=4,
        num_attention_heads=4,
        num_key_value_heads=2,
        max_position_embeddings=2048,
        rms_norm_eps=1e-6,
        tie_word_embeddings=False,
        bos_token_id=bos_id,
        eos_token_id=eos_ids[0],
        pad_token_id=pad_id,
        torch_dtype="float32",
    )
    torch.manual_seed(SEED)
    model = LlamaForCausalLM(config)
    model.generation_config = GenerationConfig(
        bos_token_id=bos_id, eos_token_id=eos_ids, pad_token_id=pad_id,
        do_sample=False, max_new_tokens=64,
    )
    return model


def make_demo_model(out_dir: Path, overwrite: bool = False) -> Path:
    """Write the demo model folder; returns its path. Existing folders are kept unless asked."""
    out_dir = Path(out_dir)
    if is_model_dir(out_dir) and not overwrite:
        return out_dir
    tokenizer = build_tokenizer()
    eos_ids = [tokenizer.convert_tokens_to_ids("</s>"), tokenizer.convert_tokens_to_ids("<|im_end|>")]
    model = build_model(len(tokenizer), tokenizer.bos_token_id, eos_ids, tokenizer.pad_token_id)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.", dir=out_dir.parent))
    tmp.chmod(0o755)
    try:
        model.save_pretrained(tmp, safe_serialization=True)
        tokenizer.save_pretrained(tmp)
        (tmp / "README.md").write_text(
            "# Assistant Studio demo model\n\nA tiny random-weight Llama with a locally "
            "trained byte-level BPE tokenizer. It knows nothing until you fine-tune it; it "
            "exists so the whole flow runs offline on a CPU.\n",
            encoding="utf-8",
        )
        (tmp / "studio_demo.json").write_text(json.dumps({"demo": True, "seed": SEED}), "utf-8")
        if out_dir.exists():
            shutil.rmtree(out_dir)
        tmp.rename(out_dir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return out_dir


def is_demo_model(path: Path) -> bool:
    return (Path(path) / "studio_demo.json").is_file()


if __name__ == "__main__":  # pragma: no cover - manual use
    import sys

    print(make_demo_model(Path(sys.argv[1] if len(sys.argv) > 1 else "workspace/models/" + DEMO_NAME), overwrite=True))
