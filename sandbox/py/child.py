"""What a forked run does: confine itself, load the program, call the entry point, report.

Runs in the forked child of the zygote. Reports exactly one JSON message on `result_fd`
then exits with os._exit; exit code 0 means "a message was written".
"""
import builtins
import io
import json
import os
import resource
import signal
import sys
import time
import types

from canonical import ResultTooLarge, canonicalise, safe_str, type_name
from literal import parse_literal

_perf = time.perf_counter
_getpid = os.getpid
_write = os.write
_exit = os._exit
_kill = os.kill
_dumps = json.dumps

_prctl = None  # libc prctl through ctypes, loaded only when needed (see prepare_zygote)

PR_SET_PDEATHSIG = 1
PR_SET_DUMPABLE = 4
PR_SET_NO_NEW_PRIVS = 38

# Exit codes the zygote understands when no message arrived.
EXIT_SETUP_FAILED = 70
EXIT_CHANNEL_BROKEN = 71


class CappedSink(io.TextIOBase):
    """Keeps the first `cap` characters written, drops the rest; never blocks, never grows."""

    def __init__(self, cap):
        self.cap = cap
        self.kept = []
        self.size = 0
        self.dropped = 0

    def writable(self):
        return True

    def write(self, text):
        if type(text) is not str:
            raise TypeError("write() argument must be str")
        n = len(text)
        room = self.cap - self.size
        if room > 0:
            piece = text[:room]
            self.kept.append(piece)
            self.size += len(piece)
        self.dropped += max(0, n - max(room, 0))
        return n

    def flush(self):
        pass

    def isatty(self):
        return False

    def fileno(self):
        raise io.UnsupportedOperation("fileno")


def _load_prctl():
    global _prctl
    try:
        import ctypes

        _prctl = ctypes.CDLL(None, use_errno=True).prctl
    except Exception:  # noqa: BLE001 - no ctypes: rely on the namespaces instead
        _prctl = None


def _no_new_privs_set():
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("NoNewPrivs:"):
                    return line.split()[1] == "1"
    except (OSError, IndexError):
        pass
    return False


def _set_limit(which, soft, hard=None):
    try:
        resource.setrlimit(which, (soft, soft if hard is None else hard))
    except (ValueError, OSError):
        pass


ZYGOTE_MIN_MEMORY = 256 << 20


