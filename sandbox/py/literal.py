"""The run's input: a Python literal, read the way `ast.literal_eval` reads one.

Built on the compiler's own AST (`_ast`) rather than the `ast` module: `ast` pulls in `enum` and
`contextlib` and about half a megabyte of objects that every forked run would have to copy the
page tables of, and its Python-level parse path writes to more shared pages per run.
Accepted: constants, tuples, lists, sets, dicts, `set()`, signed numbers and `a ± bj`.
Errors: SyntaxError (not an expression), ValueError (anything else: names, calls, operators),
TypeError (an unhashable set member or dict key), RecursionError / MemoryError (too deep).

Most inputs are also JSON whose meaning is the same in both languages; those are read by the
JSON scanner (C, already warm in the zygote), which touches far fewer pages than the compiler.
"""
import _ast
from json.decoder import JSONDecoder

_ONLY_AST = _ast.PyCF_ONLY_AST
_Constant = _ast.Constant
_Tuple = _ast.Tuple
_List = _ast.List
_Set = _ast.Set
_Dict = _ast.Dict
_Call = _ast.Call
_Name = _ast.Name
_BinOp = _ast.BinOp
_UnaryOp = _ast.UnaryOp
_Add = _ast.Add
_Sub = _ast.Sub
_UAdd = _ast.UAdd
_USub = _ast.USub
_NUMBER_TYPES = (int, float, complex)


def _malformed(node):
    raise ValueError("malformed node or string: %s" % type(node).__name__)


def _number(node):
    if type(node) is not _Constant or type(node.value) not in _NUMBER_TYPES:
        _malformed(node)
    return node.value


def _signed_number(node):
    if type(node) is _UnaryOp:
        op = type(node.op)
        if op is _UAdd:
            return +_number(node.operand)
        if op is _USub:
            return -_number(node.operand)
    return _number(node)


def _convert(node):
    kind = type(node)
    if kind is _Constant:
        return node.value
    if kind is _Dict:
        keys = node.keys
        values = node.values
        if len(keys) != len(values):
            _malformed(node)
        return dict(zip(map(_convert, keys), map(_convert, values)))
    if kind is _List:
        return list(map(_convert, node.elts))
    if kind is _Tuple:
        return tuple(map(_convert, node.elts))
    if kind is _Set:
        return set(map(_convert, node.elts))
    if kind is _Call:
        func = node.func
        if type(func) is _Name and func.id == "set" and not node.args and not node.keywords:
            return set()
        _malformed(node)
    if kind is _BinOp:
        op = type(node.op)
        if op is _Add or op is _Sub:
            left = _signed_number(node.left)
            right = _number(node.right)
            if type(left) in (int, float) and type(right) is complex:
                return left + right if op is _Add else left - right
        _malformed(node)
    return _signed_number(node)


class _NotPython(Exception):
    pass


def _reject_constant(_name):
    raise _NotPython()  # NaN, Infinity, -Infinity: names, not literals, in Python


_scan_json = JSONDecoder(parse_constant=_reject_constant).scan_once
_dict = dict
_list = list


_MAX_JSON_DEPTH = 100  # deeper ones go to the compiler, which has its own nesting limit


def _json_means_the_same(value):
    """JSON `true`, `false` and `null` are not Python literals: any bool or None in the result
    came from one of them. Everything else JSON reads (no backslash escapes) reads the same."""
    stack = [(value, 0)]
    pop = stack.pop
    push = stack.append
    while stack:
        item, depth = pop()
        kind = type(item)
        if kind is _dict or kind is _list:
            if depth >= _MAX_JSON_DEPTH:
                return False
            for child in item.values() if kind is _dict else item:
                push((child, depth + 1))
        elif item is None or kind is bool:
            return False
    return True


def _parse_json_dict(text):
    """The dict `text` means, when it is a JSON object meaning the same in Python; else None."""
    if "\\" in text:
        return None  # JSON and Python escapes differ (\/, surrogate pairs)
    try:
        value, end = _scan_json(text, 0)
    except (StopIteration, ValueError, _NotPython, RecursionError, MemoryError):
        return None
    if end != len(text) or type(value) is not _dict or not _json_means_the_same(value):
        return None
    return value


def parse_literal(text):
    """The value of the literal `text` (leading spaces and tabs ignored, like literal_eval)."""
    if text[:1] == "{":
        value = _parse_json_dict(text)
        if value is not None:
            return value
    tree = compile(text.lstrip(" \t"), "<input>", "eval", _ONLY_AST, dont_inherit=True)
    return _convert(tree.body)
