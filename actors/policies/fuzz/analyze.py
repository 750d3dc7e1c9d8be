"""Static facts a fuzzer needs about a pair of Python programs, without running them.

Reads one JSON request on stdin: {"original": str, "variant": str?, "entryPoint": str, "examples": [str]}.
Writes one JSON reply on stdout:
  {"ok": true, "params": [...], "examples": [...], "literals": [...], "changedLiterals": [...],
   "changedLines": [str], "lengthHints": [int]}
  {"ok": false, "code": "E_SYNTAX" | "E_NO_ENTRY" | "E_REQUEST" | "E_TOO_COMPLEX", "message": str}

Values are returned as canonical tagged trees ({"t": "int", "v": "3"}, ...). The programs are
untrusted: they are parsed with `ast`, never executed; examples are read with ast.literal_eval.
"""
import ast
import base64
import difflib
import json
import math
import sys

sys.setrecursionlimit(3000)

STR_METHODS = {'split', 'rsplit', 'strip', 'lstrip', 'rstrip', 'upper', 'lower', 'isupper', 'islower',
               'isdigit', 'isalpha', 'isalnum', 'isspace', 'startswith', 'endswith', 'replace', 'find',
               'rfind', 'join', 'title', 'capitalize', 'swapcase', 'encode', 'format', 'zfill', 'center',
               'ljust', 'rjust', 'splitlines', 'partition', 'isnumeric', 'isdecimal', 'casefold'}
LIST_METHODS = {'append', 'extend', 'insert', 'remove', 'sort', 'reverse'}
DICT_METHODS = {'items', 'keys', 'values', 'get', 'setdefault', 'update'}
SEQ_FUNCS = {'len', 'sorted', 'sum', 'max', 'min', 'set', 'list', 'tuple', 'enumerate', 'reversed',
             'any', 'all', 'zip', 'iter', 'map', 'filter', 'Counter', 'collections.Counter'}
NUM_FUNCS = {'range', 'abs', 'bin', 'hex', 'oct', 'chr', 'math.sqrt', 'math.log', 'math.factorial',
             'sqrt', 'factorial', 'math.floor', 'math.ceil', 'math.isqrt', 'math.gcd', 'gcd', 'divmod', 'pow'}
TYPE_NAMES = {'int': 'int', 'float': 'float', 'str': 'str', 'bool': 'bool', 'list': 'list', 'tuple': 'tuple',
              'dict': 'dict', 'set': 'set'}
MAX_LITERALS = 200


class RequestError(Exception):
    def __init__(self, code, message):
        super().__init__(message)
        self.code = code


def encode(value, depth=0):
    if depth > 40:
        return {'t': 'object', 'type': type(value).__name__, 'repr': '...'}
    if value is None:
        return {'t': 'none'}
    if isinstance(value, bool):
        return {'t': 'bool', 'v': value}
    if isinstance(value, int):
        return {'t': 'int', 'v': str(value)}
    if isinstance(value, float):
        return {'t': 'float', 'v': encode_float(value)}
    if isinstance(value, complex):
        return {'t': 'complex', 're': encode_float(value.real), 'im': encode_float(value.imag)}
    if isinstance(value, str):
        return {'t': 'str', 'v': value}
    if isinstance(value, bytes):
        return {'t': 'bytes', 'v': base64.b64encode(value).decode('ascii')}
    if isinstance(value, list):
        return {'t': 'list', 'v': [encode(v, depth + 1) for v in value]}
    if isinstance(value, tuple):
        return {'t': 'tuple', 'v': [encode(v, depth + 1) for v in value]}
    if isinstance(value, (set, frozenset)):
        items = sorted((encode(v, depth + 1) for v in value), key=lambda e: json.dumps(e, sort_keys=True))
        return {'t': 'set' if isinstance(value, set) else 'frozenset', 'v': items}
    if isinstance(value, dict):
        return {'t': 'dict', 'v': [[encode(k, depth + 1), encode(v, depth + 1)] for k, v in value.items()]}
    return {'t': 'object', 'type': type(value).__name__, 'repr': repr(value)[:200]}


def encode_float(x):
    if math.isnan(x):
        return 'nan'
    if math.isinf(x):
        return 'inf' if x > 0 else '-inf'
    return x