def prepare_zygote(config):
    """Everything every run inherits, done once: rlimits that do not depend on the request, a
    minimal environment, /dev/null on fds 0-2, capped Python-level stdout/stderr, SIGXFSZ ignored,
    no supplementary groups. Returns a fd on the original stderr for the zygote's own diagnostics."""
    diagnostics = os.dup(2)
    os.set_inheritable(diagnostics, False)
    memory = config["memoryBytes"]
    if memory >= ZYGOTE_MIN_MEMORY:
        _set_limit(resource.RLIMIT_AS, memory)
    _set_limit(resource.RLIMIT_FSIZE, config["fileSizeBytes"])
    _set_limit(resource.RLIMIT_CORE, 0)
    if config.get("uidDrop") and os.getuid() == 0:
        # Each run gets a uid of its own, so this limit is per run.
        _set_limit(resource.RLIMIT_NPROC, config["processes"])
    os.environ.clear()
    # HOME and TMPDIR are the run's own directory, whichever it is: set once here, relative.
    os.environ.update({"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "HOME": ".", "TMPDIR": "."})
    null = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(null, fd)
    os.close(null)
    sys.stdin = io.TextIOWrapper(io.BytesIO(b""), encoding="utf-8")
    sys.stdout = CappedSink(config["outputCapBytes"])
    sys.stderr = CappedSink(config["outputCapBytes"])
    # A run that writes past RLIMIT_FSIZE gets an OSError instead of being killed.
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    if os.getuid() == 0:
        try:
            os.setgroups([])
        except OSError:
            pass
    # Inherited by every run: no exec of a setuid binary can give privileges back.
    no_new_privs = _no_new_privs_set()
    _load_prctl()
    if _prctl is not None and not no_new_privs:
        _prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)
    # Not dumpable (inherited by every run, kept across their setuid): the /proc/<pid>/fd, mem and
    # environ of the zygote and of each run are closed to processes of the same uid, so a run
    # cannot reopen another run's result pipe through /proc.
    if _prctl is None or _prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0:
        raise SystemExit("cannot make the zygote non-dumpable")
    if not config.get("deathSignal") and not config.get("ownProcessFilter"):
        _unload_ctypes()  # done with it: every page of it would be copied into each fork's tables
    return diagnostics


def _unload_ctypes():
    global _prctl
    _prctl = None
    for name in [name for name in sys.modules if name == "ctypes" or name.startswith("ctypes.")]:
        del sys.modules[name]


def in_user_namespace():
    """True unless this process sees the initial user namespace's identity uid map."""
    try:
        with open("/proc/self/uid_map") as fh:
            return fh.read().split() != ["0", "0", "4294967295"]
    except OSError:
        return False


# x86_64 system call numbers of the calls that act on another process by pid, and which
# arguments name it. (Foreign-arch calls are already killed by the sandbox's main filter.)
AUDIT_ARCH_X86_64 = 0xC000003E
_PID_TARGETED = (
    # (number, [(argument, allowed values)...]) with "self", "group" (-self) and 0 as symbols
    (62, [(0, (0, "self", "group"))]),  # kill
    (200, [(0, ("self",))]),  # tkill
    (234, [(0, ("self",))]),  # tgkill
    (129, [(0, ("self",))]),  # rt_sigqueueinfo
    (297, [(0, ("self",))]),  # rt_tgsigqueueinfo
    (434, [(0, ("self",))]),  # pidfd_open
    (302, [(0, (0, "self"))]),  # prlimit64
    (141, [(0, (0,)), (1, (0, "self"))]),  # setpriority(PRIO_PROCESS, self)
    (251, [(0, (1,)), (1, (0, "self"))]),  # ioprio_set(IOPRIO_WHO_PROCESS, self)
    (142, [(0, (0, "self"))]),  # sched_setparam
    (144, [(0, (0, "self"))]),  # sched_setscheduler
    (203, [(0, (0, "self"))]),  # sched_setaffinity
    (314, [(0, (0, "self"))]),  # sched_setattr
)
_BPF_LD_ABS = 0x20
_BPF_JEQ = 0x15
_BPF_RET = 0x06
_RET_ALLOW = 0x7FFF0000
_RET_EPERM = 0x00050000 | 1
PR_SET_SECCOMP = 22
SECCOMP_MODE_FILTER = 2


def own_process_program(pid):
    """A seccomp BPF program (bytes) that lets the calls above name only this process (or 0, or
    its process group): runs sharing a uid cannot signal, renice or re-limit each other or the
    zygote. A pid is an int, so the low 32 bits of an argument are what the kernel uses."""
    import struct

    def op(code, k, jt=0, jf=0):
        return struct.pack("<HBBI", code, jt, jf, k & 0xFFFFFFFF)

    symbols = {"self": pid, "group": -pid}
    body = []
    for number, checks in _PID_TARGETED:
        block = []
        for arg, allowed in checks:
            values = [symbols.get(v, v) for v in allowed]
            block.append(op(_BPF_LD_ABS, 16 + 8 * arg))
            for i, value in enumerate(values):
                block.append(op(_BPF_JEQ, value, jt=len(values) - i, jf=0))
            block.append(op(_BPF_RET, _RET_EPERM))
        block.append(op(_BPF_RET, _RET_ALLOW))
        body.append(op(_BPF_JEQ, number, jt=0, jf=len(block)))
        body.extend(block)
    head = [op(_BPF_LD_ABS, 4), op(_BPF_JEQ, AUDIT_ARCH_X86_64, jt=1, jf=0), op(_BPF_RET, _RET_ALLOW), op(_BPF_LD_ABS, 0)]
    return b"".join(head + body + [op(_BPF_RET, _RET_ALLOW)])


def _install_own_process_filter(pid):
    import ctypes

    program = own_process_program(pid)
    buffer = ctypes.create_string_buffer(program, len(program))

    class SockFprog(ctypes.Structure):
        _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]

    fprog = SockFprog(len(program) // 8, ctypes.addressof(buffer))
    if ctypes.CDLL(None, use_errno=True).prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.byref(fprog), 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "cannot install the run's seccomp filter")


