// Typed errors of the sandbox. Run failures are Outcomes, not errors: these are for setup and misuse.
import type { IsolationReport } from './api';

export type SandboxErrorCode = 'E_WEAK_ISOLATION' | 'E_SANDBOX_START' | 'E_SANDBOX_CLOSED' | 'E_PYTHON_NOT_FOUND' | 'E_SANDBOX_LIMITS';

export class SandboxError extends Error {
  constructor(
    readonly code: SandboxErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'SandboxError';
  }
}

/** The host cannot confine runs (see isolationSufficient), and weak isolation was not allowed. */
export class SandboxIsolationError extends SandboxError {
  constructor(readonly report: IsolationReport) {
    super(
      'E_WEAK_ISOLATION',
      [
        'refusing to run untrusted programs: this host cannot confine them (no network, a read-only host with a',
        'private scratch space, a seccomp filter, a uid that is not root).',
        ...report.notes.map((note) => `  - ${note}`),
        'Fix: install bubblewrap and libseccomp\'s Python bindings (apt-get install bubblewrap python3-seccomp, or',
        'deploy/setup.sh); without root, enable unprivileged user namespaces (sysctl -w kernel.unprivileged_userns_clone=1);',
        'or accept weaker isolation explicitly with SINQ_ALLOW_WEAK_ISOLATION=1 (option allowWeakIsolation: true).',
      ].join('\n'),
    );
    this.name = 'SandboxIsolationError';
  }
}
