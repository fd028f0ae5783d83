"""The plain-data encoding between a sandboxed program and its judge: tagged JSON, bounded both ways.

Why: the judge runs outside the sandbox and must read what a hostile program sends without being
reachable through it. No pickle (unpickling runs code), nothing but builtin values, and every read
is bounded in size and nesting depth, so the worst a program's output can earn is its own wrong
verdict: ``decode_line`` raises ``WireError`` for anything that is not a well-formed, small enough
message, and never anything else (a 5,000-deep bracket nest included).

Values: JSON's own (None, bool, str, small int, finite float, list) plus tagged one-key objects for
what JSON lacks: ``{"$int": hex}`` (big ints; hex because decimal conversion is quadratic),
``{"$float": "inf"|"-inf"|"nan"}``, ``{"$tuple": [...]}``, ``{"$set": [...]}``,
``{"$frozenset": [...]}``, ``{"$dict": [[k, v], ...]}``, ``{"$complex": [re, im]}``,
``{"$bytes": base64}``, ``{"$tuples": [[...], ...]}`` (a list of flat tuples of JSON's scalars,
written at C speed: Mbpp/255's outputs are millions of them); long lists (and tuples) of floats,
or of ints and floats a double holds exactly, as ``{"$f64": base64 doubles}`` and
``{"$num": [base64 doubles, base64 int flags]}`` (float text would cost more than the tests).

Shipped into the sandbox as a file (stdlib only) and imported by the host: the encoder runs in
the program's process (a program that patches it changes only its own outputs), the decoder in
the judge's.
"""

import base64
import binascii
import json
import math
from array import array
from itertools import chain, compress

MAX_DEPTH = 64  # nesting of one value; benchmark outputs are a few levels deep
_SPECIAL_FLOATS = {"inf": math.inf, "-inf": -math.inf, "nan": math.nan}
_TAGS = ("$int", "$float", "$f64", "$num", "$tuple", "$tuples", "$set", "$frozenset", "$dict", "$complex", "$bytes")


class WireError(ValueError):
    """A message that is not well-formed bounded plain data."""


_JSON_SCALARS = frozenset((str, bool, type(None)))
_NUMBERS = frozenset((int, float))
_INT_FLAG = {int: 1, float: 0}.__getitem__
_PACK_MIN = 16  # lists at least this long of floats (or ints and floats) travel as packed doubles
_ONLY_TUPLES = frozenset((tuple,))
_SCALARS_AND_NUMBERS = _JSON_SCALARS | _NUMBERS
STREAM_CHUNK = 4096  # elements of a long list encoded and written at a time (``message_pieces``)


def _flat_json(x, types):
    """Whether list ``x`` (whose element types are ``types``) holds only scalars JSON carries
    exactly, checked at C speed (outputs are often long flat lists, and a walk in Python per element
    would cost more than the tests)."""
    if types <= _JSON_SCALARS:
        return True
    if not types <= _NUMBERS:
        return False
    try:  # an int beyond a double's range raises; one within it has at most 309 digits: JSON is exact
        return all(map(math.isfinite, x))
    except OverflowError:
        return False


def _packed(x, types):
    """A long list of floats, or of ints and floats that doubles hold exactly, as base64 doubles
    (and a byte per element saying which were ints): float text costs far more than the tests."""
    if len(x) < _PACK_MIN:
        return None
    if types == {float}:
        return {"$f64": base64.b64encode(array("d", x).tobytes()).decode("ascii")}
    if types == {int, float}:
        try:
            values = array("d", x)
        except OverflowError:
            return None
        if max(map(abs, values)) >= 2.0**53 and values.tolist() != x:  # an int a double cannot hold exactly
            return None
        mask = bytes(map(_INT_FLAG, map(type, x)))
        return {"$num": [base64.b64encode(values.tobytes()).decode("ascii"), base64.b64encode(mask).decode("ascii")]}
    return None


def _whole(x, t, types):
    """What list or tuple ``x`` (of type ``t``, element types ``types``) encodes to, untagged, when
    no walk per element is needed: packed numbers, or the flat list itself; else None."""
    body = _packed(x, types)
    if body is None and _flat_json(x, types):
        body = x if t is list else list(x)
    return body


def _flat_rows(rows, types=None):
    """Whether every element of every row (tuples, or lists as JSON reads them) is a scalar JSON
    carries exactly: a string, bool, None, or an int or float ``_flat_json`` would let through
    (finite, within a double's range), in any mix. ``types``: the elements' types, if known.
    Checked at C speed, as ``_flat_json`` is."""
    if types is None:
        types = set(map(type, chain.from_iterable(rows)))
    if types <= _JSON_SCALARS:
        return True
    if not types <= _SCALARS_AND_NUMBERS:
        return False
    cells = chain.from_iterable(rows)
    numbers = compress(cells, map(_NUMBERS.__contains__, map(type, chain.from_iterable(rows))))
    try:
        return all(map(math.isfinite, numbers))
    except OverflowError:
        return False


