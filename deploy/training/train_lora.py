#!/usr/bin/env python3
"""Train a LoRA adapter for the site's DeepSeek-R1 distill from an exported dataset, convert it to
GGUF for node-llama-cpp, and run r1-chatops' evaluation gate.

    python3 train_lora.py --data sft.jsonl --base-model /models/DeepSeek-R1-Distill-Qwen-7B \
        --llama-cpp /opt/llama.cpp --name pumps --eval-data heldout-dpo.jsonl --out runs/pumps

Steps (each printed before it runs):
  1. validate the JSONL (`npm run feedback -- export --format sft|dpo`) and the arguments;
  2. train a LoRA with TRL + PEFT (SFTTrainer for `sft`, DPOTrainer for `dpo`);
  3. convert the PEFT adapter with llama.cpp's `convert_lora_to_gguf.py`;
  4. run the gate: `npm run adapters -- eval --adapter OUT/NAME.gguf --data EVAL.jsonl
     [--against IN_SERVICE]` in the r1-chatops checkout; its exit status is this script's.

`--dry-run` does step 1 only and prints the plan. It imports neither torch nor trl, so it runs on
any machine with Python 3.9+ (CI runs it). Exit codes: 0 ok, 1 a step failed, 2 bad data or arguments.
"""
from __future__ import annotations

import argparse
import json
import random
import shlex
import subprocess
import sys
from pathlib import Path

ROLES = {"system", "user", "assistant"}
REPO_ROOT = Path(__file__).resolve().parents[2]


class DataError(Exception):
    """A dataset problem, reported as `file:line: message`."""


def check_turns(value, what: str, *, last_role: str | None = None, only_assistant: bool = False) -> None:
    if not isinstance(value, list) or not value:
        raise DataError(f"{what} must be a non-empty list of messages")
    for i, m in enumerate(value):
        if not isinstance(m, dict) or set(m) != {"role", "content"}:
            raise DataError(f"{what}[{i}] must be an object with exactly role and content")
        if m["role"] not in ROLES:
            raise DataError(f"{what}[{i}].role must be system, user or assistant (got {m['role']!r})")
        if only_assistant and m["role"] != "assistant":
            raise DataError(f"{what}[{i}].role must be assistant")
        if not isinstance(m["content"], str) or not m["content"].strip():
            raise DataError(f"{what}[{i}].content must be a non-empty string")
    if last_role and value[-1]["role"] != last_role:
        raise DataError(f"{what} must end with a {last_role} message")


def check_line(obj, fmt: str) -> None:
    """One dataset line in the shape the exporter writes (`meta` is optional and ignored)."""
    if not isinstance(obj, dict):
        raise DataError("a line must be a JSON object")
    keys = set(obj) - {"meta"}
    if fmt == "sft":
        if keys != {"messages"}:
            raise DataError(f"an sft line has messages (and meta); got {sorted(keys)}")
        check_turns(obj["messages"], "messages", last_role="assistant")
        if len(obj["messages"]) < 2:
            raise DataError("messages must hold a prompt and an answer")
    elif fmt == "dpo":
        if keys != {"prompt", "chosen", "rejected"}:
            raise DataError(f"a dpo line has prompt, chosen and rejected (and meta); got {sorted(keys)}")
        check_turns(obj["prompt"], "prompt", last_role="user")
        check_turns(obj["chosen"], "chosen", only_assistant=True)
        check_turns(obj["rejected"], "rejected", only_assistant=True)
        if obj["chosen"] == obj["rejected"]:
            raise DataError("chosen and rejected are the same")
    else:
        raise DataError(f"unknown format {fmt}")


def detect_format(obj) -> str:
    if isinstance(obj, dict) and "messages" in obj:
        return "sft"
    if isinstance(obj, dict) and {"prompt", "chosen", "rejected"} <= set(obj):
        return "dpo"
    raise DataError("neither an sft line (messages) nor a dpo line (prompt, chosen, rejected); kto and openai-dpo files are not trained here")


