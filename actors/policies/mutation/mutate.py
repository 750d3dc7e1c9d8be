"""Enumerates first-order mutants of a Python program, deterministically.

Reads one JSON request on stdin: {"source": str, "entryPoint": str, "maxMutants": int?}.
Writes one JSON reply on stdout:
  {"ok": true, "normalized": str,
   "mutants": [{"operator", "line", "col", "endLine", "description", "source", "formatting"}]}
  {"ok": false, "code": "E_SYNTAX" | "E_NO_ENTRY" | "E_REQUEST" | "E_TOO_COMPLEX", "message": str}

The source is untrusted: it is only parsed with `ast` and unparsed again, never executed.
Mutants are produced in a fixed walk order and deduplicated by their unparsed text.

A mutant's `source` is the original text with only the changed piece rewritten (an operator token,
or the changed node's source segment re-rendered), so it keeps the original's quotes, spacing and
comments (`formatting: "kept"`); `line`..`endLine` are the original lines that piece spans. Every
splice is checked: it must parse to the same tree as the mutated tree. When no splice passes, the
whole program is unparsed (`formatting: "normalized"`, `endLine` the last line).
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


def walk(node, parent=None, field=None, index=None, anchor=None, statement=None):
    """Pre-order walk yielding (node, parent, field, index, anchor, statement); deterministic.
    `anchor` is the nearest node (itself or an ancestor) that has a source position, `statement`
    the nearest simple statement (not one with a body, whose re-rendering would span its body)."""
    if hasattr(node, 'lineno'):
        anchor = node
    if isinstance(node, ast.stmt) and not hasattr(node, 'body'):
        statement = node
    yield node, parent, field, index, anchor, statement
    for name, value in ast.iter_fields(node):
        if (type(node).__name__, name) in SKIP_FIELDS:
            continue
        if isinstance(value, list):
            for i, item in enumerate(value):
                if isinstance(item, ast.AST):
                    if is_docstring(item, node, name) or isinstance(item, ast.JoinedStr):
                        continue
                    yield from walk(item, node, name, i, anchor, statement)
        elif isinstance(value, ast.AST):
            if isinstance(value, ast.JoinedStr):
                continue
            yield from walk(value, node, name, None, anchor, statement)


def plus(expr, k):
    """expr + k (or expr - k), folding integer constants."""
    if isinstance(expr, ast.Constant) and type(expr.value) is int:
        return ast.Constant(expr.value + k)
    return ast.BinOp(left=expr, op=ast.Add() if k > 0 else ast.Sub(), right=ast.Constant(abs(k)))


class Mutation:
    """Replacing one field (or one list item) of one node; applied and reverted in place."""

    def __init__(self, operator, node, description, target, field, index, value):
        self.old = None
        self.operator = operator
        self.node = node
        self.description = description
        self.target = target
        self.field = field
        self.index = index
        self.value = value

    def apply(self):
        current = getattr(self.target, self.field)
        self.old = current if self.index is None else current[self.index]
        if self.index is None:
            setattr(self.target, self.field, self.value)
            return lambda: setattr(self.target, self.field, current)
        replaced = list(current)
        replaced[self.index] = self.value
        setattr(self.target, self.field, replaced)
        return lambda: setattr(self.target, self.field, current)


class Source:
    """The original text as UTF-8 bytes, addressable by ast positions (columns are byte offsets)."""

    def __init__(self, text):
        self.data = text.encode('utf-8')
        self.line_starts = [0]
        for i, byte in enumerate(self.data):
            if byte == 0x0A:
                self.line_starts.append(i + 1)

    def offset(self, line, col):
        return self.line_starts[line - 1] + col

    def span(self, node):
        return self.offset(node.lineno, node.col_offset), self.offset(node.end_lineno, node.end_col_offset)

    def segment(self, node):
        start, end = self.span(node)
        return self.data[start:end].decode('utf-8')

    def indent_of(self, line):
        start = self.line_starts[line - 1]
        end = self.line_starts[line] if line < len(self.line_starts) else len(self.data)
        text = self.data[start:end].decode('utf-8')
        return text[:len(text) - len(text.lstrip(' \t'))]

    def apply(self, edits):
        """edits: [(start, end, text)], non-overlapping; returns the edited text."""
        out = self.data
        for start, end, text in sorted(edits, key=lambda e: e[0], reverse=True):
            out = out[:start] + text.encode('utf-8') + out[end:]
        return out.decode('utf-8')


def positioned(node):
    return isinstance(node, ast.AST) and getattr(node, 'end_lineno', None) is not None


def token_edit(source, gap_start, gap_end, old, new):
    """Replaces the operator token `old` in the text between two operands."""
    gap = source.data[gap_start:gap_end].decode('utf-8')
    if old.isalpha() or ' ' in old:  # keyword operators (and, or, in, not in, is, is not): whole words
        import re
        pattern = r'\b' + r'\s+'.join(re.escape(w) for w in old.split()) + r'\b'
        match = re.search(pattern, gap)
    else:
        at = gap.find(old)
        match = None if at < 0 else (at, at + len(old))
    if match is None:
        return None
    a, b = (match.start(), match.end()) if hasattr(match, 'start') else match
    start = gap_start + len(gap[:a].encode('utf-8'))
    end = gap_start + len(gap[:b].encode('utf-8'))
    return [(start, end, new)]


def rendered(source, node, value):
    """`value` rendered to stand where `node` was: statements indented like the original line."""
    text = ast.unparse(value)
    # A string literal keeps the original's quote character when it can do so unescaped.
    if (isinstance(value, ast.Constant) and isinstance(value.value, str) and positioned(node)
            and source.segment(node).startswith('"') and text.startswith("'") and text.endswith("'")
            and '"' not in text and '\\' not in text):
        text = '"' + text[1:-1] + '"'
    if isinstance(node, ast.stmt) and '\n' in text:
        indent = source.indent_of(node.lineno)
        text = text.replace('\n', '\n' + indent)
    return text


def edit_plans(source, mutation, anchor, statement):
    """Candidate edits for an applied mutation, smallest first; each is [(start, end, text)]."""
    target, field, index, old = mutation.target, mutation.field, mutation.index, mutation.old
    new = getattr(target, field) if index is None else getattr(target, field)[index]
    plans = []
    # Operator swaps: rewrite the token between the operands.
    if isinstance(old, (ast.operator, ast.cmpop, ast.boolop)) and positioned(target):
        old_text, new_text = OP_TEXT.get(type(old)), OP_TEXT.get(type(new))
        if old_text and new_text:
            if isinstance(target, ast.BinOp):
                plans.append(token_edit(source, source.span(target.left)[1], source.span(target.right)[0], old_text, new_text))
            elif isinstance(target, ast.AugAssign):
                plans.append(token_edit(source, source.span(target.target)[1], source.span(target.value)[0], old_text + '=', new_text + '='))
            elif isinstance(target, ast.Compare) and index is not None:
                left = target.left if index == 0 else target.comparators[index - 1]
                plans.append(token_edit(source, source.span(left)[1], source.span(target.comparators[index])[0], old_text, new_text))
            elif isinstance(target, ast.BoolOp):
                edits = []
                for a, b in zip(target.values, target.values[1:]):
                    e = token_edit(source, source.span(a)[1], source.span(b)[0], old_text, new_text)
                    if e is None:
                        edits = None
                        break
                    edits.extend(e)
                plans.append(edits)
    # Items of a list moved around (swapped arguments): each moved item takes the other's text.
    if isinstance(old, list) and isinstance(new, list) and len(old) == len(new) and all(positioned(n) for n in old):
        if all(any(n is o for o in old) for n in new):
            plans.append([(*source.span(o), source.segment(n)) for o, n in zip(old, new) if o is not n])
    # A comprehension filter dropped: cut from the end of what precedes it to its own end.
    if field == 'ifs' and isinstance(target, ast.comprehension) and isinstance(old, list) and len(new) == len(old) - 1:
        removed = [i for i, o in enumerate(old) if not any(o is n for n in new)]
        if len(removed) == 1 and positioned(target.iter) and all(positioned(o) for o in old):
            i = removed[0]
            before = target.iter if i == 0 else old[i - 1]
            plans.append([(source.span(before)[1], source.span(old[i])[1], '')])
    # A keyword argument added to a call: insert it before the closing parenthesis.
    if field == 'keywords' and isinstance(target, ast.Call) and positioned(target) and isinstance(new, list) and not old:
        end = source.span(target)[1]
        if source.data[end - 1:end] == b')':
            extra = ', '.join(ast.unparse(k) for k in new)
            plans.append([(end - 1, end - 1, (', ' if target.args else '') + extra)])
    # The replaced node itself, re-rendered (bare, then parenthesized for precedence).
    if positioned(old) and isinstance(new, ast.AST):
        text = rendered(source, old, new)
        plans.append([(*source.span(old), text)])
        plans.append([(*source.span(old), '(' + text + ')')])
    # Then ever larger enclosing pieces: the node holding the field, the nearest positioned node, the statement.
    for holder in (target, anchor, statement):
        if positioned(holder):
            text = rendered(source, holder, holder)
            plans.append([(*source.span(holder), text)])
            if not isinstance(holder, ast.stmt):
                plans.append([(*source.span(holder), '(' + text + ')')])
    return [p for p in plans if p]


def spliced(source, mutation, anchor, statement, expected_dumps):
    """The original with the mutation spliced in, and the last original line touched; None if no plan checks out."""
    for plan in edit_plans(source, mutation, anchor, statement):
        try:
            text = source.apply(plan)
            if ast.dump(ast.parse(text)) in expected_dumps:
                last = max(end for _, end, _ in plan)
                line = next(i for i in range(len(source.line_starts), 0, -1) if source.line_starts[i - 1] <= max(last - 1, 0))
                return text, line
        except (SyntaxError, ValueError, RecursionError, UnicodeDecodeError):
            continue
    return None


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
    original = Source(source)
    last_line = len(source.splitlines()) or 1
    seen = {normalized}
    mutants = []
    for node, parent, field, index, anchor, statement in list(walk(tree)):
        for mutation in mutations_for(node, parent, field, index):
            revert = mutation.apply()
            text = None
            in_memory = None
            kept = None
            try:
                text = ast.unparse(tree)
                in_memory = ast.dump(tree)
                if text not in seen:
                    # The splice must mean the mutated tree (either as built or as its unparse reads back).
                    kept = spliced(original, mutation, anchor, statement, {in_memory, ast.dump(ast.parse(text))})
            except SyntaxError:
                text = None
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
            line = getattr(anchor, 'lineno', 0)
            mutants.append({
                'operator': mutation.operator,
                'line': line,
                'col': getattr(anchor, 'col_offset', 0),
                'endLine': max(line, kept[1]) if kept else last_line,
                'description': mutation.description,
                'source': kept[0] if kept else text,
                'formatting': 'kept' if kept else 'normalized',
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
