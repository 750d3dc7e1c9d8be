"""Literal expressions from MBPP's assert lines (call arguments and expected values), as
{"text": SOURCE, "ok": literal_eval succeeded, "value": TAGGED?}, one JSON list on stdout.

argv[1]: path to mbpp.jsonl.
"""
import ast
import json
import sys

from python_oracle import tag


def literal_sources(line):
    try:
        tree = ast.parse(line)
    except SyntaxError:
        return []
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            out.extend(node.args)
            out.extend(k.value for k in node.keywords)
        elif isinstance(node, ast.Compare):
            out.extend(node.comparators)
    return [ast.get_source_segment(line, n) for n in out]


def main():
    seen = set()
    results = []
    with open(sys.argv[1], encoding="utf-8") as f:
        for row in f:
            for line in json.loads(row)["test_list"]:
                for text in literal_sources(line):
                    if text is None or text in seen:
                        continue
                    seen.add(text)
                    try:
                        results.append({"text": text, "ok": True, "value": tag(ast.literal_eval(text))})
                    except Exception:  # noqa: BLE001 - not a literal: our reader must refuse it too
                        results.append({"text": text, "ok": False})
    json.dump(results, sys.stdout, ensure_ascii=True)


if __name__ == "__main__":
    main()
