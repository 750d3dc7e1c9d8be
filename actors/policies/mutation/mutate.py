"""Enumerates first-order mutants of a Python program, deterministically.

Reads one JSON request on stdin: {"source": str, "entryPoint": str, "maxMutants": int?}.
Writes one JSON reply on stdout:
  {"ok": true, "normalized": str, "mutants": [{"operator", "line", "col", "description", "source"}]}
  {"ok": false, "code": "E_SYNTAX" | "E_NO_ENTRY" | "E_REQUEST" | "E_TOO_COMPLEX", "message": str}

The source is untrusted: it is only parsed with `ast` and unparsed again, never executed.
Mutants are produced in a fixed walk order and deduplicated by their unparsed text.
"""
import ast
import json
import sys

sys.setrecursionlimit(3000)

OP_TEXT = {
    ast.Add: '+', ast.Sub: '-', ast.Mult: '*', ast.Div: '/', ast.FloorDiv: '//', ast.Mod: '%',
    ast.Pow: '**', ast.LShift: '<<', ast.RShift: '>>', ast.BitAnd: '&', ast.BitOr: '|',
    ast.BitXor: '^', ast.MatMult: '@',
    ast.Lt: '<', ast.LtE: '<=', ast.Gt: '>', ast.GtE: '>=', ast.Eq: '==', ast.NotEq: '!=',
    ast.In: 'in', ast.NotIn: 'not in', ast.Is: 'is', ast.IsNot: 'is not',
    ast.And: 'and', ast.Or: 'or',
}

ARITH_SWAPS = {
    ast.Add: [ast.Sub], ast.Sub: [ast.Add], ast.Mult: [ast.FloorDiv, ast.Add],
    ast.Div: [ast.Mult, ast.FloorDiv], ast.FloorDiv: [ast.Div, ast.Mod], ast.Mod: [ast.FloorDiv],
    ast.Pow: [ast.Mult], ast.LShift: [ast.RShift], ast.RShift: [ast.LShift],
    ast.BitAnd: [ast.BitOr], ast.BitOr: [ast.BitAnd], ast.BitXor: [ast.BitOr],
}

COMPARE_SWAPS = {
    ast.Lt: [ast.LtE, ast.Gt], ast.LtE: [ast.Lt, ast.GtE], ast.Gt: [ast.GtE, ast.Lt],
    ast.GtE: [ast.Gt, ast.LtE], ast.Eq: [ast.NotEq], ast.NotEq: [ast.Eq],
    ast.In: [ast.NotIn], ast.NotIn: [ast.In], ast.Is: [ast.IsNot], ast.IsNot: [ast.Is],
}

# Builtin functions called by name, and methods called as attributes.
BUILTIN_SWAPS = {
    'min': ['max'], 'max': ['min'], 'any': ['all'], 'all': ['any'], 'round': ['int'], 'int': ['round'],
    'sorted': ['list'], 'reversed': ['iter'], 'abs': ['int'],
}
METHOD_SWAPS = {
    'upper': ['lower'], 'lower': ['upper'], 'isupper': ['islower'], 'islower': ['isupper'],
    'isdigit': ['isalpha'], 'isalpha': ['isdigit', 'isalnum'], 'isalnum': ['isalpha'],
    'startswith': ['endswith'], 'endswith': ['startswith'], 'lstrip': ['rstrip'], 'rstrip': ['lstrip'],
    'strip': ['lstrip', 'rstrip'], 'find': ['rfind'], 'rfind': ['find'], 'index': ['rindex'],
    'rindex': ['index'], 'floor': ['ceil'], 'ceil': ['floor'], 'split': ['rsplit'], 'rsplit': ['split'],
    'title': ['capitalize'], 'capitalize': ['title'], 'append': ['extend'], 'pop': ['copy'],
}

# Subtrees whose mutation cannot change behaviour (annotations) or that unparse oddly (f-strings).
SKIP_FIELDS = {('arg', 'annotation'), ('FunctionDef', 'returns'), ('AsyncFunctionDef', 'returns'),
               ('AnnAssign', 'annotation')}


class RequestError(Exception):
    def __init__(self, code, message):
        super().__init__(message)
        self.code = code


