// Journal compaction in the background: drops closed runs past retention and rewrites the journal from
// the live state. It never blocks start-up or a request, and a failure is logged and retried with a
// backoff instead of escaping as an unhandled rejection; a full disk defers it and says so. Appends do
// not depend on it: the journal stays usable when a compaction fails before its new segment is in place.
import type { Engine } from './engine';
import { JournalError, type Journal } from './journal';

export interface CompactionOptions {
  /** First retry delay after a failure; doubles up to `retryMaxMs`. */
  retryBaseMs?: number;
  retryMaxMs?: number;
}

/** Error codes of a disk that has no room left (the cause chain of a journal I/O error). */
const DISK_FULL_CODES = new Set(['ENOSPC', 'EDQUOT']);

function causeCodes(err: unknown): string[] {
  const codes: string[] = [];
  for (let e: unknown = err, depth = 0; e && typeof e === 'object' && depth < 5; depth++) {
    if ('code' in e && typeof e.code === 'string') codes.push(e.code);
    e = 'cause' in e ? e.cause : undefined;
  }
  return codes;
}

export function isDiskFull(err: unknown): boolean {
  return causeCodes(err).some((code) => DISK_FULL_CODES.has(code));
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export class CompactionScheduler {
  private running: Promise<void> | null = null;
  private retryTimer: NodeJS.Timeout | null = null;
  private failures = 0;
  private closed = false;
  private readonly retryBaseMs: number;
  private readonly retryMaxMs: number;

  constructor(
    private readonly journal: Journal,
    private readonly engine: Engine,
    private readonly log: (event: Record<string, unknown>) => void,
    options: CompactionOptions = {},
  ) {
    this.retryBaseMs = options.retryBaseMs ?? 1000;
    this.retryMaxMs = options.retryMaxMs ?? 60_000;
  }

  /** True while a failed compaction waits for its retry. */
  get retryPending(): boolean {
    return this.retryTimer !== null;
  }

  /** Starts a compaction in the background unless one runs or a retry is already scheduled. Never rejects. */
  request(reason: string): void {
    if (this.closed || this.running || this.retryTimer) return;
    void this.run(reason).catch(() => undefined);
  }

  /** Compacts now (after any compaction in progress); rejects with the failure, which is also retried. */
  async now(): Promise<void> {
    while (this.running) await this.running.catch(() => undefined);
    if (this.retryTimer) {
      clearTimeout(this.retryTimer);
      this.retryTimer = null;
    }
    await this.run('requested');
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    if (this.running) await this.running.catch(() => undefined);
  }

  private run(reason: string): Promise<void> {
    const attempt = (async () => {
      this.engine.dropExpired();
      await this.journal.compact(this.engine.snapshot());
    })();
    this.running = attempt;
    return attempt.then(
      () => {
        this.running = null;
        if (this.failures > 0) this.log({ event: 'compaction_recovered', reason, failedAttempts: this.failures });
        this.failures = 0;
      },
      (err: unknown) => {
        this.running = null;
        this.failed(reason, err);
        throw err;
      },
    );
  }

  private failed(reason: string, err: unknown): void {
    this.failures++;
    const unusable =
      err instanceof JournalError && (err.code === 'E_JOURNAL_FAILED' || err.code === 'E_JOURNAL_CLOSED');
    if (unusable || this.closed) {
      // The journal itself is gone (the fatal path stops the server) or we are shutting down: no retry.
      this.log({ event: 'compaction_failed', reason, error: describe(err), retry: false });
      return;
    }
    const retryInMs = Math.min(this.retryMaxMs, this.retryBaseMs * 2 ** (this.failures - 1));
    if (isDiskFull(err)) {
      this.log({
        event: 'compaction_deferred',
        reason,
        cause: 'disk full',
        message: `the disk is full: compaction is deferred and retried in ${retryInMs} ms; the journal keeps growing until then`,
        error: describe(err),
        retryInMs,
      });
    } else {
      this.log({ event: 'compaction_failed', reason, error: describe(err), retry: true, retryInMs });
    }
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      this.request(`retry after ${reason}`);
    }, retryInMs);
    this.retryTimer.unref();
  }
}
