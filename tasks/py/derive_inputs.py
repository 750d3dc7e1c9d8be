"""Static analysis of task-set rows with Python's own parser; nothing from a dataset is executed.

Reads one JSON request on stdin and writes one JSON reply on stdout, so a whole file is handled by
a single process. Request: {"mode": "mbpp" | "humaneval" | "check", "rows": [...]}.

- mode "mbpp": row {"key", "source", "tests": [assert lines]} -> the entry point is the top-level
  function the asserts call; each call with literal arguments becomes a keyword-argument dict.
- mode "humaneval": row {"key", "source", "entryPoint", "test": check() source} -> inputs from the
  literal calls of `candidate(...)`.
- mode "check": row {"key", "source", "entryPoint", "inputs": [dict literals]} -> problems found:
  syntax, missing entry point, inputs that are not dict literals or do not bind to its parameters.

Every reply row: {"key", "ok": true, "entryPoint", "params", "inputs", "notes"} or
{"key", "ok": false, "reason"}. "notes" lists calls or inputs that were left out, and why.
"""

import ast
import json
import sys
from collections import Counter

MAX_INPUT_CHARS = 20_000


class Signature:
    """Parameter layout of a function definition, enough to bind keyword arguments."""

    def __init__(self, fn):
        a = fn.args
        self.posonly = [p.arg for p in a.posonlyargs]
        self.positional = [p.arg for p in a.args]
        self.kwonly = [p.arg for p in a.kwonlyargs]
        self.vararg = a.vararg.arg if a.vararg else None
        self.kwarg = a.kwarg.arg if a.kwarg else None
        ordered = self.posonly + self.positional
        first_default = len(ordered) - len(a.defaults)
        self.required = [name for i, name in enumerate(ordered) if i < first_default]
        self.required += [p.arg for p, d in zip(a.kwonlyargs, a.kw_defaults) if d is None]

    def names(self):
        return self.posonly + self.positional + self.kwonly

    def bind_call(self, call):
        """Maps a call's literal arguments to a {name: value} dict, or raises ValueError saying why."""
        ordered = self.posonly + self.positional
        bound = {}
        for i, node in enumerate(call.args):
            if isinstance(node, ast.Starred):
                raise ValueError("call unpacks *args")
            if i >= len(ordered):
                raise ValueError("more positional arguments than named parameters")
            bound[ordered[i]] = literal(node)
        for kw in call.keywords:
            if kw.arg is None:
                raise ValueError("call unpacks **kwargs")
            if kw.arg in bound:
                raise ValueError(f"argument '{kw.arg}' given twice")
            bound[kw.arg] = literal(kw.value)
        problem = self.check_keys(bound.keys())
        if problem:
            raise ValueError(problem)
        return bound

    def check_keys(self, keys):
        """Returns why `f(**{keys})` cannot bind, or None when it can."""
        keys = list(keys)
        posonly = [k for k in keys if k in self.posonly]
        if posonly:
            return f"positional-only parameter(s) {', '.join(posonly)} cannot be passed by keyword"
        known = set(self.positional + self.kwonly)
        unknown = [k for k in keys if k not in known]
        if unknown and self.kwarg is None:
            return f"unknown parameter(s) {', '.join(unknown)}; the entry point takes ({', '.join(self.names())})"
        missing = [k for k in self.required if k not in keys]
        if missing:
            return f"missing required parameter(s) {', '.join(missing)}"
        return None


def literal(node):
    try:
        return ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        pass
    try:
        return fold(node)
    except (NotConstant, ArithmeticError, TypeError, ValueError, MemoryError, RecursionError) as err:
        raise ValueError(f"argument is not a literal: {snippet(node)}") from err


class NotConstant(Exception):
    pass


# Bounds that keep folding cheap: tests write things like `3 * 19`, `'ab' + 'c'`, `1.0 / 3`.
MAX_FOLD_LEN = 10_000
MAX_FOLD_INT_BITS = 4_096
MAX_FOLD_EXPONENT = 256