def parse(source, what):
    try:
        return ast.parse(source)
    except SyntaxError as err:
        raise RequestError('E_SYNTAX', f'the {what} does not parse: {err.msg} (line {err.lineno})')
    except (ValueError, RecursionError, MemoryError) as err:
        raise RequestError('E_SYNTAX', f'the {what} does not parse: {type(err).__name__}')


def find_function(tree, name):
    for stmt in tree.body:
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)) and stmt.name == name:
            return stmt
    return None


def dotted(node):
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        base = dotted(node.value)
        return f'{base}.{node.attr}' if base else None
    return None


def literal_of(node):
    try:
        return True, ast.literal_eval(node)
    except Exception:
        return False, None


def constants(tree, lines=None):
    """Constants in the tree (optionally only on the given line numbers), docstrings excluded."""
    docstrings = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                docstrings.add(id(first.value))
    out = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Constant) or id(node) in docstrings:
            continue
        if lines is not None and getattr(node, 'lineno', -1) not in lines:
            continue
        value = node.value
        if isinstance(value, str) and len(value) > 64:
            continue
        if value is None or isinstance(value, (bytes, complex)) or value is Ellipsis:
            continue
        out.append(value)
        # a negative literal is UnaryOp(USub, Constant): keep the sign too
    for node in ast.walk(tree):
        if (isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub) and isinstance(node.operand, ast.Constant)
                and isinstance(node.operand.value, (int, float)) and not isinstance(node.operand.value, bool)):
            if lines is None or getattr(node, 'lineno', -1) in lines:
                out.append(-node.operand.value)
    return out


def unique(values):
    seen = set()
    out = []
    for v in values:
        key = (type(v).__name__, repr(v))
        if key not in seen:
            seen.add(key)
            out.append(v)
    return out[:MAX_LITERALS]


class Hints:
    """Usage hints per name, and per element of a name (key `name[]`)."""

    def __init__(self):
        self.by_key = {}
        self.aliases = {}

    def add(self, key, hint):
        key = self.aliases.get(key, key)
        self.by_key.setdefault(key, [])
        if hint not in self.by_key[key]:
            self.by_key[key].append(hint)


def key_of(node, hints):
    if isinstance(node, ast.Name):
        return hints.aliases.get(node.id, node.id)
    if isinstance(node, ast.Subscript) and not isinstance(node.slice, ast.Slice):
        inner = key_of(node.value, hints)
        return f'{inner}[]' if inner else None
    return None


def const_kind(node):
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        node = node.operand
    if isinstance(node, ast.Constant):
        v = node.value
        if isinstance(v, bool):
            return 'bool'
        if isinstance(v, int):
            return 'int'
        if isinstance(v, float):
            return 'float'
        if isinstance(v, str):
            return 'str'
    return None