def _rows(x, types):
    """Whether list ``x`` (element types ``types``) is a non-empty list of tuples of scalars
    (``_flat_rows``): then ``json.dumps`` writes it whole, a tuple as an array, at C speed, tagged
    ``$tuples`` (a tag per tuple cost Mbpp/255's lists of 80,000 tuples of strings 30-40% more).
    Not when a tuple holds floats and is long enough to travel packed (``_packed``): its 77 floats
    as text cost five times their packed doubles."""
    if types != _ONLY_TUPLES:
        return False
    cells = set(map(type, chain.from_iterable(x)))
    if float in cells and max(map(len, x)) >= _PACK_MIN:
        return False
    return _flat_rows(x, cells)


def _elements(x, types, depth):
    """``[encode(v, depth) for v in x]``, where ``types`` are the element types of ``x``. Flat
    tuples of JSON's scalars are tagged without a call each (a tuple of them, or a list that
    ``_rows`` refuses as a whole)."""
    if types == _ONLY_TUPLES:
        return [{"$tuple": list(v)} if set(map(type, v)) <= _JSON_SCALARS else encode(v, depth) for v in x]
    return [encode(v, depth) for v in x]


def _unpack_doubles(text):
    if type(text) is not str:
        raise WireError("packed numbers need a string")
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise WireError("bad packed numbers") from None
    if len(raw) % 8:
        raise WireError("bad packed numbers")
    values = array("d")
    values.frombytes(raw)
    return values.tolist()


def encode(x, depth=0):
    """``x`` (builtin plain data only) in JSON-able tagged form; TypeError for anything else."""
    if depth > MAX_DEPTH:
        raise TypeError("value nested too deeply")
    t = type(x)
    if x is None or t is bool or t is str:
        return x
    if t is int:
        return x if -(1 << 53) < x < (1 << 53) else {"$int": hex(x)}
    if t is float:
        return x if math.isfinite(x) else {"$float": repr(x)}
    if t is list or t is tuple:  # long lists and tuples of numbers packed, flat ones at C speed
        types = set(map(type, x))
        body = _whole(x, t, types)
        if body is None:
            if t is list and _rows(x, types):
                return {"$tuples": list(map(list, x))}
            body = _elements(x, types, depth + 1)
        return body if t is list else {"$tuple": body}
    if t is set or t is frozenset:
        return {"$set" if t is set else "$frozenset": [encode(v, depth + 1) for v in x]}
    if t is dict:
        return {"$dict": [[encode(k, depth + 1), encode(v, depth + 1)] for k, v in x.items()]}
    if t is complex:
        return {"$complex": [encode(x.real, depth + 1), encode(x.imag, depth + 1)]}
    if t is bytes:
        return {"$bytes": base64.b64encode(x).decode("ascii")}
    raise TypeError(f"not plain data: {t.__module__}.{t.__qualname__}")


def dumps(obj):
    """One message as a line of ASCII JSON (no newline inside, so a line is a frame)."""
    return json.dumps(obj, ensure_ascii=True, separators=(",", ":"), allow_nan=False)


def message_pieces(key, x, extra, convert=None):
    """The line ``dumps({key: encode(x), **extra})`` (``extra`` a dict of JSON scalars), as pieces
    of text whose concatenation is exactly that line when ``x`` is plain data. (What ``convert``
    turned into plain data reads back the same but may be written otherwise: a list of converted
    tuples gets a ``$tuple`` tag each, not ``$tuples``; the judge's byte match is only a shortcut
    before it compares values.)

    Why: a long list (or tuple) of non-scalars is encoded and yielded ``STREAM_CHUNK`` elements at
    a time, so that a writer that stops at a byte cap (the fork server's line cap) stops the work
    too, and no second copy of a huge output is held. Mbpp/255's canonical solution returns
    1.6 M tuples (0.94 GB encoded) on one input, which its ground truth drops at the cap after
    encoding a quarter of it, not after all of it.

    ``convert(value, depth)``, if given, is tried on what ``encode`` refuses (the harness's
    ``plain``: numpy values and the like); TypeError for what neither takes. Raised while a line
    is part written, an exception leaves that line unfinished, hence unreadable.
    """

    def enc(v, depth):
        try:
            return encode(v, depth)
        except TypeError:
            if convert is None:
                raise
            return encode(convert(v, depth), depth)

    t = type(x)
    if (t is list or t is tuple) and len(x) > STREAM_CHUNK:
        types = set(map(type, x))
        body = _whole(x, t, types)
        if body is not None:  # numbers packed, or flat: encoded at C speed, written whole
            yield dumps({key: body if t is list else {"$tuple": body}, **extra})
            return
        if t is list and _rows(x, types):  # flat tuples: each chunk written by json at C speed, tuples as arrays
            yield "{" + json.dumps(key) + ':{"$tuples":['
            for i in range(0, len(x), STREAM_CHUNK):
                text = dumps(x[i : i + STREAM_CHUNK])[1:-1]
                yield text if i == 0 else "," + text
            yield "]}" + ("," + dumps(extra)[1:] if extra else "}")
            return
        yield "{" + json.dumps(key) + (":[" if t is list else ':{"$tuple":[')
        for i in range(0, len(x), STREAM_CHUNK):
            part = x[i : i + STREAM_CHUNK]
            try:
                items = _elements(part, types if types == _ONLY_TUPLES else set(map(type, part)), 1)
            except TypeError:
                if convert is None:
                    raise
                items = [enc(v, 1) for v in part]
            text = dumps(items)[1:-1]
            yield text if i == 0 else "," + text
        yield ("]" if t is list else "]}") + ("," + dumps(extra)[1:] if extra else "}")
        return
    yield dumps({key: enc(x, 0), **extra})