BINARY = {
    ast.Add: lambda a, b: a + b,
    ast.Sub: lambda a, b: a - b,
    ast.Mult: lambda a, b: a * b,
    ast.Div: lambda a, b: a / b,
    ast.FloorDiv: lambda a, b: a // b,
    ast.Mod: lambda a, b: a % b,
    ast.Pow: lambda a, b: a ** b,
}
UNARY = {ast.USub: lambda a: -a, ast.UAdd: lambda a: +a, ast.Invert: lambda a: ~a}


def fold(node):
    """Evaluates a constant expression of literals and arithmetic, within size bounds; no names, no calls."""
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.List):
        return [fold(e) for e in node.elts]
    if isinstance(node, ast.Tuple):
        return tuple(fold(e) for e in node.elts)
    if isinstance(node, ast.Set):
        return {fold(e) for e in node.elts}
    if isinstance(node, ast.Dict):
        if any(k is None for k in node.keys):
            raise NotConstant("dict unpacking")
        return {fold(k): fold(v) for k, v in zip(node.keys, node.values)}
    if isinstance(node, ast.UnaryOp) and type(node.op) in UNARY:
        value = fold(node.operand)
        if not is_number(value) or (isinstance(node.op, ast.Invert) and not isinstance(value, int)):
            raise NotConstant("unary operator on a non-number")
        return UNARY[type(node.op)](value)
    if isinstance(node, ast.BinOp) and type(node.op) in BINARY:
        left, right = fold(node.left), fold(node.right)
        check_operands(node.op, left, right)
        return bounded(BINARY[type(node.op)](left, right))
    raise NotConstant(type(node).__name__)


def is_number(value):
    return isinstance(value, (int, float, complex)) and not isinstance(value, bool)


def check_operands(op, left, right):
    if is_number(left) and is_number(right):
        if isinstance(op, ast.Pow) and (abs(right) > MAX_FOLD_EXPONENT or (isinstance(left, int) and left.bit_length() > 64)):
            raise NotConstant("power too large")
        return
    sequence = (str, bytes, list, tuple)
    if isinstance(op, ast.Add) and isinstance(left, sequence) and type(left) is type(right):
        return
    if isinstance(op, ast.Mult):
        seq, count = (left, right) if isinstance(left, sequence) else (right, left)
        if isinstance(seq, sequence) and isinstance(count, int) and not isinstance(count, bool):
            if len(seq) * max(count, 0) > MAX_FOLD_LEN:
                raise NotConstant("repetition too long")
            return
    raise NotConstant("operator on these operand types")


def bounded(value):
    if isinstance(value, int) and value.bit_length() > MAX_FOLD_INT_BITS:
        raise NotConstant("integer too large")
    if isinstance(value, (str, bytes, list, tuple)) and len(value) > MAX_FOLD_LEN:
        raise NotConstant("value too long")
    return value


def snippet(node):
    try:
        text = ast.unparse(node)
    except Exception:  # noqa: BLE001 - unparse of odd trees is best effort
        text = type(node).__name__
    return text if len(text) <= 60 else text[:57] + "..."


def render(bound):
    """A dict literal whose literal_eval gives back exactly `bound` (reprs keep tuples, sets, negatives)."""
    text = "{" + ", ".join(f"{name!r}: {value!r}" for name, value in bound.items()) + "}"
    if len(text) > MAX_INPUT_CHARS:
        raise ValueError(f"input literal is {len(text)} characters (limit {MAX_INPUT_CHARS})")
    try:
        back = ast.literal_eval(text)
    except (ValueError, SyntaxError, MemoryError, RecursionError) as err:
        raise ValueError(f"value has no literal form ({type(err).__name__})") from err
    if not same_value(back, bound):
        raise ValueError("value does not survive a literal round trip")
    return text


def same_value(a, b):
    try:
        return type(a) is type(b) and repr(a) == repr(b)
    except Exception:  # noqa: BLE001 - exotic reprs count as different
        return False


def parse_module(source):
    try:
        return ast.parse(source), None
    except SyntaxError as err:
        return None, f"source does not parse: {err.msg} (line {err.lineno})"
    except (ValueError, RecursionError, MemoryError) as err:
        return None, f"source does not parse: {err}"


def top_level_functions(tree):
    return {node.name: node for node in tree.body if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))}