def collect_hints(func):
    hints = Hints()
    parents = {}
    for node in ast.walk(func):
        for child in ast.iter_child_nodes(node):
            parents[id(child)] = node
    # loop variables stand for elements of what they iterate
    for node in ast.walk(func):
        if isinstance(node, (ast.For, ast.comprehension)):
            it = node.iter
            if isinstance(it, ast.Call) and dotted(it.func) == 'enumerate' and it.args:
                base = key_of(it.args[0], hints)
                if base and isinstance(node.target, ast.Tuple) and len(node.target.elts) == 2:
                    if isinstance(node.target.elts[1], ast.Name):
                        hints.aliases[node.target.elts[1].id] = f'{base}[]'
                    hints.add(base, 'seq')
                continue
            base = key_of(it, hints)
            if base is None:
                continue
            hints.add(base, 'seq')
            if isinstance(node.target, ast.Name):
                hints.aliases[node.target.id] = f'{base}[]'
            elif isinstance(node.target, ast.Tuple):
                hints.add(f'{base}[]', 'tuple')
                for i, elt in enumerate(node.target.elts):
                    if isinstance(elt, ast.Name):
                        hints.aliases[elt.id] = f'{base}[][{i}]'
    for node in ast.walk(func):
        key = key_of(node, hints)
        if key is None:
            continue
        parent = parents.get(id(node))
        if isinstance(node, ast.Subscript):
            base = key_of(node.value, hints)
            if base:
                s = node.slice
                hints.add(base, 'dict' if const_kind(s) == 'str' else 'seq')
        if parent is None:
            continue
        if isinstance(parent, ast.Subscript) and parent.value is node and isinstance(parent.slice, ast.Slice):
            hints.add(key, 'seq')
        elif isinstance(parent, ast.Subscript) and parent.slice is node:
            hints.add(key, 'int')
        elif isinstance(parent, ast.Attribute) and parent.value is node:
            attr = parent.attr
            if attr in STR_METHODS:
                hints.add(key, 'str')
            elif attr in LIST_METHODS:
                hints.add(key, 'list')
            elif attr in DICT_METHODS:
                hints.add(key, 'dict')
            elif attr in ('add', 'discard', 'union', 'intersection'):
                hints.add(key, 'set')
        elif isinstance(parent, ast.Call) and node in parent.args:
            name = dotted(parent.func)
            if name in SEQ_FUNCS and not (name in ('min', 'max', 'zip') and len(parent.args) > 1):
                hints.add(key, 'seq')
                if name == 'sum':
                    hints.add(f'{key}[]', 'int')
            elif name in NUM_FUNCS:
                hints.add(key, 'int')
            elif name == 'ord':
                hints.add(key, 'str')
            elif name in ('float', 'math.isclose'):
                hints.add(key, 'float')
            elif name == 'isinstance' and len(parent.args) == 2:
                t = dotted(parent.args[1])
                if t in TYPE_NAMES:
                    hints.add(key, TYPE_NAMES[t])
        elif isinstance(parent, ast.BinOp):
            other = parent.right if parent.left is node else parent.left
            kind = const_kind(other)
            if kind in ('int', 'float', 'str'):
                hints.add(key, kind)
            elif isinstance(parent.op, (ast.Mod, ast.FloorDiv, ast.LShift, ast.RShift, ast.BitAnd, ast.BitOr)):
                hints.add(key, 'int')
            elif isinstance(parent.op, (ast.Sub, ast.Div, ast.Pow)):
                hints.add(key, 'number')
        elif isinstance(parent, ast.AugAssign) and parent.value is node:
            hints.add(key, 'number')
        elif isinstance(parent, ast.Compare):
            operands = [parent.left] + parent.comparators
            for i, operand in enumerate(operands):
                if operand is node:
                    continue
                kind = const_kind(operand)
                ops_touching = []
                if i > 0:
                    ops_touching.append(parent.ops[i - 1])
                if kind in ('int', 'float', 'str', 'bool'):
                    hints.add(key, kind)
            if node in parent.comparators:
                idx = parent.comparators.index(node)
                if isinstance(parent.ops[idx], (ast.In, ast.NotIn)):
                    hints.add(key, 'seq')
                    left_kind = const_kind(operands[idx])
                    if left_kind == 'str':
                        hints.add(key, 'str')
        elif isinstance(parent, (ast.If, ast.While, ast.BoolOp, ast.IfExp)) and getattr(parent, 'test', None) is node:
            hints.add(key, 'truthy')
    return hints


def params_of(func, hints):
    out = []
    args = func.args
    positional = list(args.posonlyargs) + list(args.args)
    defaults = [None] * (len(positional) - len(args.defaults)) + list(args.defaults)
    entries = [(a, d, 'positional') for a, d in zip(positional, defaults)]
    entries += [(a, d, 'keyword') for a, d in zip(args.kwonlyargs, args.kw_defaults)]
    for arg, default, kind in entries:
        has_default, value = (False, None) if default is None else literal_of(default)
        out.append({
            'name': arg.arg,
            'kind': kind,
            'default': encode(value) if has_default else None,
            'annotation': ast.unparse(arg.annotation) if arg.annotation is not None else None,
            'hints': hints.by_key.get(arg.arg, []),
            'elementHints': hints.by_key.get(f'{arg.arg}[]', []),
            'elementFieldHints': [hints.by_key.get(f'{arg.arg}[][{i}]', []) for i in range(4)],
        })
    return out


def guard_constants(tree, lines):
    """Constants in the conditions that guard the changed lines: reaching a change needs them."""
    out = []

    def visit(node, guards):
        if getattr(node, 'lineno', None) in lines and not isinstance(node, (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef)):
            for test in guards:
                out.extend(constants(test))
            return
        if isinstance(node, (ast.If, ast.While)):
            visit(node.test, guards)
            for child in node.body + node.orelse:
                visit(child, guards + [node.test])
            return
        for child in ast.iter_child_nodes(node):
            visit(child, guards)

    visit(tree, [])
    return out