def read_jsonl(path: Path, fmt: str | None) -> tuple[str, list[dict]]:
    """Validates every line; returns the format and the rows. Raises DataError naming file and line."""
    rows: list[dict] = []
    with path.open(encoding="utf-8") as f:
        for n, raw in enumerate(f, start=1):
            if not raw.strip():
                continue
            try:
                obj = json.loads(raw)
            except json.JSONDecodeError as e:
                raise DataError(f"{path}:{n}: not JSON: {e.msg}") from e
            try:
                if fmt is None:
                    fmt = detect_format(obj)
                check_line(obj, fmt)
            except DataError as e:
                raise DataError(f"{path}:{n}: {e}") from e
            rows.append(obj)
    if not rows:
        raise DataError(f"{path}: no lines")
    return fmt or "sft", rows


def parse_args(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data", required=True, type=Path, help="JSONL from `npm run feedback -- export --format sft|dpo`")
    p.add_argument("--format", choices=["sft", "dpo"], help="default: detected from the first line")
    p.add_argument("--base-model", required=True, help="the base model in Hugging Face format (directory, or hub id) that the served GGUF was made from")
    p.add_argument("--name", required=True, help="adapter name (as in LORA_ADAPTERS and `npm run kb -- adapter --name`)")
    p.add_argument("--out", required=True, type=Path, help="run directory: adapter/, NAME.gguf, heldout.jsonl")
    p.add_argument("--llama-cpp", type=Path, help="llama.cpp checkout holding convert_lora_to_gguf.py (required unless --skip-convert)")
    p.add_argument("--outtype", default="f16", choices=["f32", "f16", "bf16", "q8_0"], help="GGUF adapter tensor type (default f16)")
    p.add_argument("--eval-data", type=Path, help="held-out DPO pairs for the gate; default: --holdout of a dpo --data")
    p.add_argument("--holdout", type=float, default=0.1, help="share of a dpo --data kept out of training for the gate (default 0.1; 0 = none)")
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--repo", type=Path, default=REPO_ROOT, help="r1-chatops checkout to run the gate in (default: this one)")
    p.add_argument("--skip-convert", action="store_true", help="stop after training (no GGUF, no gate)")
    p.add_argument("--against", help="the adapter in service this one replaces (a LORA_ADAPTERS name of the gate's host, or its .gguf file): the gate then requires beating it too")
    p.add_argument("--skip-gate", action="store_true", help="convert but do not run the gate (the adapter must not be promoted without it)")
    # LoRA and training hyper-parameters.
    p.add_argument("--lora-r", type=int, default=16)
    p.add_argument("--lora-alpha", type=int, default=32)
    p.add_argument("--lora-dropout", type=float, default=0.05)
    p.add_argument("--target-modules", default="q_proj,k_proj,v_proj,o_proj,gate_proj,up_proj,down_proj", help="comma-separated module names (Qwen/Llama layout)")
    p.add_argument("--epochs", type=float, default=2.0)
    p.add_argument("--learning-rate", type=float, default=None, help="default 2e-4 (sft) or 5e-6 (dpo)")
    p.add_argument("--batch-size", type=int, default=1)
    p.add_argument("--grad-accum", type=int, default=8)
    p.add_argument("--max-length", type=int, default=4096, help="tokens per example (prompt + answer)")
    p.add_argument("--beta", type=float, default=0.1, help="DPO beta (dpo only)")
    p.add_argument("--bf16", action=argparse.BooleanOptionalAction, default=True)
    p.add_argument("--gradient-checkpointing", action=argparse.BooleanOptionalAction, default=True)
    p.add_argument("--dry-run", action="store_true", help="validate the data and arguments, print the plan, import nothing heavy")
    return p.parse_args(argv)


def check_args(a: argparse.Namespace) -> list[str]:
    errors = []
    if not a.data.is_file():
        errors.append(f"--data {a.data}: no such file")
    if a.eval_data is not None and not a.eval_data.is_file():
        errors.append(f"--eval-data {a.eval_data}: no such file")
    if not a.name or not all(c.isalnum() or c in "-_." for c in a.name):
        errors.append("--name must be letters, digits, - _ . (it becomes part of LORA_ADAPTERS)")
    if not 0 <= a.holdout < 1:
        errors.append("--holdout must be in [0, 1)")
    for flag, v in (("--lora-r", a.lora_r), ("--lora-alpha", a.lora_alpha), ("--batch-size", a.batch_size), ("--grad-accum", a.grad_accum), ("--max-length", a.max_length)):
        if v <= 0:
            errors.append(f"{flag} must be > 0")
    if not 0 <= a.lora_dropout < 1:
        errors.append("--lora-dropout must be in [0, 1)")
    if a.epochs <= 0:
        errors.append("--epochs must be > 0")
    if a.learning_rate is not None and a.learning_rate <= 0:
        errors.append("--learning-rate must be > 0")
    if a.beta <= 0:
        errors.append("--beta must be > 0")
    if not [m for m in a.target_modules.split(",") if m.strip()]:
        errors.append("--target-modules is empty")
    if not a.skip_convert:
        if a.llama_cpp is None:
            errors.append("--llama-cpp DIR is required to convert the adapter (or pass --skip-convert)")
        elif not (a.llama_cpp / "convert_lora_to_gguf.py").is_file():
            errors.append(f"--llama-cpp {a.llama_cpp}: convert_lora_to_gguf.py not found there")
        base = Path(a.base_model)
        if base.exists() and not (base / "config.json").is_file():
            errors.append(f"--base-model {base}: no config.json (convert_lora_to_gguf.py needs the base model in Hugging Face format)")
    if not (a.skip_convert or a.skip_gate) and not (a.repo / "package.json").is_file():
        errors.append(f"--repo {a.repo}: not an r1-chatops checkout (no package.json)")
    return errors


def split_holdout(rows: list[dict], share: float, seed: int) -> tuple[list[dict], list[dict]]:
    if share <= 0 or len(rows) < 2:
        return rows, []
    idx = list(range(len(rows)))
    random.Random(seed).shuffle(idx)
    k = max(1, round(len(rows) * share))
    held = set(idx[:k])
    return [r for i, r in enumerate(rows) if i not in held], [r for i, r in enumerate(rows) if i in held]


def write_jsonl(path: Path, rows: list[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as f:
        for r in rows:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")


def strip_meta(rows: list[dict]) -> list[dict]:
    return [{k: v for k, v in r.items() if k != "meta"} for r in rows]


def train(a: argparse.Namespace, fmt: str, rows: list[dict], adapter_dir: Path) -> None:
    """TRL + PEFT. Imported here so that --dry-run needs neither."""
    import torch  # noqa: F401  (fails early with a clear ImportError when the GPU stack is missing)
    from datasets import Dataset
    from peft import LoraConfig
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(a.base_model)
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    model = AutoModelForCausalLM.from_pretrained(a.base_model, dtype="bfloat16" if a.bf16 else "auto")
    peft_config = LoraConfig(
        r=a.lora_r, lora_alpha=a.lora_alpha, lora_dropout=a.lora_dropout, bias="none", task_type="CAUSAL_LM",
        target_modules=[m.strip() for m in a.target_modules.split(",") if m.strip()],
    )
    if fmt == "sft":
        # Prompt-completion form: TRL puts the loss on the completion (the answer) only; the prompt
        # (system, sources, history) is context, not a target.
        rows = [{"prompt": r["messages"][:-1], "completion": r["messages"][-1:]} for r in rows]
    data = Dataset.from_list(strip_meta(rows))
    common = dict(
        output_dir=str(a.out / "checkpoints"), num_train_epochs=a.epochs, per_device_train_batch_size=a.batch_size,
        gradient_accumulation_steps=a.grad_accum, bf16=a.bf16, gradient_checkpointing=a.gradient_checkpointing,
        logging_steps=10, save_strategy="no", report_to=[], seed=a.seed, max_length=a.max_length,
    )
    if fmt == "sft":
        from trl import SFTConfig, SFTTrainer

        args = SFTConfig(learning_rate=a.learning_rate or 2e-4, **common)
        trainer = SFTTrainer(model=model, args=args, train_dataset=data, processing_class=tokenizer, peft_config=peft_config)
    else:
        from trl import DPOConfig, DPOTrainer

        args = DPOConfig(learning_rate=a.learning_rate or 5e-6, beta=a.beta, **common)
        # With a peft_config and no ref_model, TRL uses the base weights (adapter disabled) as the reference.
        trainer = DPOTrainer(model=model, args=args, train_dataset=data, processing_class=tokenizer, peft_config=peft_config)
    trainer.train()
    trainer.save_model(str(adapter_dir))


def main(argv: list[str]) -> int:
    a = parse_args(argv)
    errors = check_args(a)
    if errors:
        for e in errors:
            print(f"train_lora: {e}", file=sys.stderr)
        return 2
    try:
        fmt, rows = read_jsonl(a.data, a.format)
        eval_rows = read_jsonl(a.eval_data, "dpo")[1] if a.eval_data else None
    except DataError as e:
        print(f"train_lora: {e}", file=sys.stderr)
        return 2
    train_rows, held = (rows, []) if fmt != "dpo" or a.eval_data else split_holdout(rows, a.holdout, a.seed)
    gate_needed = not (a.skip_convert or a.skip_gate)
    if gate_needed and eval_rows is None and not held:
        print("train_lora: the gate needs held-out DPO pairs: pass --eval-data FILE (an sft run) or keep --holdout > 0 with a dpo --data of 2+ lines", file=sys.stderr)
        return 2
    adapter_dir = a.out / "adapter"
    gguf = a.out / f"{a.name}.gguf"
    eval_file = a.eval_data or (a.out / "heldout.jsonl")
    convert = [sys.executable, str((a.llama_cpp or Path("llama.cpp")) / "convert_lora_to_gguf.py"), "--base", str(a.base_model), "--outfile", str(gguf), "--outtype", a.outtype, str(adapter_dir)]
    # The candidate by its file: a LORA_ADAPTERS entry of the same name (the version in service) is
    # neither shadowed nor duplicated; --against names the one it must beat too.
    gate = ["npm", "run", "adapters", "--", "eval", "--adapter", str(gguf.resolve()), "--data", str(eval_file.resolve())]
    if a.against:
        gate += ["--against", a.against]

    print(f"data: {a.data} ({fmt}, {len(rows)} line(s) valid; {len(train_rows)} for training, {len(held) if held else len(eval_rows or [])} held out for the gate)")
    print(f"1. train: {'SFTTrainer' if fmt == 'sft' else 'DPOTrainer'} on {a.base_model}, LoRA r={a.lora_r} alpha={a.lora_alpha} → {adapter_dir}")
    if not a.skip_convert:
        print(f"2. convert: {shlex.join(convert)}")
        if gate_needed:
            print(f"3. gate: (cd {a.repo} && {shlex.join(gate)})")
    if a.dry_run:
        print("dry run: data and arguments are valid; nothing was trained")
        return 0

    a.out.mkdir(parents=True, exist_ok=True)
    if held:
        write_jsonl(eval_file, held)
    train(a, fmt, train_rows, adapter_dir)
    if a.skip_convert:
        return 0
    r = subprocess.run(convert, check=False)
    if r.returncode != 0:
        print(f"train_lora: convert_lora_to_gguf.py failed (exit {r.returncode})", file=sys.stderr)
        return 1
    if not gate_needed:
        print(f"converted: {gguf} (gate skipped: do not promote it without `npm run adapters -- eval`)")
        return 0
    r = subprocess.run(gate, cwd=a.repo, check=False)
    print(f"gate: {'passed' if r.returncode == 0 else 'failed'} (exit {r.returncode}); adapter file {gguf}")
    return 0 if r.returncode == 0 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
