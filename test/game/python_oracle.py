"""Reference answers from CPython for the game tests: literal_eval results as tagged values, and ==.

stdin: a JSON list of requests, each {"a": TEXT} or {"a": TEXT, "b": TEXT}.
stdout: a JSON list of answers {"ok": bool, "a": TAGGED?, "eq": bool?, "error": str?}.
"""
import ast
import base64
import json
import math
import sys


def num(x):
    if math.isnan(x):
        return "nan"
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    return x


def tag(v):
    if v is None:
        return {"t": "none"}
    if isinstance(v, bool):
        return {"t": "bool", "v": v}
    if isinstance(v, int):
        return {"t": "int", "v": str(v)}
    if isinstance(v, float):
        return {"t": "float", "v": num(v)}
    if isinstance(v, complex):
        return {"t": "complex", "re": num(v.real), "im": num(v.imag)}
    if isinstance(v, str):
        return {"t": "str", "v": v}
    if isinstance(v, bytes):
        return {"t": "bytes", "v": base64.b64encode(v).decode()}
    if isinstance(v, list):
        return {"t": "list", "v": [tag(x) for x in v]}
    if isinstance(v, tuple):
        return {"t": "tuple", "v": [tag(x) for x in v]}
    if isinstance(v, set):
        return {"t": "set", "v": [tag(x) for x in v]}
    if isinstance(v, dict):
        return {"t": "dict", "v": [[tag(k), tag(x)] for k, x in v.items()]}
    raise TypeError(type(v).__name__)


def answer(request):
    try:
        a = ast.literal_eval(request["a"])
        out = {"ok": True, "a": tag(a)}
        if "b" in request:
            out["eq"] = bool(a == ast.literal_eval(request["b"]))
        return out
    except Exception as err:  # noqa: BLE001 - any refusal is an answer
        return {"ok": False, "error": type(err).__name__}


def main():
    requests = json.load(sys.stdin)
    json.dump([answer(r) for r in requests], sys.stdout, ensure_ascii=True)


if __name__ == "__main__":
    sys.setrecursionlimit(10000)
    main()
