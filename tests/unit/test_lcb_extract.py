"""Code extraction: the model continues a "```python" prefill; full fenced answers and plain code work too."""

from __future__ import annotations

from passk.benchmarks.livecodebench.verify import extract_code

CODE = "import sys\nprint(sum(map(int, sys.stdin.read().split())))"


def test_continuation_of_the_prefill() -> None:
    assert extract_code("\n" + CODE + "\n```\nThis program reads ...") == CODE


def test_reasoning_then_last_block_wins() -> None:
    text = "\nfirst try\n```\nWait, better:\n```python\n" + CODE + "\n```\n"
    assert extract_code(text) == CODE


def test_full_fenced_answer_without_prefill() -> None:
    assert extract_code("Here it is:\n```python\n" + CODE + "\n```", prefill="") == CODE
    assert extract_code("```python\n" + CODE + "\n```") == CODE


def test_unclosed_fence_takes_the_rest() -> None:
    assert extract_code("\n" + CODE) == CODE


def test_plain_code() -> None:
    assert extract_code(CODE) == CODE
    assert extract_code(CODE, prefill="") == CODE


def test_empty() -> None:
    assert extract_code("") == ""
    assert extract_code(None) == ""