def op_text(op):
    return OP_TEXT.get(type(op), type(op).__name__)


def is_docstring(node, parent, field):
    return (isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)
            and isinstance(node.value.value, str) and field == 'body'
            and isinstance(parent, (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)))


def walk(node, parent=None, field=None, index=None, anchor=None):
    """Pre-order walk yielding (node, parent, field, index, anchor); deterministic.
    `anchor` is the nearest node (itself or an ancestor) that has a source position."""
    if hasattr(node, 'lineno'):
        anchor = node
    yield node, parent, field, index, anchor
    for name, value in ast.iter_fields(node):
        if (type(node).__name__, name) in SKIP_FIELDS:
            continue
        if isinstance(value, list):
            for i, item in enumerate(value):
                if isinstance(item, ast.AST):
                    if is_docstring(item, node, name) or isinstance(item, ast.JoinedStr):
                        continue
                    yield from walk(item, node, name, i, anchor)
        elif isinstance(value, ast.AST):
            if isinstance(value, ast.JoinedStr):
                continue
            yield from walk(value, node, name, None, anchor)


def plus(expr, k):
    """expr + k (or expr - k), folding integer constants."""
    if isinstance(expr, ast.Constant) and type(expr.value) is int:
        return ast.Constant(expr.value + k)
    return ast.BinOp(left=expr, op=ast.Add() if k > 0 else ast.Sub(), right=ast.Constant(abs(k)))


class Mutation:
    """Replacing one field (or one list item) of one node; applied and reverted in place."""

    def __init__(self, operator, node, description, target, field, index, value):
        self.operator = operator
        self.node = node
        self.description = description
        self.target = target
        self.field = field
        self.index = index
        self.value = value

    def apply(self):
        current = getattr(self.target, self.field)
        if self.index is None:
            setattr(self.target, self.field, self.value)
            return lambda: setattr(self.target, self.field, current)
        replaced = list(current)
        replaced[self.index] = self.value
        setattr(self.target, self.field, replaced)
        return lambda: setattr(self.target, self.field, current)


def src(node):
    text = ast.unparse(node)
    return text if len(text) <= 40 else text[:37] + '...'


def replace_node(operator, node, parent, field, index, new, description):
    return Mutation(operator, node, description, parent, field, index, new)


