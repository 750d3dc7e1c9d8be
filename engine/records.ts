// The journal's record shapes. Records are folded in order on recovery (see Engine.recover).
import { z } from 'zod';

const runRef = { ns: z.string(), wf: z.string(), run: z.string() };

export const journalRecord = z.discriminatedUnion('k', [
  z.object({ k: z.literal('ns'), name: z.string(), id: z.string(), description: z.string(), retentionMs: z.number() }),
  z.object({
    k: z.literal('sa'),
    ns: z.string(),
    name: z.string(),
    type: z.enum(['Keyword', 'Text', 'Int', 'Double', 'Bool', 'Datetime', 'KeywordList']).nullable(),
  }),
  // History events appended to a run (base64 protobuf); `flush` = they came out of the buffer.
  z.object({ k: z.literal('ev'), ...runRef, ev: z.array(z.string()), rq: z.string().optional(), flush: z.boolean().optional() }),
  // Events held back while a workflow task was in flight.
  z.object({ k: z.literal('buf'), ...runRef, ev: z.array(z.string()) }),
  // An activity waiting to retry: its next attempt, when, and the failure that caused it.
  z.object({ k: z.literal('act'), ...runRef, sid: z.number(), attempt: z.number(), retryAt: z.number(), failure: z.string().optional() }),
]);

export type JournalRecord = z.infer<typeof journalRecord>;

/** Validates recovered records; a record that does not parse is reported, not silently applied. */
export function parseRecords(raw: unknown[]): { records: JournalRecord[]; invalid: number } {
  const records: JournalRecord[] = [];
  let invalid = 0;
  for (const r of raw) {
    const parsed = journalRecord.safeParse(r);
    if (parsed.success) records.push(parsed.data);
    else invalid++;
  }
  return { records, invalid };
}
