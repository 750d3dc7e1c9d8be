"""Compares sandbox/py/literal.parse_literal with ast.literal_eval on fixed and random inputs.
Prints one JSON line: {"checked": N, "mismatches": [...]} (at most 20 listed)."""
import ast
import json
import math
import random
import sys

sys.setrecursionlimit(20000)
sys.path.insert(0, sys.argv[1])
from literal import parse_literal  # noqa: E402

FIXED = [
    '{"x": 1}', '{"x": -1, "y": 2.5, "z": "s"}', '{"a": [1, [2, {"b": 3}]]}', '{"x": true}', '{"x": True}',
    '{"x": null}', '{"x": None}', '{"x": NaN}', '{"x": Infinity}', '{"x": -Infinity}', '{"x": 1e999}',
    '{"x": "\\/"}', '{"x": "\\ud83d\\ude00"}', '{"x": "\\u00e9"}', '{"x": "é"}', '{"x": 1} ', '{"x": 1}\n',
    '{"x": 1} # c', ' {"x": 1}', '\t{"x": 1}', '{"x": 1,}', '{"x": [1,]}', '{"x": 01}', '{"x": 1_000}',
    '{"x": -0}', '{"x": -0.0}', '{"x": 1E5}', '{"x": .5}', '{"x": 5.}', '{"x": 0x10}', "{'x': 1}",
    '{"x": (1, 2)}', '{"x": {1, 2}}', '{"x": set()}', '{"x": set([1])}', '{"x": 1+2j}', '{"x": -1-2j}',
    '{"x": 2j+1}', '{"x": b"q"}', '{"x": ...}', '{**{"a": 1}}', '{"x": __import__("os")}', '{[1]: 2}',
    '{"x": {[1]}}', '{"x": "a" "b"}', '{"x": f"a"}', '{"x": +1}', '{"x": --1}', '{"x": -True}', '[1]', '1',
    '', '{', '{"x": 1}}', '{"x": 1, "x": 2, "y": 3}', '{"x": ' + '9' * 5000 + '}', '{"x": ' + '[' * 500 + ']' * 500 + '}',
    '{"x": "\x01"}', '{"x":\r1}', '{"x":\f1}', '{"x": "\u2028"}', '{"\u00e9": 1}', '{1: 2}', '{"x": [true]}',
    '{"x": {"y": null}}', '{"x": 1.0000000000000001}', '{"x": 123456789012345678901234567890}',
]


def outcome(fn, text):
    try:
        value = fn(text)
    except (SyntaxError, ValueError, TypeError, RecursionError, MemoryError) as err:
        return ("error", type(err).__name__ if not isinstance(err, (RecursionError, MemoryError)) else "deep")
    return ("value", canonical(value))


def canonical(value):
    # Distinguishes what == would not: 1 vs 1.0 vs True, -0.0 vs 0.0, nan, types of containers.
    kind = type(value)
    if kind is float:
        return ("float", "nan" if math.isnan(value) else value.hex())
    if kind is complex:
        return ("complex", canonical(value.real), canonical(value.imag))
    if kind in (list, tuple):
        return (kind.__name__, [canonical(v) for v in value])
    if kind in (set, frozenset):
        return (kind.__name__, sorted(repr(canonical(v)) for v in value))
    if kind is dict:
        return ("dict", [(canonical(k), canonical(v)) for k, v in value.items()])
    return (kind.__name__, repr(value))


def random_text(rng, depth=0):
    pick = rng.random()
    if depth > 3 or pick < 0.45:
        return rng.choice([
            str(rng.randint(-10**6, 10**6)), repr(rng.uniform(-1e6, 1e6)), "1e%d" % rng.randint(-400, 400),
            json.dumps(rng.choice(["", "a", "é", "x y", "\u2028", "tab\t", "q'"])), "'s'", "true", "True", "null",
            "None", "NaN", "-0", "0.5", "1j", "-2+3j", "b'x'", "x", "-1", "+1", "1_0",
        ])
    if pick < 0.7:
        items = [random_text(rng, depth + 1) for _ in range(rng.randint(0, 3))]
        return "[" + rng.choice([", ", ",", " , "]).join(items) + rng.choice(["]", ",]"])
    if pick < 0.8:
        items = [random_text(rng, depth + 1) for _ in range(rng.randint(0, 3))]
        return "(" + ", ".join(items) + (",)" if len(items) == 1 else ")")
    pairs = []
    for _ in range(rng.randint(0, 3)):
        key = rng.choice(['"a"', '"b"', "'c'", "1", "[1]", '"a b"'])
        pairs.append(key + rng.choice([": ", ":", " : "]) + random_text(rng, depth + 1))
    return "{" + ", ".join(pairs) + rng.choice(["}", ",}", "} "])


def main():
    rng = random.Random(int(sys.argv[2]) if len(sys.argv) > 2 else 7)
    texts = FIXED + [random_text(rng) for _ in range(int(sys.argv[3]) if len(sys.argv) > 3 else 5000)]
    mismatches = []
    for text in texts:
        expected = outcome(ast.literal_eval, text)
        got = outcome(parse_literal, text)
        if expected != got:
            mismatches.append({"input": text[:200], "expected": repr(expected)[:200], "got": repr(got)[:200]})
    print(json.dumps({"checked": len(texts), "mismatches": mismatches[:20], "mismatchCount": len(mismatches)}))


main()
