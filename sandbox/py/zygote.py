"""Warm worker: pre-imports common modules once, then forks one confined child per run.

Protocol with Node (fd 0 in, fd 1 out, both moved away at start).
  in : 4-byte big-endian length + JSON {"id", "source", "entry", "input", "timeoutMs"}
  out: 4-byte big-endian length of the rest, 4-byte run id, 1-byte kind, payload:
       kind 2 once: {"ready": true, "pid", "uidDrop", "pidNamespace"};
       kind 0: an outcome (JSON) written by the zygote;
       kind 1: the zygote's own measure of the run (big-endian float64, ms), then the run's own
               report (JSON), passed through unparsed for Node to validate: the program could
               have written it, so nothing in it is trusted, its duration least of all.
The zygote enforces the wall limit (SIGKILL to the run's process group and uid), reaps,
and classifies how a child ended: `timeout` only when it saw the wall limit pass or the
child's own CPU time (from wait4) reach the CPU limit.
"""
import collections
import gc
import json
import os
import select
import _signal
import signal
import stat
import struct
import sys
import time

CONFIG = json.loads(sys.argv[1])
# Started with -S: take the interpreter's own module path (site-packages included) from Node.
sys.path[:] = [p for p in CONFIG.get("modulePath", sys.path) if isinstance(p, str)]
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import canonical  # noqa: E402,F401
from child import EXIT_CHANNEL_BROKEN, EXIT_SETUP_FAILED, encode_message, in_user_namespace, load_program, prepare_zygote, returned_outcome, run_child  # noqa: E402

sys.path.pop(0)

# Modules the task sets' programs import (MBPP, HumanEval, ours); loaded once here so each fork
# starts warm. Kept to those: every preloaded page makes each fork dearer. Not `random` (or
# modules importing it) nor `threading`: their fork hooks would run in every child.
for _name in (
    "math", "cmath", "re", "string", "collections", "itertools", "functools", "heapq", "bisect",
    "operator", "typing", "array", "copy",
):
    try:
        __import__(_name)
    except Exception:  # noqa: BLE001
        pass

IN_HEADER = struct.Struct(">I")
OUT_HEADER = struct.Struct(">IIB")  # length of the rest, run id, payload kind
DURATION = struct.Struct(">d")
KIND_OUTCOME = 0  # payload: an outcome the zygote wrote
KIND_RUN_REPORT = 1  # payload: the run's own report, passed through unparsed (Node validates it)
KIND_READY = 2
SIGCHLD = int(signal.SIGCHLD)
SIG_DFL = int(signal.SIG_DFL)
SIGKILL = int(signal.SIGKILL)
SIGXCPU = int(signal.SIGXCPU)
# CPU time (fraction of the limit) from which a SIGXCPU/SIGKILL death counts as the limit reached:
# the kernel checks the limit on its tick, so the count at death is at or just past it.
CPU_LIMIT_REACHED = 0.98
MAX_REQUEST_BYTES = 64 << 20
EPOLLIN = select.EPOLLIN
EPOLLOUT = select.EPOLLOUT

_read = os.read
_write = os.write
_close = os.close
_fork = os.fork
_pipe2 = os.pipe2
_wait4 = os.wait4
_monotonic = time.monotonic
_killpg = os.killpg
_kill = os.kill


_scan_json = json.decoder.JSONDecoder().scan_once


def _decode_request(body):
    # The C scanner called directly: json.loads goes through several Python layers (and pages).
    text = body.decode("utf-8")
    request, end = _scan_json(text, 0)
    if end != len(text) or type(request) is not dict:
        raise SystemExit("malformed request frame")
    return request


def out_frame(rid, kind, payload):
    return OUT_HEADER.pack(len(payload) + 5, rid, kind) + payload


def outcome_frame(rid, outcome):
    return out_frame(rid, KIND_OUTCOME, json.dumps(outcome, ensure_ascii=True, allow_nan=False).encode("ascii"))


