"""Canonical tagged tree of a Python value, built inside the untrusted process.

Only exact builtin types are walked; anything else (subclasses included) becomes
{"t": "object", "type", "repr"} with its repr taken under a time guard. User-defined
__eq__/__hash__/__reduce__ are never called: dict and set iteration does not call them.
"""
import signal
import sys

_type = type
_id = id
_isinstance = isinstance
_len = len
_repr = repr
_str = str
_float = float
_sorted = sorted
_b64 = __import__("base64").b64encode
_json_dumps = __import__("json").dumps
_qualname_of = type.__dict__["__qualname__"].__get__
_module_of = type.__dict__["__module__"].__get__

REPR_CAP = 1000


class ResultTooLarge(Exception):
    """The value exceeds the node, byte, depth or integer-size caps."""


class GuardTimeout(BaseException):
    pass


def _on_guard_alarm(_signum, _frame):
    raise GuardTimeout()


def guarded(fn, fallback, seconds=0.25):
    """Calls user code (repr, str) with a wall-clock guard; any failure yields `fallback`."""
    previous = None
    try:
        previous = signal.signal(signal.SIGALRM, _on_guard_alarm)
        signal.setitimer(signal.ITIMER_REAL, seconds)
        try:
            return fn()
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
    except BaseException as err:  # noqa: BLE001 - hostile code may raise anything
        return fallback(err)
    finally:
        if previous is not None:
            try:
                signal.signal(signal.SIGALRM, previous)
            except BaseException:  # noqa: BLE001
                pass


def type_name(cls):
    """`ValueError` for builtins, `module.Qualified.Name` otherwise; never runs metaclass code."""
    try:
        qual = _qualname_of(cls)
        module = _module_of(cls)
    except BaseException:  # noqa: BLE001
        return "<unknown type>"
    if not _isinstance(qual, _str):
        qual = "<unknown type>"
    if module == "builtins" or not _isinstance(module, _str):
        return qual
    return module + "." + qual


def capped_text(text, cap=REPR_CAP):
    if _type(text) is not _str:
        return "<not a string>"
    if _len(text) > cap:
        return text[:cap] + "...[truncated]"
    return text


def safe_repr(value):
    return guarded(
        lambda: capped_text(_repr(value)),
        lambda err: "<repr failed: " + type_name(_type(err)) + ">",
    )


def safe_str(value):
    return guarded(
        lambda: capped_text(_str(value)),
        lambda err: "<str failed: " + type_name(_type(err)) + ">",
    )


def _float_value(x):
    if x != x:
        return "nan"
    if x == _float("inf"):
        return "inf"
    if x == _float("-inf"):
        return "-inf"
    return x


class Canonicaliser:
    def __init__(self, max_nodes, max_bytes, max_depth, max_int_digits):
        self.max_nodes = max_nodes
        self.max_bytes = max_bytes
        self.max_depth = max_depth
        self.max_int_bits = int(max_int_digits * 3.33) + 1
        self.max_int_digits = max_int_digits
        self.nodes = 0
        self.bytes = 0
        self.path = set()

    def _count(self, size=0):
        self.nodes += 1
        self.bytes += size
        if self.nodes > self.max_nodes:
            raise ResultTooLarge("result has more than %d values" % self.max_nodes)
        if self.bytes > self.max_bytes:
            raise ResultTooLarge("result is larger than %d bytes" % self.max_bytes)

    def convert(self, x, depth=0):
        if depth > self.max_depth:
            raise ResultTooLarge("result is nested deeper than %d levels" % self.max_depth)
        t = _type(x)
        if x is None:
            self._count()
            return {"t": "none"}
        if t is bool:
            self._count()
            return {"t": "bool", "v": x}
        if t is int:
            if x.bit_length() > self.max_int_bits:
                raise ResultTooLarge("result holds an integer over %d digits" % self.max_int_digits)
            text = int.__repr__(x)
            self._count(_len(text))
            return {"t": "int", "v": text}
        if t is float:
            self._count(8)
            return {"t": "float", "v": _float_value(x)}
        if t is complex:
            self._count(16)
            return {"t": "complex", "re": _float_value(x.real), "im": _float_value(x.imag)}
        if t is str:
            self._count(_len(x))
            return {"t": "str", "v": x}
        if t is bytes:
            self._count(_len(x))
            return {"t": "bytes", "v": _b64(x).decode("ascii")}
        if t is list or t is tuple or t is set or t is frozenset or t is dict:
            key = _id(x)
            if key in self.path:
                self._count()
                return {"t": "object", "type": t.__name__, "repr": "<recursive reference>"}
            self._count()
            self.path.add(key)
            try:
                if t is dict:
                    items = [[self.convert(k, depth + 1), self.convert(v, depth + 1)] for k, v in dict.items(x)]
                    return {"t": "dict", "v": items}
                items = [self.convert(item, depth + 1) for item in (list.__iter__(x) if t is list else iter(x))]
                if t is set or t is frozenset:
                    # Sets are unordered: sort by the encoded element so equal sets encode equally.
                    items = [pair[1] for pair in _sorted(((_json_dumps(i, sort_keys=True), i) for i in items), key=lambda p: p[0])]
                return {"t": t.__name__, "v": items}
            finally:
                self.path.discard(key)
        self._count(REPR_CAP)
        return {"t": "object", "type": type_name(t), "repr": safe_repr(x)}


def canonicalise(value, max_nodes=200_000, max_bytes=8 << 20, max_depth=100, max_int_digits=10_000):
    limit = sys.getrecursionlimit()
    digits = sys.get_int_max_str_digits() if hasattr(sys, "get_int_max_str_digits") else None
    try:
        sys.setrecursionlimit(max(limit, max_depth * 3 + 200))
        if digits is not None:
            sys.set_int_max_str_digits(0)
        return Canonicaliser(max_nodes, max_bytes, max_depth, max_int_digits).convert(value)
    finally:
        sys.setrecursionlimit(limit)
        if digits is not None:
            sys.set_int_max_str_digits(digits)