def mutations_for(node, parent, field, index):
    """All mutations rooted at `node`, in a fixed order."""
    out = []
    if isinstance(node, ast.BinOp):
        for new_op in ARITH_SWAPS.get(type(node.op), []):
            out.append(Mutation('arithmetic', node, f"'{op_text(node.op)}' -> '{OP_TEXT[new_op]}'",
                                node, 'op', None, new_op()))
    elif isinstance(node, ast.Compare):
        for i, op in enumerate(node.ops):
            for new_op in COMPARE_SWAPS.get(type(op), []):
                out.append(Mutation('comparison', node, f"'{op_text(op)}' -> '{OP_TEXT[new_op]}'",
                                    node, 'ops', i, new_op()))
    elif isinstance(node, ast.BoolOp):
        other = ast.Or() if isinstance(node.op, ast.And) else ast.And()
        out.append(Mutation('boolean', node, f"'{op_text(node.op)}' -> '{op_text(other)}'",
                            node, 'op', None, other))
        if parent is not None:
            for i, value in enumerate(node.values):
                rest = [v for j, v in enumerate(node.values) if j != i]
                new = rest[0] if len(rest) == 1 else ast.BoolOp(op=node.op, values=rest)
                out.append(replace_node('guard', node, parent, field, index, new,
                                        f"drop condition '{src(value)}'"))
    elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not) and parent is not None:
        out.append(replace_node('boolean', node, parent, field, index, node.operand, "drop 'not'"))
    elif isinstance(node, ast.Constant) and parent is not None:
        out.extend(constant_mutations(node, parent, field, index))
    elif isinstance(node, ast.Subscript):
        out.extend(subscript_mutations(node))
    elif isinstance(node, ast.Call):
        out.extend(call_mutations(node))
    elif isinstance(node, (ast.If, ast.IfExp)):
        kind = 'if' if isinstance(node, ast.If) else 'conditional expression'
        for value in (True, False):
            out.append(Mutation('guard', node, f"{kind} condition '{src(node.test)}' -> {value}",
                                node, 'test', None, ast.Constant(value)))
    elif isinstance(node, ast.comprehension):
        for i, cond in enumerate(node.ifs):
            out.append(Mutation('guard', node, f"drop filter 'if {src(cond)}'", node, 'ifs', None,
                                [c for j, c in enumerate(node.ifs) if j != i]))
    elif isinstance(node, ast.Break) and parent is not None:
        out.append(replace_node('break-continue', node, parent, field, index, ast.Continue(),
                                "'break' -> 'continue'"))
    elif isinstance(node, ast.Continue) and parent is not None:
        out.append(replace_node('break-continue', node, parent, field, index, ast.Break(),
                                "'continue' -> 'break'"))
    elif isinstance(node, ast.AugAssign) and parent is not None:
        for new_op in ARITH_SWAPS.get(type(node.op), []):
            out.append(Mutation('augmented-assignment', node,
                                f"'{op_text(node.op)}=' -> '{OP_TEXT[new_op]}='", node, 'op', None, new_op()))
        out.append(replace_node('augmented-assignment', node, parent, field, index,
                                ast.Assign(targets=[node.target], value=node.value, lineno=node.lineno),
                                f"'{op_text(node.op)}=' -> '='"))
    elif isinstance(node, ast.Return) and node.value is not None:
        value = node.value
        if not (isinstance(value, ast.Constant) and value.value is None):
            out.append(Mutation('return-value', node, f"'return {src(value)}' -> 'return None'",
                                node, 'value', None, ast.Constant(None)))
        if isinstance(value, (ast.Compare, ast.BoolOp)) or (
                isinstance(value, ast.UnaryOp) and isinstance(value.op, ast.Not)):
            out.append(Mutation('return-value', node, 'negate the returned condition',
                                node, 'value', None, ast.UnaryOp(op=ast.Not(), operand=value)))
        elif isinstance(value, (ast.Name, ast.BinOp, ast.Call)) and not isinstance(value, ast.Constant):
            out.append(Mutation('return-value', node, f"'return {src(value)}' -> 'return {src(value)} + 1'",
                                node, 'value', None, plus(value, 1)))
    return out


def constant_mutations(node, parent, field, index):
    value = node.value
    news = []
    if isinstance(value, bool):
        news.append(not value)
    elif isinstance(value, int):
        news.extend([value + 1, value - 1])
    elif isinstance(value, float):
        news.extend([value + 1.0, value - 1.0])
    elif isinstance(value, str):
        if value == '':
            news.append('x')
        else:
            news.append('')
            if len(value) == 1:
                news.append(chr(ord(value) + 1) if ord(value) < 0x10FFFF else 'x')
            else:
                news.append(value[:-1])
    out = []
    for new in news:
        out.append(replace_node('constant', node, parent, field, index, ast.Constant(new),
                                f"{value!r} -> {new!r}"))
    return out


def subscript_mutations(node):
    out = []
    s = node.slice
    if isinstance(s, ast.Slice):
        for part in ('lower', 'upper'):
            bound = getattr(s, part)
            if bound is None:
                new_bounds = [ast.Constant(1)] if part == 'lower' else [ast.UnaryOp(op=ast.USub(), operand=ast.Constant(1))]
            else:
                new_bounds = [plus(bound, 1), plus(bound, -1)]
            for new in new_bounds:
                out.append(Mutation('slice', node, f"slice {part} bound '{src(bound) if bound else ''}' -> '{src(new)}'",
                                    s, part, None, new))
    elif not (isinstance(s, ast.Constant) and isinstance(s.value, (str, bytes))) and not isinstance(s, ast.Tuple):
        for k in (1, -1):
            new = plus(s, k)
            out.append(Mutation('index', node, f"index '{src(s)}' -> '{src(new)}'", node, 'slice', None, new))
    return out