def derive_calls(calls, sig):
    """Turns candidate calls into distinct rendered inputs plus notes on the calls left out."""
    inputs, notes, seen = [], [], set()
    for call in calls:
        try:
            text = render(sig.bind_call(call))
        except ValueError as err:
            notes.append(f"{snippet(call)}: {err}")
            continue
        except RecursionError:
            notes.append(f"{snippet(call)}: nested too deeply")
            continue
        if text not in seen:
            seen.add(text)
            inputs.append(text)
    return inputs, notes


def calls_named(tree, name):
    return [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == name
    ]


def ordered_calls(trees, name):
    # ast.walk is breadth-first; sorting by position keeps the inputs in the order the tests list them.
    out = []
    for tree in trees:
        out += sorted(calls_named(tree, name), key=lambda c: (c.lineno, c.col_offset))
    return out


def do_mbpp(row):
    tree, error = parse_module(row["source"])
    if error:
        return fail(row, error)
    functions = top_level_functions(tree)
    if not functions:
        return fail(row, "source defines no top-level function")
    test_trees, notes = [], []
    for test in row["tests"]:
        parsed, err = parse_module(test)
        if err:
            notes.append(f"test skipped, {err}: {test[:60]}")
        else:
            test_trees.append(parsed)
    called = Counter()
    for parsed in test_trees:
        for node in ast.walk(parsed):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in functions:
                called[node.func.id] += 1
    if not called:
        return fail(row, "the tests call no function the source defines")
    # The entry point is the defined function the tests call most; ties go to the one defined last
    # (helpers usually come first).
    order = list(functions)
    entry = max(called, key=lambda name: (called[name], order.index(name)))
    sig = Signature(functions[entry])
    inputs, call_notes = derive_calls(ordered_calls(test_trees, entry), sig)
    return done(row, entry, sig, inputs, notes + call_notes)


def do_humaneval(row):
    tree, error = parse_module(row["source"])
    if error:
        return fail(row, error)
    entry = row["entryPoint"]
    fn = top_level_functions(tree).get(entry)
    if fn is None:
        return fail(row, f"entry point '{entry}' is not a top-level function of the source")
    sig = Signature(fn)
    test_tree, error = parse_module(row["test"])
    if error:
        return fail(row, f"test code: {error}")
    inputs, notes = derive_calls(ordered_calls([test_tree], "candidate"), sig)
    description = ast.get_docstring(fn) or ""
    reply = done(row, entry, sig, inputs, notes)
    reply["description"] = description
    return reply


def do_check(row):
    tree, error = parse_module(row["source"])
    if error:
        return fail(row, error)
    entry = row["entryPoint"]
    fn = top_level_functions(tree).get(entry)
    if fn is None:
        return fail(row, f"entry point '{entry}' is not a top-level function of the source")
    sig = Signature(fn)
    problems = []
    for index, text in enumerate(row["inputs"]):
        try:
            value = ast.literal_eval(text)
        except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError) as err:
            problems.append(f"exampleInputs[{index}]: not a Python literal ({type(err).__name__})")
            continue
        if not isinstance(value, dict):
            problems.append(f"exampleInputs[{index}]: a {type(value).__name__} literal, not a dict")
            continue
        bad_keys = [repr(k) for k in value if not isinstance(k, str)]
        if bad_keys:
            problems.append(f"exampleInputs[{index}]: non-string key(s) {', '.join(bad_keys)}")
            continue
        why = sig.check_keys(value.keys())
        if why:
            problems.append(f"exampleInputs[{index}]: {why}")
    reply = done(row, entry, sig, list(row["inputs"]), [])
    reply["problems"] = problems
    return reply


def done(row, entry, sig, inputs, notes):
    return {"key": row["key"], "ok": True, "entryPoint": entry, "params": sig.names(), "inputs": inputs, "notes": notes}


def fail(row, reason):
    return {"key": row["key"], "ok": False, "reason": reason}


HANDLERS = {"mbpp": do_mbpp, "humaneval": do_humaneval, "check": do_check}


def main():
    request = json.load(sys.stdin)
    handler = HANDLERS[request["mode"]]
    results = []
    for row in request["rows"]:
        try:
            results.append(handler(row))
        except RecursionError:
            results.append(fail(row, "source nested too deeply to analyse"))
    json.dump({"results": results}, sys.stdout)


if __name__ == "__main__":
    sys.setrecursionlimit(10_000)
    main()
