"""The tiny offline model: loads through the Auto classes, is deterministic, and trains."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from passk.cli import main as cli_main
from passk.errors import ConfigError
from passk.io import write_jsonl
from passk.models.tiny import IM_END, build_tiny_model, problem_train_texts, toy_arithmetic_problems


def _digests(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir()) if p.is_file()}


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("tiny") / "model"
    texts = problem_train_texts(toy_arithmetic_problems(12))
    return out, build_tiny_model(out, seed=3, train_texts=texts, train_steps=20)


def test_loads_with_auto_classes_offline(trained: tuple[Path, dict]) -> None:
    from transformers import AutoConfig, AutoModelForCausalLM, AutoTokenizer

    out, summary = trained
    config = AutoConfig.from_pretrained(out)
    assert config.model_type == "qwen2" and config.num_hidden_layers == 2 and config.hidden_size == 64
    tok = AutoTokenizer.from_pretrained(out)
    assert tok.eos_token == IM_END
    for special in ("<|im_start|>", "<|im_end|>", "<|endoftext|>"):
        ids = tok(special, add_special_tokens=False)["input_ids"]
        assert len(ids) == 1, special  # a single special token, not split into bytes
    model = AutoModelForCausalLM.from_pretrained(out)
    assert model.config.vocab_size >= len(tok)
    assert summary["train_steps"] == 20 and summary["final_loss"] is not None
    # ChatML chat template, so chat: tokenizer configs also work with the tiny model
    text = tok.apply_chat_template([{"role": "user", "content": "hi"}], tokenize=False, add_generation_prompt=True)
    assert text == "<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\n"


def test_same_seed_gives_byte_identical_files(tmp_path: Path, trained: tuple[Path, dict]) -> None:
    out, _ = trained
    again = tmp_path / "again"
    build_tiny_model(again, seed=3, train_texts=problem_train_texts(toy_arithmetic_problems(12)), train_steps=20)
    assert _digests(again) == _digests(out)


def test_different_seed_gives_different_weights(tmp_path: Path) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    build_tiny_model(a, seed=0)
    build_tiny_model(b, seed=1)
    assert _digests(a)["model.safetensors"] != _digests(b)["model.safetensors"]
    assert _digests(a)["tokenizer.json"] == _digests(b)["tokenizer.json"]  # same corpus, same tokenizer


def test_training_without_texts_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="train"):
        build_tiny_model(tmp_path / "m", train_steps=5)


def test_cli_builds_model_from_problem_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    problems = tmp_path / "p.jsonl"
    write_jsonl(problems, toy_arithmetic_problems(6))
    rc = cli_main(["tiny-model", "--out", str(tmp_path / "m"), "--problems", str(problems), "--train-steps", "3", "--seed", "2"])
    assert rc == 0
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert summary["train_steps"] == 3 and summary["train_examples"] == 6 and summary["seed"] == 2
    assert (tmp_path / "m" / "model.safetensors").exists() and (tmp_path / "m" / "tokenizer.json").exists()
