"""Warm worker: pre-imports common modules once, then forks one confined child per run.

Protocol with Node (fd 0 in, fd 1 out, both moved away at start): frames of a 4-byte
big-endian length and a UTF-8 JSON object.
  in : {"id", "source", "entry", "input", "timeoutMs"}
  out: {"ready": true, "pid", "uidDrop", "pidNamespace"} once, then {"id", "outcome"} per run.
The zygote enforces the wall limit (SIGKILL to the run's process group and uid), reaps,
and classifies how a child ended.
"""
import gc
import json
import os
import selectors
import shutil
import signal
import struct
import sys
import time
import traceback

CONFIG = json.loads(sys.argv[1])
# Started with -S: take the interpreter's own module path (site-packages included) from Node.
sys.path[:] = [p for p in CONFIG.get("modulePath", sys.path) if isinstance(p, str)]
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import canonical  # noqa: E402,F401
from child import EXIT_CHANNEL_BROKEN, EXIT_SETUP_FAILED, prepare_zygote, run_child  # noqa: E402

sys.path.pop(0)

# Modules programs commonly import; loaded once here so each fork starts warm. Not `random` (or
# modules importing it) nor `threading`: their fork hooks would run in every child.
for _name in (
    "math", "cmath", "re", "string", "collections", "itertools", "functools", "heapq", "bisect",
    "operator", "fractions", "decimal", "typing", "copy", "datetime",
    "array", "enum", "dataclasses", "hashlib", "struct", "textwrap", "unicodedata",
):
    try:
        __import__(_name)
    except Exception:  # noqa: BLE001
        pass

HEADER = struct.Struct(">I")
MAX_REQUEST_BYTES = 64 << 20


def frame(obj):
    data = json.dumps(obj, ensure_ascii=True, allow_nan=False).encode("ascii")
    return HEADER.pack(len(data)) + data


class Run:
    __slots__ = ("id", "pid", "fd", "chunks", "size", "started", "deadline", "timeout_ms", "uid", "dir",
                 "timed_out", "oversize", "status")

    def __init__(self, rid, pid, fd, timeout_ms, uid, run_dir):
        self.id = rid
        self.pid = pid
        self.fd = fd
        self.chunks = []
        self.size = 0
        self.started = time.monotonic()
        self.deadline = self.started + timeout_ms / 1000.0
        self.timeout_ms = timeout_ms
        self.uid = uid
        self.dir = run_dir
        self.timed_out = False
        self.oversize = False
        self.status = None