def length_hints(tree, lines):
    """Integers compared against len(...) on the given lines: lengths worth trying."""
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Compare) and (lines is None or getattr(node, 'lineno', -1) in lines):
            operands = [node.left] + node.comparators
            if any(isinstance(o, ast.Call) and dotted(o.func) == 'len' for o in operands):
                for o in operands:
                    if const_kind(o) == 'int':
                        ok, v = literal_of(o)
                        if ok:
                            out.append(v)
    return out


def changed_lines(a_tree, b_tree):
    """Line numbers (in each normalized program) on which the two normalized programs differ."""
    a_text = ast.unparse(a_tree).splitlines()
    b_text = ast.unparse(b_tree).splitlines()
    a_changed, b_changed, texts = set(), set(), []
    matcher = difflib.SequenceMatcher(a=a_text, b=b_text, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == 'equal':
            continue
        a_changed.update(range(i1 + 1, i2 + 1))
        b_changed.update(range(j1 + 1, j2 + 1))
        texts.extend(f'- {line.strip()}' for line in a_text[i1:i2])
        texts.extend(f'+ {line.strip()}' for line in b_text[j1:j2])
    return a_changed, b_changed, texts


def parse_example(text):
    try:
        value = ast.literal_eval(text)
    except Exception as err:
        return {'ok': False, 'reason': f'not a Python literal: {type(err).__name__}'}
    if not isinstance(value, dict) or not all(isinstance(k, str) for k in value):
        return {'ok': False, 'reason': 'not a dict with string keys'}
    return {'ok': True, 'value': {k: encode(v) for k, v in value.items()}}


def analyze(request):
    original = request['original']
    variant = request.get('variant')
    entry = request['entryPoint']
    examples = request.get('examples') or []
    if not isinstance(original, str) or not isinstance(entry, str):
        raise RequestError('E_REQUEST', 'original and entryPoint must be strings')
    a_tree = parse(original, 'original program')
    func = find_function(a_tree, entry)
    if func is None:
        raise RequestError('E_NO_ENTRY', f"the original program defines no top-level function '{entry}'")
    hints = collect_hints(func)
    literals = constants(a_tree)
    changed, lens, texts = [], length_hints(a_tree, None), []
    variant_error = None
    b_tree = None
    if isinstance(variant, str):
        try:
            b_tree = parse(variant, 'variant program')
        except RequestError as err:
            variant_error = str(err)
    if b_tree is not None:
        b_func = find_function(b_tree, entry)
        if b_func is not None:
            b_hints = collect_hints(b_func)
            for key, values in b_hints.by_key.items():
                for v in values:
                    hints.add(key, v)
        literals += constants(b_tree)
        # re-parse the normalized texts so that line numbers match the diff
        a_norm = ast.parse(ast.unparse(a_tree))
        b_norm = ast.parse(ast.unparse(b_tree))
        a_lines, b_lines, texts = changed_lines(a_norm, b_norm)
        changed = (constants(a_norm, a_lines) + constants(b_norm, b_lines)
                   + guard_constants(a_norm, a_lines) + guard_constants(b_norm, b_lines))
        lens += length_hints(b_tree, None)
    return {
        'ok': True,
        'params': params_of(func, hints),
        'examples': [parse_example(e) if isinstance(e, str) else {'ok': False, 'reason': 'not a string'}
                     for e in examples],
        'literals': [encode(v) for v in unique(literals)],
        'changedLiterals': [encode(v) for v in unique(changed)],
        'changedLines': texts[:40],
        'variantError': variant_error,
        'lengthHints': [v for v in unique(lens) if isinstance(v, int) and not isinstance(v, bool) and 0 <= v <= 1000],
    }


def main():
    try:
        reply = analyze(json.loads(sys.stdin.read()))
    except RequestError as err:
        reply = {'ok': False, 'code': err.code, 'message': str(err)}
    except (KeyError, ValueError, TypeError) as err:
        reply = {'ok': False, 'code': 'E_REQUEST', 'message': f'bad request: {err}'}
    except (RecursionError, MemoryError) as err:
        reply = {'ok': False, 'code': 'E_TOO_COMPLEX', 'message': f'the program is too deeply nested: {type(err).__name__}'}
    sys.stdout.write(json.dumps(reply))


if __name__ == '__main__':
    main()
