// Persistence glue: the fold of journal records back into runs on recovery, the snapshot that compaction
// writes, and the retention sweep that drops closed runs.
import type { Engine } from './engine';
import { decodeEvent, encodeEvent, encodeFailure, num } from './proto';
import { encodedEventBytes } from './limits';
import type { JournalRecord } from './records';
import { applyEvent, failureFromRecord, isOpen, newRun, noteBuffered, runKey } from './state';

/** Encoded events per snapshot record, at most (one event larger than this gets a record of its own). */
export const SNAPSHOT_RECORD_BYTES = 1024 * 1024;

/** Splits encoded events into consecutive groups of at most SNAPSHOT_RECORD_BYTES characters. */
function boundedChunks(encoded: string[]): string[][] {
  const chunks: string[][] = [];
  let current: string[] = [];
  let size = 0;
  for (const e of encoded) {
    if (current.length > 0 && size + e.length > SNAPSHOT_RECORD_BYTES) {
      chunks.push(current);
      current = [];
      size = 0;
    }
    current.push(e);
    size += e.length;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}

export class Persistence {
  constructor(private readonly e: Engine) {}

  /** Rebuilds state from journal records (already validated), then re-arms timers and queues. */
  recover(records: JournalRecord[]): void {
    for (const r of records) this.apply(r);
    for (const run of this.e.runs.values()) this.e.dispatch.reconcile(run);
  }

  private apply(r: JournalRecord): void {
    const e = this.e;
    switch (r.k) {
      case 'ns':
        e.namespaces.set(r.name, {
          name: r.name,
          id: r.id,
          description: r.description,
          retentionMs: r.retentionMs,
          searchAttributes: e.namespaces.get(r.name)?.searchAttributes ?? {},
        });
        return;
      case 'sa': {
        const ns = e.namespaces.get(r.ns);
        if (!ns) return;
        if (r.type === null) delete ns.searchAttributes[r.name];
        else ns.searchAttributes[r.name] = r.type;
        return;
      }
      case 'ev': {
        let run = e.runs.get(runKey(r.ns, r.wf, r.run));
        if (!run) {
          run = newRun(r.ns, r.wf, r.run, r.rq ?? '');
          e.addRun(run);
        }
        if (r.flush) run.buffered = [];
        for (const s of r.ev) {
          const ev = decodeEvent(s);
          run.history.push(ev);
          run.historyBytes += encodedEventBytes(s);
          applyEvent(run, ev);
          e.noteTaskId(num(ev.taskId));
        }
        return;
      }
      case 'buf': {
        const run = e.runs.get(runKey(r.ns, r.wf, r.run));
        if (!run) return;
        for (const s of r.ev) {
          const ev = decodeEvent(s);
          run.buffered.push(ev);
          noteBuffered(run, ev);
        }
        return;
      }
      case 'act': {
        const act = e.runs.get(runKey(r.ns, r.wf, r.run))?.activities.get(r.sid);
        if (!act) return;
        act.attempt = r.attempt;
        act.retryAtMs = r.retryAt;
        act.lastFailure = failureFromRecord(r.failure);
        if (act.phase !== 'closed') act.phase = 'backoff';
        return;
      }
    }
  }

  /** Drops closed runs past their namespace's retention; returns how many were dropped. */
  dropExpired(nowMs = Date.now()): number {
    const e = this.e;
    let dropped = 0;
    for (const run of [...e.runs.values()]) {
      if (isOpen(run)) continue;
      const retention = e.namespaces.get(run.namespace)?.retentionMs ?? e.options.defaultRetentionMs ?? 86_400_000;
      if (run.closeTimeMs + retention <= nowMs) {
        e.forgetRun(run);
        dropped++;
      }
    }
    return dropped;
  }

  /** The records that rebuild the current state: the journal's content after compaction. */
  snapshot(): JournalRecord[] {
    const e = this.e;
    const out: JournalRecord[] = [];
    for (const ns of e.namespaces.values()) {
      out.push({ k: 'ns', name: ns.name, id: ns.id, description: ns.description, retentionMs: ns.retentionMs });
      for (const [name, type] of Object.entries(ns.searchAttributes)) out.push({ k: 'sa', ns: ns.name, name, type });
    }
    // Runs in creation order so that the latest run of a workflow id is restored as its current run.
    const ordered = [...e.runs.values()].sort(
      (a, b) => a.startTimeMs - b.startTimeMs || num(a.history[0]?.taskId) - num(b.history[0]?.taskId),
    );
    for (const run of ordered) {
      const ref = { ns: run.namespace, wf: run.workflowId, run: run.runId };
      // A long history goes out as several records, each bounded, never as one record of the whole run.
      let first = true;
      for (const ev of boundedChunks(run.history.map(encodeEvent))) {
        out.push({ k: 'ev', ...ref, ev, ...(first && run.requestId ? { rq: run.requestId } : {}) });
        first = false;
      }
      for (const ev of boundedChunks(run.buffered.map(encodeEvent))) out.push({ k: 'buf', ...ref, ev });
      for (const act of run.activities.values()) {
        if (act.phase === 'backoff' || act.attempt > 1) {
          out.push({
            k: 'act',
            ns: run.namespace,
            wf: run.workflowId,
            run: run.runId,
            sid: act.scheduledEventId,
            attempt: act.attempt,
            retryAt: act.phase === 'backoff' ? act.retryAtMs : Date.now(),
            failure: act.lastFailure ? encodeFailure(act.lastFailure) : undefined,
          });
        }
      }
    }
    return out;
  }
}
