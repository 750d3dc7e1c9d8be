"""Writes the sandbox's seccomp filter to stdout as a raw BPF program (what bubblewrap's
`--seccomp FD` loads), built with libseccomp's Python bindings (Debian: python3-seccomp).

Everything is allowed except calls a program under test never needs and that widen what a run
can reach: mounts and namespaces (no new user namespace either: `unshare`, `setns`, namespace
flags of `clone`; `clone3`, whose flags sit in memory a filter cannot read, answers ENOSYS so
that the C library falls back to `clone`), tracing and reading other processes, kernel keyrings,
BPF, perf, userfaultfd, io_uring, modules, clocks, reboot and the like. Other architectures'
system calls (32-bit entry points) kill the process: libseccomp's default for a foreign arch.
Exit code 3 when the bindings are missing.
"""
import errno
import sys

try:
    import seccomp
except ImportError:
    sys.stderr.write("python3-seccomp (libseccomp's Python bindings) is not installed\n")
    sys.exit(3)

DENIED = (
    # file system views and namespaces
    "mount", "umount", "umount2", "pivot_root", "chroot", "move_mount", "open_tree", "fsopen",
    "fsconfig", "fsmount", "fspick", "mount_setattr", "unshare", "setns",
    # other processes' memory and state
    "ptrace", "process_vm_readv", "process_vm_writev", "kcmp", "pidfd_getfd", "process_madvise",
    # kernel attack surface a pure function does not need
    "bpf", "perf_event_open", "userfaultfd", "keyctl", "add_key", "request_key",
    "io_uring_setup", "io_uring_enter", "io_uring_register", "name_to_handle_at",
    "open_by_handle_at", "lookup_dcookie", "fanotify_init", "iopl", "ioperm", "uselib",
    # the host itself
    "kexec_load", "kexec_file_load", "init_module", "finit_module", "delete_module", "reboot",
    "swapon", "swapoff", "acct", "settimeofday", "clock_settime", "clock_adjtime", "adjtimex",
    "syslog", "quotactl", "quotactl_fd", "nfsservctl", "vhangup", "sethostname", "setdomainname",
)

CLONE_NAMESPACE_FLAGS = (
    0x00020000,  # CLONE_NEWNS
    0x02000000,  # CLONE_NEWCGROUP
    0x04000000,  # CLONE_NEWUTS
    0x08000000,  # CLONE_NEWIPC
    0x10000000,  # CLONE_NEWUSER
    0x20000000,  # CLONE_NEWPID
    0x40000000,  # CLONE_NEWNET
    0x00000080,  # CLONE_NEWTIME
)
TIOCSTI = 0x5412  # push characters into a terminal's input


def build(out):
    rules = seccomp.SyscallFilter(defaction=seccomp.ALLOW)
    for name in DENIED:
        try:
            rules.add_rule(seccomp.ERRNO(errno.EPERM), name)
        except (RuntimeError, ValueError, OSError):
            pass  # not a system call on this architecture
    for flag in CLONE_NAMESPACE_FLAGS:
        rules.add_rule(seccomp.ERRNO(errno.EPERM), "clone", seccomp.Arg(0, seccomp.MASKED_EQ, flag, flag))
    rules.add_rule(seccomp.ERRNO(errno.ENOSYS), "clone3")
    rules.add_rule(seccomp.ERRNO(errno.EPERM), "ioctl", seccomp.Arg(1, seccomp.MASKED_EQ, 0xFFFFFFFF, TIOCSTI))
    rules.export_bpf(out)


if __name__ == "__main__":
    build(sys.stdout.buffer)
    sys.stdout.buffer.flush()