def call_mutations(node):
    out = []
    func = node.func
    positional = [a for a in node.args if not isinstance(a, ast.Starred)]
    if isinstance(func, ast.Name) and func.id == 'range' and len(positional) == len(node.args) and 1 <= len(node.args) <= 3:
        names = ['stop'] if len(node.args) == 1 else ['start', 'stop', 'step']
        for i, arg in enumerate(node.args[:2]):
            for k in (1, -1):
                new = plus(arg, k)
                out.append(Mutation('range', node, f"range {names[i]} '{src(arg)}' -> '{src(new)}'",
                                    node, 'args', i, new))
    if isinstance(func, ast.Name) and func.id in BUILTIN_SWAPS:
        for name in BUILTIN_SWAPS[func.id]:
            out.append(Mutation('builtin', node, f"'{func.id}' -> '{name}'", node, 'func', None,
                                ast.Name(id=name, ctx=ast.Load())))
    if isinstance(func, ast.Name) and func.id == 'sorted' and not node.keywords:
        out.append(Mutation('builtin', node, "'sorted(...)' -> 'sorted(..., reverse=True)'", node, 'keywords', None,
                            [ast.keyword(arg='reverse', value=ast.Constant(True))]))
    if isinstance(func, ast.Attribute) and func.attr in METHOD_SWAPS:
        for name in METHOD_SWAPS[func.attr]:
            out.append(Mutation('builtin', node, f"'.{func.attr}' -> '.{name}'", node, 'func', None,
                                ast.Attribute(value=func.value, attr=name, ctx=ast.Load())))
    if len(positional) == len(node.args):
        for i in range(len(node.args) - 1):
            a, b = node.args[i], node.args[i + 1]
            if ast.dump(a) != ast.dump(b):
                swapped = list(node.args)
                swapped[i], swapped[i + 1] = b, a
                out.append(Mutation('swap-arguments', node, f"swap arguments '{src(a)}' and '{src(b)}' of '{src(func)}'",
                                    node, 'args', None, swapped))
    return out


def find_entry(tree, name):
    for stmt in tree.body:
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)) and stmt.name == name:
            return stmt
    return None


def enumerate_mutants(source, entry_point, max_mutants):
    try:
        tree = ast.parse(source)
    except SyntaxError as err:
        raise RequestError('E_SYNTAX', f'the program does not parse: {err.msg} (line {err.lineno})')
    except (ValueError, RecursionError, MemoryError) as err:
        raise RequestError('E_SYNTAX', f'the program does not parse: {type(err).__name__}')
    if find_entry(tree, entry_point) is None:
        raise RequestError('E_NO_ENTRY', f"the program defines no top-level function '{entry_point}'")
    normalized = ast.unparse(tree)
    seen = {normalized}
    mutants = []
    for node, parent, field, index, anchor in list(walk(tree)):
        for mutation in mutations_for(node, parent, field, index):
            revert = mutation.apply()
            try:
                text = ast.unparse(tree)
            except Exception:  # an invalid combination the unparser rejects: skip it
                text = None
            finally:
                revert()
            if text is None or text in seen:
                continue
            try:
                ast.parse(text)
            except SyntaxError:
                continue
            seen.add(text)
            mutants.append({
                'operator': mutation.operator,
                'line': getattr(anchor, 'lineno', 0),
                'col': getattr(anchor, 'col_offset', 0),
                'description': mutation.description,
                'source': text,
            })
            if len(mutants) >= max_mutants:
                return normalized, mutants
    return normalized, mutants


def main():
    try:
        request = json.loads(sys.stdin.read())
        source = request['source']
        entry_point = request['entryPoint']
        max_mutants = int(request.get('maxMutants', 2000))
        if not isinstance(source, str) or not isinstance(entry_point, str):
            raise RequestError('E_REQUEST', 'source and entryPoint must be strings')
        normalized, mutants = enumerate_mutants(source, entry_point, max_mutants)
        reply = {'ok': True, 'normalized': normalized, 'mutants': mutants}
    except RequestError as err:
        reply = {'ok': False, 'code': err.code, 'message': str(err)}
    except (KeyError, ValueError, TypeError) as err:
        reply = {'ok': False, 'code': 'E_REQUEST', 'message': f'bad request: {err}'}
    except (RecursionError, MemoryError) as err:
        reply = {'ok': False, 'code': 'E_TOO_COMPLEX', 'message': f'the program is too deeply nested: {type(err).__name__}'}
    sys.stdout.write(json.dumps(reply))


if __name__ == '__main__':
    main()
