"""The last ``\\boxed{}`` of a text: the answer of a completion that was asked to box it.

Shared by the families whose prompts ask for a boxed final answer (math, visual math), so both
read the same string as the model's answer. Why brace matching and not a regex: answers nest
braces (``\\frac{1}{2}``), and a truncated completion leaves a box unclosed.
"""

from __future__ import annotations

__all__ = ["last_boxed"]


def last_boxed(text: str) -> str | None:
    """Content of the last ``boxed`` in ``text`` (None if there is none).

    The paper's parser splits on the bare word ``boxed``; we look for ``\\boxed`` first so that prose
    such as "unboxed" after the real box cannot win, then for a bare ``boxed{``. Braces are
    matched; for ``\\boxed x`` without braces the answer runs up to the next ``$``. An unclosed brace (a truncated completion) yields the text up to the end.
    """
    pos = text.rfind("\\boxed")
    if pos >= 0:
        pos += 1
    else:
        pos = text.rfind("boxed{")
        if pos < 0:
            return None
    rest = text[pos + len("boxed") :]
    if not rest:
        return ""
    if rest[0] != "{":
        if rest[0].isalpha() or rest[0] == "_":
            return None  # "\\boxedfoo": a different macro, not a box
        return rest.split("$", 1)[0].strip()
    depth = 1
    out: list[str] = []
    for ch in rest[1:]:
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth == 0:
                break
        out.append(ch)
    return "".join(out)
