"""Every prompt passk renders equals its golden file, byte for byte (tests/golden/prompts).

Goldens are the paper's printed text (Figs 21, 22, 24, 25), the authors' code strings, or, for
models prompted through their own chat template, what transformers' ``apply_chat_template``
renders from the committed template text (``tests/golden/chat_templates``, sources in SOURCES.md).
``make_golden.py --check`` proves the goldens are what their recipe builds; this test proves passk's
renderer builds the same bytes, through the same committed template for the chat-template ones.
"""

from __future__ import annotations

import hashlib
import importlib.util
import sys
from pathlib import Path
from typing import Any

import pytest

from passk.prompts import KNOWN_CHAT_TEMPLATES, TEMPLATES, render_prompt

GOLDEN = Path(__file__).resolve().parents[1] / "golden"


def _make_golden() -> Any:
    spec = importlib.util.spec_from_file_location("make_golden", GOLDEN / "make_golden.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["make_golden"] = module
    spec.loader.exec_module(module)
    return module


mg = _make_golden()


@pytest.fixture(scope="module")
def examples() -> dict[str, Any]:
    if not (mg.data_dir() / "math" / "math500" / "test.jsonl").exists():
        pytest.skip("the staged benchmark files ($PASSK_DATA_DIR) are not here")
    return mg.load_examples()


def _math(ex: dict[str, Any]) -> dict[str, Any]:
    return {"id": "math500/0", "question": ex["math"]["question"]}


def _lcb(ex: dict[str, Any], key: str) -> dict[str, Any]:
    return {"id": key, "question": ex[key]["question"], "metadata": {"starter_code": ex[key]["starter"]}}


R1 = mg.template_tokenizer(mg.R1_TEMPLATE, mg.R1_BOS, mg.R1_EOS)

# golden file stem -> (example, template, benchmark prompt kind, chat, tokenizer)
CASES: dict[str, tuple[str, str | None, str, str | None, Any]] = {
    "qwen-boxed__math": ("math", "qwen-boxed", "model", None, None),
    "qwen25-math-cot__math": ("math", "qwen25-math-cot", "model", None, None),
    "simplerl-abel__math": ("math", "simplerl-abel", "model", None, None),
    "dapo-abel__math": ("math", "abel", "model", None, None),
    "verl-r1__math": ("math", "deepseek-r1", "model", None, None),
    "qwen-boxed-direct__math": ("math", "qwen-boxed-direct", "model", None, None),
    "deepseek-r1-distill__math": ("math", "r1-distill", "model", "tokenizer", R1),
    "chatml__evalplus": ("evalplus", None, "evalplus", "chatml", None),
    "chatml__livecodebench_stdin": ("lcb_stdin", None, "livecodebench", "chatml", None),
    "chatml__livecodebench_func": ("lcb_func", None, "livecodebench", "chatml", None),
    "deepseek-r1-distill__livecodebench_stdin": ("lcb_stdin", "r1-distill", "livecodebench", "tokenizer", R1),
    "deepseek-r1-distill__livecodebench_func": ("lcb_func", "r1-distill", "livecodebench", "tokenizer", R1),
}


@pytest.mark.parametrize("stem", sorted(CASES))
def test_renderer_matches_golden(stem: str, examples: dict[str, Any]) -> None:
    key, template, prompt, chat, tokenizer = CASES[stem]
    if key == "math":
        problem = _math(examples)
    elif key == "evalplus":
        problem = {"id": "HumanEval/0", "question": examples["evalplus"]["prompt"]}
    else:
        problem = _lcb(examples, key)
    ours = render_prompt(problem, template=template, prompt=prompt, chat=chat, tokenizer=tokenizer)
    golden = (GOLDEN / "prompts" / f"{stem}.txt").read_bytes()
    assert ours.encode("utf-8") == golden


def test_every_golden_is_tested_and_every_template_has_one() -> None:
    stems = {p.stem for p in (GOLDEN / "prompts").glob("*.txt")}
    reference = {s for s in stems if s.startswith("reference-")}  # lcb_runner's own bytes, kept for comparison
    assert stems - reference == set(CASES)
    assert {case[1] for case in CASES.values() if case[2] == "model"} == set(TEMPLATES)


def test_known_chat_templates_are_the_committed_ones() -> None:
    committed = {hashlib.sha256(p.read_bytes()).hexdigest() for p in (GOLDEN / "chat_templates").glob("*.jinja")}
    assert committed == set(KNOWN_CHAT_TEMPLATES)


def test_golden_files_are_what_their_recipe_builds(examples: dict[str, Any]) -> None:
    assert mg.main(["--check"]) == 0