class Run:
    __slots__ = ("id", "pid", "fd", "chunks", "size", "started", "deadline", "timeout_ms", "uid", "dir",
                 "timed_out", "aborted", "oversize", "status", "cpu_s", "ended")

    def __init__(self, rid, pid, fd, timeout_ms, uid, run_dir, started):
        self.id = rid
        self.pid = pid
        self.fd = fd
        self.chunks = []
        self.size = 0
        self.started = started
        self.deadline = started + timeout_ms / 1000.0
        self.timeout_ms = timeout_ms
        self.uid = uid
        self.dir = run_dir
        self.timed_out = False
        self.aborted = False  # killed because the zygote is closing
        self.oversize = False
        self.status = None
        self.cpu_s = 0.0  # CPU time of the child itself, from wait4
        self.ended = None  # when it was reaped


def cpu_limit_seconds(timeout_ms):
    """The RLIMIT_CPU soft limit a run gets (child.confine sets it): whole seconds, at least 1."""
    return max(1, -(-timeout_ms // 1000))


class Zygote:
    """Single-threaded loop on a raw epoll: requests in, one forked child per run, outcomes out.
    Kept lean on purpose: every page it writes after a fork is a copy-on-write fault."""

    def __init__(self, config, in_fd, out_fd):
        self.config = config
        self.in_fd = in_fd
        self.out_fd = out_fd
        self.inbuf = bytearray()
        self.outbuf = bytearray()
        self.runs = {}  # pid -> Run, until reaped
        self.by_fd = {}  # result fd -> Run, until its pipe is closed
        self.epoll = select.epoll()
        self.closing = False
        self.counter = 0
        self.runs_dir = config["runsDir"]
        # Zygotes without a private /tmp share the runs directory: names must not collide.
        self.run_dir_prefix = "%s/r%s-" % (self.runs_dir, os.urandom(4).hex())
        self.uid_drop = config["uidDrop"] and os.getuid() == 0
        self.pid_namespace = bool(config.get("pidNamespace"))
        # A random block of uids per zygote keeps concurrent zygotes on one host apart.
        slots = config["uidSlots"]
        base = 1_000_000 + int.from_bytes(os.urandom(4), "big") % ((2_000_000_000 - 1_000_000) // slots) * slots
        self.free_uids = collections.deque(range(base, base + slots))
        self.cleaners = {}  # pid of a cleaner -> (run dir, uid, reply to send once it is done)
        self.result_cap = config["resultMaxBytes"] * 2 + (1 << 20)
        self.wake_r, self.wake_w = os.pipe2(os.O_NONBLOCK | os.O_CLOEXEC)
        signal.set_wakeup_fd(self.wake_w, warn_on_full_buffer=False)
        signal.signal(signal.SIGCHLD, lambda *_: None)
        os.set_blocking(in_fd, False)
        os.set_blocking(out_fd, False)
        self.epoll.register(in_fd, EPOLLIN)
        self.epoll.register(self.wake_r, EPOLLIN)
        self.watching_out = False
        self.pending = []  # requests read, to be forked at the end of this loop round

    # ---- Node side
    def send(self, data):
        # Written once per loop round (see loop): replies that finish together reach Node in one
        # write, so its next requests come back together too and are forked in one batch.
        self.outbuf += data

    def flush(self):
        outbuf = self.outbuf
        while outbuf:
            try:
                n = _write(self.out_fd, outbuf)
            except BlockingIOError:
                break
            except BrokenPipeError:
                self.closing = True
                outbuf.clear()
                break
            del outbuf[:n]
        if outbuf and not self.watching_out:
            self.epoll.register(self.out_fd, EPOLLOUT)
            self.watching_out = True
        elif not outbuf and self.watching_out:
            self.epoll.unregister(self.out_fd)
            self.watching_out = False

    def read_requests(self):
        inbuf = self.inbuf
        while True:
            try:
                chunk = _read(self.in_fd, 1 << 20)
            except BlockingIOError:
                break
            if not chunk:
                self.closing = True
                self.epoll.unregister(self.in_fd)
                break
            inbuf += chunk
        while len(inbuf) >= 4:
            (length,) = IN_HEADER.unpack_from(inbuf)
            if length > MAX_REQUEST_BYTES:
                raise SystemExit("request frame too large")
            if len(inbuf) < 4 + length:
                break
            request = _decode_request(inbuf[4:4 + length])
            del inbuf[:4 + length]
            self.pending.append(request)

    # ---- runs
    def start_all(self, requests):
        """Forks a run for each request. Everything a run needs is prepared first and the
        bookkeeping done after: between two forks this process touches (and so copies) as few
        pages as possible."""
        batch = []
        for request in requests:
            prepared = self.prepare(request)
            if prepared is not None:
                batch.append(prepared)
        pids = []
        for prepared in batch:
            try:
                pid = _fork()
            except OSError as err:
                pid = err
            if pid == 0:
                self.become_run(*prepared)
            pids.append(pid)
        for prepared, pid in zip(batch, pids):
            request, rid, timeout_ms, uid, run_dir, r, w, started = prepared
            _close(w)
            if type(pid) is not int:
                _close(r)
                self.refuse(rid, uid, pid)
                continue
            os.set_blocking(r, False)
            run = Run(rid, pid, r, timeout_ms, uid, run_dir, started)
            self.runs[pid] = run
            self.by_fd[r] = run
            self.epoll.register(r, EPOLLIN)

    def prepare(self, request):
        rid = request["id"]
        timeout_ms = int(request["timeoutMs"])
        uid = None
        if self.uid_drop:
            if not self.free_uids:
                self.send(outcome_frame(rid, {"kind": "crashed", "reason": "sandbox worker has no free run slot", "durationMs": 0, "infrastructure": True}))
                return None
            uid = self.free_uids.popleft()
        self.counter += 1
        # Unguessable: runs that share a uid (not root) must not find each other's directories.
        run_dir = "%s%d-%s" % (self.run_dir_prefix, self.counter, os.urandom(8).hex())
        try:
            r, w = _pipe2(os.O_CLOEXEC)
        except OSError as err:
            self.refuse(rid, uid, err)
            return None
        return (request, rid, timeout_ms, uid, run_dir, r, w, _monotonic())

    def become_run(self, request, _rid, _timeout_ms, uid, run_dir, _r, w, _started):
        """In the forked child: never returns."""
        try:
            # The C-level calls: the `signal` wrappers convert to enums, touching many pages.
            _signal.set_wakeup_fd(-1)
            _signal.signal(SIGCHLD, SIG_DFL)
            # Leave only the result pipe (and 0-2, already /dev/null) open: this closes the
            # other runs' pipes of the same batch too.
            os.closerange(3, w)
            os.closerange(w + 1, 1 << 16)
        except BaseException:  # noqa: BLE001
            os._exit(EXIT_SETUP_FAILED)
        run_child(self.config, request, w, run_dir, uid)
        os._exit(EXIT_SETUP_FAILED)

    def refuse(self, rid, uid, err):
        """The run could not be started (out of processes or descriptors): say so, stay up."""
        if uid is not None:
            self.free_uids.append(uid)
        self.send(outcome_frame(rid, {"kind": "crashed", "reason": "sandbox could not start the run: %s" % err, "durationMs": 0, "infrastructure": True}))

    def drain(self, run):
        fd = run.fd
        if fd is None:
            return
        while True:
            try:
                chunk = _read(fd, 1 << 20)
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
        fd = run.fd
        if fd is not None:
            self.epoll.unregister(fd)
            del self.by_fd[fd]
            _close(fd)
            run.fd = None

    def kill(self, run):
        try:
            _killpg(run.pid, SIGKILL)
        except OSError:
            pass
        if run.status is None:  # not reaped yet, so the pid is still this child's
            try:
                _kill(run.pid, SIGKILL)
            except OSError:
                pass

    def start_cleaner(self, run_dir, uid, sweep, reply):
        """Finishes a run off the event loop: with `sweep`, kills every process left under its uid
        (escaped process groups, forks); then removes what it left in its directory. When the
        cleaner is reaped the uid is given back and `reply` sent: a run's outcome arrives only once
        nothing of it is left."""
        try:
            pid = _fork()
        except OSError:
            remove_tree(run_dir)  # no process to spare: do it here
            self.finish_cleanup(run_dir, uid, reply)
            return
        if pid == 0:
            try:
                _signal.set_wakeup_fd(-1)
                _signal.signal(SIGCHLD, SIG_DFL)
                if uid is not None:
                    # As the run's uid: allowed to signal its processes and to remove its files.
                    os.setgid(uid)
                    os.setuid(uid)
                    if sweep:
                        os.kill(-1, SIGKILL)
                remove_tree(run_dir)
            finally:
                os._exit(0)
        self.cleaners[pid] = (run_dir, uid, reply)

    def finish_cleanup(self, run_dir, uid, reply):
        try:
            os.rmdir(run_dir)  # emptied by the cleaner; the run's uid could not remove it from here
        except OSError:
            pass
        if uid is not None:
            self.free_uids.append(uid)
        self.send(reply)

    def reap(self):
        runs = self.runs
        while True:
            try:
                pid, status, usage = _wait4(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            run = runs.pop(pid, None)
            if run is not None:
                run.ended = _monotonic()
                run.status = status
                run.cpu_s = usage.ru_utime + usage.ru_stime
                self.finish(run)
            elif pid in self.cleaners:
                self.finish_cleanup(*self.cleaners.pop(pid))

    def check_deadlines(self, now):
        soonest = None
        for run in self.runs.values():
            if run.timed_out or run.aborted:
                continue
            if now >= run.deadline:
                run.timed_out = True
                self.kill(run)
            elif soonest is None or run.deadline < soonest:
                soonest = run.deadline
        return soonest

    def finish(self, run):
        elapsed_ms = ((run.ended or _monotonic()) - run.started) * 1000
        self.drain(run)
        self.close_result(run)
        status = run.status
        outcome = None
        report = None
        if run.oversize:
            outcome = {"kind": "crashed", "reason": "result too large: over %d bytes encoded" % self.result_cap, "durationMs": elapsed_ms}
        elif run.timed_out:
            outcome = {"kind": "timeout", "limitMs": run.timeout_ms, "durationMs": elapsed_ms}
        elif os.WIFEXITED(status):
            code = os.WEXITSTATUS(status)
            if (code == 0 or code == EXIT_SETUP_FAILED) and run.chunks:
                report = b"".join(run.chunks)
            elif code == EXIT_CHANNEL_BROKEN:
                outcome = {"kind": "crashed", "reason": "program closed the result channel", "durationMs": elapsed_ms}
            else:
                outcome = {"kind": "crashed", "reason": "process exited with code %d before reporting" % code, "durationMs": elapsed_ms}
        elif os.WIFSIGNALED(status):
            sig = os.WTERMSIG(status)
            if run.aborted:
                outcome = {"kind": "crashed", "reason": "sandbox closed during the run", "durationMs": elapsed_ms, "infrastructure": True}
            elif (sig == SIGXCPU or sig == SIGKILL) and run.cpu_s >= cpu_limit_seconds(run.timeout_ms) * CPU_LIMIT_REACHED:
                # SIGXCPU at the soft CPU limit, or SIGKILL at the hard one after SIGXCPU was
                # ignored: a timeout only if the kernel's count of its CPU time says so. A run
                # that sends itself either signal early is a crash like any other signal.
                outcome = {"kind": "timeout", "limitMs": run.timeout_ms, "durationMs": elapsed_ms}
            else:
                try:
                    name = signal.Signals(sig).name
                except ValueError:
                    name = "signal %d" % sig
                outcome = {"kind": "crashed", "reason": "killed by %s" % name, "durationMs": elapsed_ms}
        else:
            outcome = {"kind": "crashed", "reason": "ended with status %d" % status, "durationMs": elapsed_ms}
        reply = out_frame(run.id, KIND_RUN_REPORT, DURATION.pack(elapsed_ms) + report) if report is not None else outcome_frame(run.id, outcome)
        self.cleanup(run, clean_exit=report is not None and os.WEXITSTATUS(status) == 0, reply=reply)

    def cleanup(self, run, clean_exit, reply):
        # The pid is reaped (and may be reused): only its process group is signalled, which the
        # kernel keeps reserved while members remain. A clean child already swept its uid.
        try:
            _killpg(run.pid, SIGKILL)
        except OSError:
            pass
        sweep = not clean_exit and run.uid is not None and self.pid_namespace
        emptied = False
        if not sweep:
            try:
                os.rmdir(run.dir)  # the usual case: the run left nothing behind
                emptied = True
            except FileNotFoundError:
                emptied = True
            except OSError:
                pass
        if emptied:
            if run.uid is not None:
                self.free_uids.append(run.uid)
            self.send(reply)
        else:
            self.start_cleaner(run.dir, run.uid, sweep, reply)

    def loop(self):
        self.send(out_frame(0, KIND_READY, json.dumps({"ready": True, "pid": os.getpid(), "uidDrop": self.uid_drop, "pidNamespace": self.pid_namespace}).encode()))
        self.flush()
        poll = self.epoll.poll
        in_fd = self.in_fd
        wake_r = self.wake_r
        by_fd = self.by_fd
        timeout = -1
        while not (self.closing and not self.runs and not self.cleaners and not self.outbuf):
            if self.closing and self.runs:
                for run in self.runs.values():
                    if not run.aborted:
                        run.aborted = True
                        self.kill(run)
                timeout = 0.05
            try:
                events = poll(timeout)
            except InterruptedError:
                events = ()
            for fd, _mask in events:
                if fd == in_fd:
                    self.read_requests()
                elif fd == wake_r:
                    try:
                        while _read(wake_r, 4096):
                            pass
                    except BlockingIOError:
                        pass
                elif fd == self.out_fd:
                    self.flush()
                else:
                    run = by_fd.get(fd)
                    if run is not None:
                        self.drain(run)
            self.reap()
            # Fork everything that arrived in one go: each fork makes the pages this process
            # touches afterwards copy-on-write again, so fewer rounds of bookkeeping between
            # forks mean fewer faults per run.
            if self.pending:
                self.start_all(self.pending)
                self.pending.clear()
            if self.outbuf and not self.watching_out:
                self.flush()
            if self.runs:
                soonest = self.check_deadlines(_monotonic())
                timeout = 0.05 if soonest is None else max(0.0, soonest - _monotonic())
            else:
                timeout = -1


def remove_tree(path):
    """rmtree that also gets through directories the run made unreadable: it first gives every
    directory (never a symlink's target) back to its owner, which the cleaner is."""
    def owner_access(target):
        try:
            if stat.S_ISDIR(os.lstat(target).st_mode):
                os.chmod(target, 0o700)
        except OSError:
            pass

    owner_access(path)
    for root, dirs, _files in os.walk(path):
        for name in dirs:
            owner_access(os.path.join(root, name))
    import shutil  # only in cleaners (forked): kept out of the zygote's heap

    shutil.rmtree(path, ignore_errors=True)


def warm_up(config):
    """Runs the per-run Python path here a few hundred times, so that the interpreter's
    specialisation of that code settles in the zygote instead of writing to (and so copying)
    shared pages in every child."""
    source = "def f(x, y=2):\n    return [x, y, {'k': (1.5, None, 'v', b'b')}]\n"
    for i in range(300):
        loaded, _ = load_program(source, "f", '{"x": %d}' % i)
        fn, kwargs = loaded
        outcome = returned_outcome(fn(**kwargs), 0.001, config)
        encode_message(outcome)
    for i in range(50):
        load_program(source, "f", "{'x': (%d, None)}" % i)  # not JSON: the compiler's path
        load_program("def f(:\n", "f", "{}")
        load_program(source, "f", '{"z": 1}')


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
    # Not listable: a run reaches its own directory by name only.
    os.makedirs(config["runsDir"], mode=0o711, exist_ok=True)
    os.chmod(config["runsDir"], 0o711 if os.getuid() == 0 else 0o311)
    signal.signal(signal.SIGPIPE, signal.SIG_IGN)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if not (config["uidDrop"] and os.getuid() == 0) and in_user_namespace():
        config["sharedProcessLimit"] = config["processes"] * config.get("maxInFlight", 4) + config.get("sharedProcessSlack", 8)
    # Runs that share the zygote's uid could signal, renice or re-limit each other and the zygote:
    # each run filters those calls down to its own process (child.own_process_filter).
    config["ownProcessFilter"] = not (config["uidDrop"] and os.getuid() == 0)
    diagnostics = prepare_zygote(config)
    warm_up(config)
    gc.collect()
    gc.freeze()
    try:
        Zygote(config, in_fd, out_fd).loop()
    except BaseException:  # noqa: BLE001 - tell Node why before dying
        import traceback  # only on the way down: kept out of the zygote's heap

        os.write(diagnostics, traceback.format_exc().encode("utf-8", "replace")[-4000:])
        raise


if __name__ == "__main__":
    main()
