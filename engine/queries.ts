// Legacy query tasks: a query goes to the run's task queue as a workflow task carrying the query (after
// any pending workflow task of the same run), and the worker's answer settles the caller's promise.
import { randomUUID } from 'node:crypto';
import type { Engine } from './engine';
import { EngineError, failedPrecondition, invalidArgument, notFound } from './errors';
import { BLOB_SIZE_EXCEEDS_LIMIT, blobExceeds, payloadsBytes } from './limits';
import { api, int64, msTimestamp, type Payloads, type T } from './proto';
import { isOpen, type Run } from './state';
import { encodeToken } from './tokens';

interface PendingQuery {
  settle(result: { ok: true; payloads: Payloads | null } | { ok: false; error: EngineError }): void;
  done: boolean;
}

export class QueryTasks {
  private readonly pending = new Map<string, PendingQuery>();

  constructor(private readonly e: Engine) {}

  query(run: Run, query: T.api.query.v1.IWorkflowQuery, timeoutMs: number): Promise<Payloads | null> {
    if (run.previousStartedEventId === 0) {
      throw failedPrecondition('Cannot query workflow before the first workflow task is completed.');
    }
    const id = randomUUID();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () =>
          pending.settle({ ok: false, error: new EngineError('E_DEADLINE', 'query timed out: no worker answered') }),
        timeoutMs,
      );
      const pending: PendingQuery = {
        done: false,
        settle: (r) => {
          if (pending.done) return;
          pending.done = true;
          clearTimeout(timer);
          this.pending.delete(id);
          if (r.ok) resolve(r.payloads);
          else reject(r.error);
        },
      };
      this.pending.set(id, pending);
      const dispatch = (): void =>
        this.e.workflowTasks.add(
          this.e.queueKey(run.namespace, run.taskQueue),
          () => {
            if (pending.done) return null;
            return {
              taskToken: encodeToken({ k: 'q', ns: run.namespace, id }),
              workflowExecution: { workflowId: run.workflowId, runId: run.runId },
              workflowType: { name: run.workflowType },
              previousStartedEventId: int64(run.previousStartedEventId),
              // Zero marks a query task (no workflow task is started for it), as Temporal sends it.
              startedEventId: int64(0),
              attempt: 1,
              history: { events: run.history },
              query,
              workflowExecutionTaskQueue: {
                name: run.taskQueue,
                kind: api.enums.v1.TaskQueueKind.TASK_QUEUE_KIND_NORMAL,
              },
              scheduledTime: msTimestamp(Date.now()),
              startedTime: msTimestamp(Date.now()),
            };
          },
          true,
        );
      // Like Temporal, a query does not overtake a pending workflow task of the same run.
      if (run.wft.phase === 'none' || !isOpen(run)) dispatch();
      else run.parkedQueries.push(dispatch);
    });
  }

  answer(id: string, answer: { ok: true; payloads: Payloads | null } | { ok: false; message: string }): void {
    const pending = this.pending.get(id);
    if (!pending) throw notFound('query not found or already timed out');
    if (
      answer.ok &&
      blobExceeds(payloadsBytes(answer.payloads), this.e.limits, 'RespondQueryTaskCompleted', this.e.warnBlob)
    ) {
      // As Temporal's frontend: an oversized result becomes a failed query.
      answer = { ok: false, message: BLOB_SIZE_EXCEEDS_LIMIT };
    }
    pending.settle(answer.ok ? answer : { ok: false, error: invalidArgument(answer.message) });
  }

  /** Fails every pending query (engine shutdown). */
  cancelAll(): void {
    for (const q of [...this.pending.values()])
      q.settle({ ok: false, error: new EngineError('E_UNAVAILABLE', 'server is shutting down') });
  }
}