class Zygote:
    def __init__(self, config, in_fd, out_fd):
        self.config = config
        self.in_fd = in_fd
        self.out_fd = out_fd
        self.inbuf = bytearray()
        self.outbuf = bytearray()
        self.runs = {}  # pid -> Run
        self.by_fd = {}  # result fd -> Run
        self.sel = selectors.DefaultSelector()
        self.closing = False
        self.counter = 0
        self.runs_dir = config["runsDir"]
        self.uid_drop = config["uidDrop"] and os.getuid() == 0
        # A random block of uids per zygote keeps concurrent zygotes on one host apart.
        slots = config["uidSlots"]
        base = 1_000_000 + int.from_bytes(os.urandom(4), "big") % ((2_000_000_000 - 1_000_000) // slots) * slots
        self.free_uids = list(range(base, base + slots))
        self.result_cap = config["resultMaxBytes"] * 2 + (1 << 20)
        wake_r, self.wake_w = os.pipe2(os.O_NONBLOCK | os.O_CLOEXEC)
        self.wake_r = wake_r
        signal.set_wakeup_fd(self.wake_w, warn_on_full_buffer=False)
        signal.signal(signal.SIGCHLD, lambda *_: None)
        os.set_blocking(in_fd, False)
        os.set_blocking(out_fd, False)
        self.sel.register(in_fd, selectors.EVENT_READ, "in")
        self.sel.register(wake_r, selectors.EVENT_READ, "wake")

    # ---- Node side
    def send(self, obj):
        self.outbuf += frame(obj)
        self.flush()

    def flush(self):
        while self.outbuf:
            try:
                n = os.write(self.out_fd, self.outbuf)
            except BlockingIOError:
                break
            except BrokenPipeError:
                self.closing = True
                self.outbuf.clear()
                return
            del self.outbuf[:n]
        want = selectors.EVENT_WRITE if self.outbuf else 0
        try:
            key = self.sel.get_key(self.out_fd)
        except KeyError:
            key = None
        if want and key is None:
            self.sel.register(self.out_fd, want, "out")
        elif not want and key is not None:
            self.sel.unregister(self.out_fd)

    def read_requests(self):
        while True:
            try:
                chunk = os.read(self.in_fd, 1 << 20)
            except BlockingIOError:
                break
            if not chunk:
                self.closing = True
                self.sel.unregister(self.in_fd)
                break
            self.inbuf += chunk
        while len(self.inbuf) >= 4:
            (length,) = HEADER.unpack_from(self.inbuf)
            if length > MAX_REQUEST_BYTES:
                raise SystemExit("request frame too large")
            if len(self.inbuf) < 4 + length:
                break
            body = bytes(self.inbuf[4:4 + length])
            del self.inbuf[:4 + length]
            self.start(json.loads(body))

    # ---- runs
    def start(self, request):
        rid = request["id"]
        timeout_ms = int(request["timeoutMs"])
        uid = None
        if self.uid_drop:
            if not self.free_uids:
                self.send({"id": rid, "outcome": {"kind": "crashed", "reason": "sandbox worker has no free run slot", "durationMs": 0}})
                return
            uid = self.free_uids.pop()
        self.counter += 1
        run_dir = os.path.join(self.runs_dir, "r%d" % self.counter)
        r, w = os.pipe2(os.O_CLOEXEC)
        pid = os.fork()
        if pid == 0:
            try:
                signal.set_wakeup_fd(-1)
                signal.signal(signal.SIGCHLD, signal.SIG_DFL)
                # Leave only the result pipe (and 0-2, redirected later) open.
                keep = w
                os.closerange(3, keep)
                os.closerange(keep + 1, 1 << 16)
            except BaseException:  # noqa: BLE001
                os._exit(EXIT_SETUP_FAILED)
            run_child(self.config, request, keep, run_dir, uid)
            os._exit(EXIT_SETUP_FAILED)
        os.close(w)
        os.set_blocking(r, False)
        run = Run(rid, pid, r, timeout_ms, uid, run_dir)
        self.runs[pid] = run
        self.by_fd[r] = run
        self.sel.register(r, selectors.EVENT_READ, "result")

    def read_result(self, fd):
        run = self.by_fd.get(fd)
        if run is None:
            return
        self.drain(run)

    def drain(self, run):
        if run.fd is None:
            return
        while True:
            try:
                chunk = os.read(run.fd, 1 << 20)
            except BlockingIOError:
                return
            except OSError:
                chunk = b""
            if not chunk:
                self.close_result(run)
                return
            run.size += len(chunk)
            if run.size > self.result_cap:
                run.oversize = True
                self.kill(run)
                self.close_result(run)
                return
            run.chunks.append(chunk)

    def close_result(self, run):
        if run.fd is not None:
            self.sel.unregister(run.fd)
            del self.by_fd[run.fd]
            os.close(run.fd)
            run.fd = None

    def kill(self, run):
        try:
            os.killpg(run.pid, signal.SIGKILL)
        except OSError:
            pass
        if run.status is None:  # not reaped yet, so the pid is still this child's
            try:
                os.kill(run.pid, signal.SIGKILL)
            except OSError:
                pass

    def kill_uid(self, uid):
        """Kills every process left under a run's uid (escaped process groups, forks)."""
        if uid is None or not self.config.get("pidNamespace"):
            return
        pid = os.fork()
        if pid == 0:
            try:
                os.setgid(uid)
                os.setuid(uid)
                os.kill(-1, signal.SIGKILL)
            finally:
                os._exit(0)
        # Reaped by the SIGCHLD loop.

    def reap(self):
        while True:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            run = self.runs.pop(pid, None)
            if run is not None:
                run.status = status
                self.finish(run)

    def check_deadlines(self):
        now = time.monotonic()
        for run in list(self.runs.values()):
            if not run.timed_out and now >= run.deadline:
                run.timed_out = True
                self.kill(run)

    def next_timeout(self):
        if not self.runs:
            return None
        soonest = min(r.deadline for r in self.runs.values() if not r.timed_out) if any(
            not r.timed_out for r in self.runs.values()) else None
        if soonest is None:
            return 0.05
        return max(0.0, soonest - time.monotonic())

    def finish(self, run):
        elapsed_ms = (time.monotonic() - run.started) * 1000
        self.drain(run)
        self.close_result(run)
        status = run.status
        outcome = None
        if run.oversize:
            outcome = {"kind": "crashed", "reason": "result too large: over %d bytes encoded" % self.result_cap, "durationMs": elapsed_ms}
        elif run.timed_out:
            outcome = {"kind": "timeout", "limitMs": run.timeout_ms, "durationMs": elapsed_ms}
        elif os.WIFEXITED(status):
            code = os.WEXITSTATUS(status)
            message = None
            if run.chunks:
                try:
                    message = json.loads(b"".join(run.chunks))
                except ValueError:
                    message = None
            if code == 0 and isinstance(message, dict):
                outcome = message
            elif code == EXIT_SETUP_FAILED and isinstance(message, dict):
                outcome = message
            elif code == EXIT_CHANNEL_BROKEN:
                outcome = {"kind": "crashed", "reason": "program closed the result channel", "durationMs": elapsed_ms}
            else:
                outcome = {"kind": "crashed", "reason": "process exited with code %d before reporting" % code, "durationMs": elapsed_ms}
        elif os.WIFSIGNALED(status):
            sig = os.WTERMSIG(status)
            if sig == signal.SIGXCPU or (sig == signal.SIGKILL and self.cpu_exhausted(run, elapsed_ms)):
                outcome = {"kind": "timeout", "limitMs": run.timeout_ms, "durationMs": elapsed_ms}
            else:
                try:
                    name = signal.Signals(sig).name
                except ValueError:
                    name = "signal %d" % sig
                outcome = {"kind": "crashed", "reason": "killed by %s" % name, "durationMs": elapsed_ms}
        else:
            outcome = {"kind": "crashed", "reason": "ended with status %d" % status, "durationMs": elapsed_ms}
        self.cleanup(run, clean_exit=os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0 and not run.timed_out)
        self.send({"id": run.id, "outcome": outcome})

    def cpu_exhausted(self, run, elapsed_ms):
        # SIGKILL from the hard RLIMIT_CPU after the program ignored SIGXCPU.
        return elapsed_ms >= max(1000, run.timeout_ms) * 0.9

    def cleanup(self, run, clean_exit):
        # The pid is reaped (and may be reused): only its process group is signalled, which the
        # kernel keeps reserved while members remain. A clean child already swept its uid.
        try:
            os.killpg(run.pid, signal.SIGKILL)
        except OSError:
            pass
        if run.uid is not None:
            if not clean_exit:
                self.kill_uid(run.uid)
            self.free_uids.insert(0, run.uid)
        try:
            os.rmdir(run.dir)
        except FileNotFoundError:
            pass
        except OSError:
            shutil.rmtree(run.dir, ignore_errors=True)

    def loop(self):
        self.send({"ready": True, "pid": os.getpid(), "uidDrop": self.uid_drop, "pidNamespace": bool(self.config.get("pidNamespace"))})
        while not (self.closing and not self.runs and not self.outbuf):
            if self.closing and self.runs:
                for run in self.runs.values():
                    run.timed_out = True
                    self.kill(run)
            try:
                events = self.sel.select(self.next_timeout())
            except InterruptedError:
                events = []
            for key, _ in events:
                if key.data == "in":
                    self.read_requests()
                elif key.data == "wake":
                    try:
                        while os.read(self.wake_r, 4096):
                            pass
                    except BlockingIOError:
                        pass
                elif key.data == "result":
                    self.read_result(key.fd)
                elif key.data == "out":
                    self.flush()
            self.reap()
            self.check_deadlines()
            if self.closing and self.outbuf and self.out_fd is not None:
                pass


def main():
    config = CONFIG
    # Keep the protocol pipes off 0/1 so that nothing the runs inherit can reach them.
    in_fd = os.dup(0)
    out_fd = os.dup(1)
    os.set_inheritable(in_fd, False)
    os.set_inheritable(out_fd, False)
    if config.get("deathSignal"):
        try:
            import ctypes

            ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
        except Exception:  # noqa: BLE001
            pass
    os.makedirs(config["runsDir"], mode=0o711, exist_ok=True)
    os.chmod(config["runsDir"], 0o711)
    signal.signal(signal.SIGPIPE, signal.SIG_IGN)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    diagnostics = prepare_zygote(config)
    gc.collect()
    gc.freeze()
    try:
        Zygote(config, in_fd, out_fd).loop()
    except BaseException:  # noqa: BLE001 - tell Node why before dying
        os.write(diagnostics, traceback.format_exc().encode("utf-8", "replace")[-4000:])
        raise


if __name__ == "__main__":
    main()
