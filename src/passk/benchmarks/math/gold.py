"""Gold answers and question texts of the math benchmarks' source records (PAPER.md §2).

Used when a benchmark is prepared: the problem file carries the gold string and the question
text the prompt wraps, so verification never reads the source files again.
"""

from __future__ import annotations

from typing import Any

from passk.benchmarks.math.latex import last_boxed, normalize_answer
from passk.errors import DataError


def _require(record: dict[str, Any], key: str, where: str) -> Any:
    if key not in record or record[key] is None:
        raise DataError(f"{where}: missing field {key!r}")
    return record[key]


def format_gold_value(value: Any, where: str) -> str:
    """A gold value as a string; AMC floats such as 27.0 become "27" (as the paper normalises them)."""
    if isinstance(value, bool):
        raise DataError(f"{where}: gold answer is a boolean ({value!r})")
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        if not value.strip():
            raise DataError(f"{where}: empty gold answer")
        return value.strip()
    raise DataError(f"{where}: gold answer has type {type(value).__name__}, expected a string or number")


def gold_from_record(dataset: str, record: dict[str, Any], where: str) -> str:
    """The gold answer string of one source record, per dataset (PAPER.md §2 "Ground truth").

    ``where`` ("file:line") goes into every DataError so a broken record can be found.
    """
    if dataset == "gsm8k":
        answer = _require(record, "answer", where)
        if not isinstance(answer, str) or "####" not in answer:
            raise DataError(f"{where}: gsm8k answer has no '####' marker")
        gold = answer.split("####")[-1].strip()
        if not gold:
            raise DataError(f"{where}: empty gold after '####'")
        return gold
    if dataset in ("math500", "minerva_math", "math"):
        solution = _require(record, "solution", where)
        if not isinstance(solution, str):
            raise DataError(f"{where}: solution is not a string")
        boxed = last_boxed(solution)
        if boxed is None or not boxed.strip():
            raise DataError(f"{where}: no \\boxed{{}} answer in solution")
        return boxed.strip()
    if dataset == "olympiadbench":
        final = _require(record, "final_answer", where)
        if not isinstance(final, list) or not final or not isinstance(final[0], str):
            raise DataError(f"{where}: final_answer must be a non-empty list of strings")
        gold = final[0].strip().strip("$").strip()
        if not gold:
            raise DataError(f"{where}: empty final_answer")
        return gold
    if dataset in ("aime24", "aime25", "amc23", "omni_math_rule"):
        gold = format_gold_value(_require(record, "answer", where), where)
        if "\\boxed" in gold:  # a few Omni-MATH golds are "\\[\\boxed{…}\\]"
            gold = (last_boxed(gold) or gold).strip()
        return gold
    raise DataError(f"{where}: no gold rule for dataset {dataset!r}")


def reference_solution(dataset: str, record: dict[str, Any]) -> str | None:
    """The benchmark's own worked solution (used to test the checker against its gold), if any."""
    if dataset == "gsm8k":
        return record.get("answer")
    if dataset in ("math500", "minerva_math", "math", "aime24", "omni_math_rule"):
        sol = record.get("solution")
        return sol if isinstance(sol, str) else None
    if dataset == "olympiadbench":
        sol = record.get("solution")
        return sol[0] if isinstance(sol, list) and sol and isinstance(sol[0], str) else None
    return None


QUESTION_KEYS = ("question", "problem", "Question", "input")


def question_from_record(record: dict[str, Any], gold: str, where: str) -> str:
    """The question text: the first of question/problem/Question/input, plus the yes/no suffix.

    As in the paper's ``parse_question``, " (True or False)" or " (Yes or No)" is appended when the
    (normalised) gold is true/false or yes/no, so the model knows which words to answer with.
    """
    for key in QUESTION_KEYS:
        if key in record and record[key] is not None:
            question = record[key]
            break
    else:
        raise DataError(f"{where}: missing question (none of {', '.join(QUESTION_KEYS)})")
    if not isinstance(question, str) or not question.strip():
        raise DataError(f"{where}: question is empty or not a string")
    low = normalize_answer(gold).lower()
    if low in ("true", "false"):
        question += " (True or False)"
    elif low in ("yes", "no"):
        question += " (Yes or No)"
    return question.strip()