def confine(config, run_dir, uid, timeout_ms):
    """Per run: own session and process group, CPU and fd limits, private dir, other uid."""
    os.setsid()
    if config.get("ownProcessFilter") and os.uname().machine == "x86_64":
        _install_own_process_filter(_getpid())
    if config.get("deathSignal") and _prctl is not None:
        _prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    os.mkdir(run_dir, 0o700)
    if uid is not None:
        os.chown(run_dir, uid, uid)
    cpu_seconds = max(1, -(-timeout_ms // 1000))
    _set_limit(resource.RLIMIT_CPU, cpu_seconds, cpu_seconds + 1)
    _set_limit(resource.RLIMIT_NOFILE, config["openFiles"])
    if uid is None and config.get("sharedProcessLimit"):
        # Same uid as the zygote and the other runs, counted within our user namespace only:
        # a budget for all runs in flight (the zygote itself is not limited, so it can still fork).
        _set_limit(resource.RLIMIT_NPROC, config["sharedProcessLimit"])
    if config["memoryBytes"] < ZYGOTE_MIN_MEMORY:
        _set_limit(resource.RLIMIT_AS, config["memoryBytes"])
    os.chdir(run_dir)
    if uid is not None:
        os.setgid(uid)
        os.setuid(uid)


def _not_json(value):
    raise TypeError("not JSON serialisable: %s" % type(value).__name__)


try:
    from json.encoder import c_make_encoder as _make_encoder, encode_basestring_ascii as _ascii_str
except ImportError:  # pragma: no cover - interpreters without the C accelerator
    _make_encoder = None
# The C encoder called directly: json.dumps with a non-default option builds a JSONEncoder and
# its C encoder on every call, dozens of copy-on-write faults in a fresh run. Messages are
# fresh acyclic trees, so no circular-reference markers. Same output as
# json.dumps(message, ensure_ascii=True, allow_nan=False).
_encode_c = _make_encoder(None, _not_json, _ascii_str, None, ": ", ", ", False, False, False) if _make_encoder else None


def encode_message(message):
    if _encode_c is None:
        return _dumps(message, ensure_ascii=True, allow_nan=False).encode("ascii")
    return "".join(_encode_c(message, 0)).encode("ascii")


def _send(result_fd, message):
    data = encode_message(message)
    view = memoryview(data)
    while view:
        written = _write(result_fd, view)
        view = view[written:]


def _invalid(reason):
    return {"kind": "invalid", "reason": reason[:2000], "durationMs": 0}


def _raised(err, duration_ms):
    return {"kind": "raised", "type": type_name(type(err)), "message": safe_str(err), "durationMs": duration_ms}


_FunctionType = types.FunctionType
CO_VARARGS = 0x04
CO_VARKEYWORDS = 0x08


def _parameter_mismatch(fn, kwargs):
    """Why `fn(**kwargs)` cannot bind, or None. Reads the code object of plain functions (cheap
    after fork: inspect.signature touches many shared pages); anything else goes through inspect."""
    if type(fn) is not _FunctionType or "__wrapped__" in fn.__dict__:
        import inspect  # rare; not preloaded (it pulls in much of the standard library)

        try:
            signature = inspect.signature(fn)
        except BaseException:  # noqa: BLE001 - builtins and odd callables have no signature
            return None
        try:
            signature.bind(**kwargs)
        except TypeError as err:
            return safe_str(err)
        return None
    code = fn.__code__
    n_positional = code.co_argcount
    n_posonly = code.co_posonlyargcount
    names = code.co_varnames
    positional = names[:n_positional]
    kwonly = names[n_positional:n_positional + code.co_kwonlyargcount]
    varkw = bool(code.co_flags & CO_VARKEYWORDS)
    defaults = fn.__defaults__ or ()
    kwdefaults = fn.__kwdefaults__ or {}
    accepted = set(positional[n_posonly:]) | set(kwonly)
    for key in kwargs:
        if key not in accepted and not varkw:
            if key in positional[:n_posonly]:
                return "'%s' is a positional-only parameter" % key
            return "got an unexpected keyword argument '%s'" % key
    first_default = n_positional - len(defaults)
    for index, name in enumerate(positional):
        if index >= first_default:
            continue
        if index < n_posonly:
            return "missing a required positional-only argument: '%s'" % name
        if name not in kwargs:
            return "missing a required argument: '%s'" % name
    for name in kwonly:
        if name not in kwargs and name not in kwdefaults:
            return "missing a required argument: '%s'" % name
    return None


def load_program(source, entry_point, input_text):
    """Returns (function, kwargs) or an invalid outcome (or a raised one, for module-level errors)."""
    try:
        code = compile(source, "<program>", "exec", dont_inherit=True)
    except (SyntaxError, ValueError) as err:
        return None, _invalid("syntax error: " + safe_str(err))
    except RecursionError:
        return None, _invalid("syntax error: program nested too deeply to compile")
    except MemoryError:
        return None, _invalid("syntax error: program too large to compile")
    try:
        kwargs = parse_literal(input_text)
    except SyntaxError as err:
        return None, _invalid("input is not a Python literal: syntax error: %s" % safe_str(err.msg))
    except (ValueError, TypeError):
        return None, _invalid("input is not a Python literal: it holds names, calls or operators")
    except (MemoryError, RecursionError):
        return None, _invalid("input is not a Python literal: nested too deeply")
    if type(kwargs) is not dict:
        return None, _invalid("input is not a dict literal of keyword arguments")
    for key in kwargs:
        if type(key) is not str or not key.isidentifier():
            return None, _invalid("input key %r is not a parameter name" % (key,))
    namespace = {"__name__": "__sinq_program__", "__builtins__": builtins}
    started = _perf()
    try:
        exec(code, namespace)
    except MemoryError:
        return None, {"kind": "crashed", "reason": "out of memory", "durationMs": (_perf() - started) * 1000}
    except BaseException as err:  # noqa: BLE001 - the program's own exception is the outcome
        return None, _raised(err, (_perf() - started) * 1000)
    fn = namespace.get(entry_point)
    if fn is None:
        return None, _invalid("entry point '%s' is not defined by the program" % entry_point)
    if not callable(fn):
        return None, _invalid("entry point '%s' is not callable" % entry_point)
    mismatch = _parameter_mismatch(fn, kwargs)
    if mismatch is not None:
        return None, _invalid("input does not match the parameters of '%s': %s" % (entry_point, mismatch))
    return (fn, kwargs), None


def returned_outcome(value, duration_ms, config):
    try:
        tree = canonicalise(value, config["resultMaxNodes"], config["resultMaxBytes"], config["resultMaxDepth"], config["resultMaxIntDigits"])
    except ResultTooLarge as err:
        return {"kind": "crashed", "reason": "result too large: " + str(err), "durationMs": duration_ms}
    except (MemoryError, RecursionError):
        return {"kind": "crashed", "reason": "result too large: out of memory while encoding", "durationMs": duration_ms}
    return {"kind": "returned", "value": tree, "durationMs": duration_ms}


def run_child(config, request, result_fd, run_dir, uid):
    """Never returns."""
    my_pid = _getpid()
    try:
        confine(config, run_dir, uid, request["timeoutMs"])
    except BaseException as err:  # noqa: BLE001
        try:
            _send(result_fd, {"kind": "crashed", "reason": "sandbox setup failed: " + repr(err)[:500], "durationMs": 0})
        finally:
            _exit(EXIT_SETUP_FAILED)
    outcome = None
    try:
        loaded, outcome = load_program(request["source"], request["entry"], request["input"])
        if loaded is not None:
            fn, kwargs = loaded
            started = _perf()
            try:
                value = fn(**kwargs)
                duration_ms = (_perf() - started) * 1000
            except MemoryError:
                outcome = {"kind": "crashed", "reason": "out of memory", "durationMs": (_perf() - started) * 1000}
            except BaseException as err:  # noqa: BLE001 - SystemExit and friends are outcomes too
                outcome = _raised(err, (_perf() - started) * 1000)
            else:
                if _getpid() != my_pid:
                    _exit(0)  # a process the program forked came back here: it reports nothing
                outcome = returned_outcome(value, duration_ms, config)
    except MemoryError:
        outcome = {"kind": "crashed", "reason": "out of memory", "durationMs": 0}
    except BaseException as err:  # noqa: BLE001
        outcome = {"kind": "crashed", "reason": "sandbox error: " + repr(err)[:500], "durationMs": 0}
    if _getpid() != my_pid:
        _exit(0)
    try:
        _send(result_fd, outcome)
    except BaseException:  # noqa: BLE001 - the program closed or broke our channel
        _exit(EXIT_CHANNEL_BROKEN)
    if uid is not None and config.get("pidNamespace"):
        # Everything else running under this run's uid is a leftover of the program.
        try:
            _kill(-1, signal.SIGKILL)
        except BaseException:  # noqa: BLE001
            pass
    _exit(0)