def decode(x, depth=0):
    """Inverse of ``encode``, type-checked: WireError for anything ``encode`` cannot produce."""
    if depth > MAX_DEPTH:
        raise WireError("value nested too deeply")
    t = type(x)
    if x is None or t is bool or t is str or t is int:
        return x
    if t is float:
        if not math.isfinite(x):
            raise WireError("non-finite float outside its tag")
        return x
    if t is list:
        if _flat_json(x, set(map(type, x))):  # JSON's own scalars only (json.loads makes nothing else but dicts and lists)
            return x
        return [decode(v, depth + 1) for v in x]
    if t is not dict or len(x) != 1:
        raise WireError(f"not a tagged value: {type(x).__name__}")
    ((tag, v),) = x.items()
    if tag == "$int":
        if type(v) is not str:
            raise WireError("$int needs a string")
        try:
            neg = v.startswith("-")
            body = v[1:] if neg else v
            n = int(body, 16) if body.startswith("0x") else int(body)  # decimal: files of older code
        except ValueError:
            raise WireError("bad $int") from None
        return -n if neg else n
    if tag == "$float":
        if v not in _SPECIAL_FLOATS:
            raise WireError("bad $float")
        return float(v)  # a new object each time: two NaNs read back are unequal, in a list too (as evalplus's are)
    if tag == "$f64":
        return _unpack_doubles(v)
    if tag == "$num":
        if type(v) is not list or len(v) != 2:
            raise WireError("bad $num")
        values = _unpack_doubles(v[0])
        try:
            mask = base64.b64decode(v[1], validate=True) if type(v[1]) is str else None
        except (binascii.Error, ValueError):
            mask = None
        if mask is None or len(mask) != len(values) or not set(mask) <= {0, 1}:
            raise WireError("bad $num")
        try:
            return [int(f) if m else f for f, m in zip(values, mask)]
        except (OverflowError, ValueError):
            raise WireError("bad $num") from None
    if tag == "$bytes":
        if type(v) is not str:
            raise WireError("$bytes needs a string")
        try:
            return base64.b64decode(v, validate=True)
        except (binascii.Error, ValueError):
            raise WireError("bad $bytes") from None
    if tag == "$tuple" and type(v) is dict:  # a packed tuple of numbers
        inner = decode(v, depth + 1)
        if type(inner) is not list:
            raise WireError("bad $tuple")
        return tuple(inner)
    if tag == "$tuples":  # rows of scalars only, as ``_rows`` lets through (a long row of floats, packed there, reads too)
        if type(v) is not list or not v or set(map(type, v)) != {list}:
            raise WireError("bad $tuples")
        if not _flat_rows(v):
            raise WireError("bad $tuples")
        return list(map(tuple, v))
    if tag not in _TAGS or type(v) is not list:
        raise WireError(f"unknown tag or bad payload: {str(tag)[:20]}")
    if tag == "$tuple":
        return tuple(v) if _flat_json(v, set(map(type, v))) else tuple(decode(e, depth + 1) for e in v)
    if tag == "$complex":
        if len(v) != 2 or not all(type(e) in (int, float) or type(e) is dict for e in v):
            raise WireError("bad $complex")
        re_, im = (decode(e, depth + 1) for e in v)
        if type(re_) not in (int, float) or type(im) not in (int, float):
            raise WireError("bad $complex")
        return complex(re_, im)
    items = [decode(e, depth + 1) for e in v]
    try:
        if tag == "$set":
            return set(items)
        if tag == "$frozenset":
            return frozenset(items)
        if not all(type(kv) is list and len(kv) == 2 for kv in items):
            raise WireError("bad $dict")
        return {k: val for k, val in items}
    except TypeError:  # an unhashable element
        raise WireError(f"unhashable element in {tag}") from None


def decode_line(line, cap):
    """The message in one frame (bytes), checked: a JSON object of at most ``cap`` bytes.

    Raises WireError for everything else, including nesting deep enough to exhaust the JSON
    parser's recursion and non-ASCII bytes.
    """
    if len(line) > cap:
        raise WireError(f"message of {len(line)} bytes exceeds the cap of {cap}")
    try:
        obj = json.loads(line.decode("ascii"))
    except (ValueError, UnicodeDecodeError, RecursionError, MemoryError) as exc:
        raise WireError(f"not a JSON message: {type(exc).__name__}") from None
    if type(obj) is not dict:
        raise WireError("a message is a JSON object")
    return obj
