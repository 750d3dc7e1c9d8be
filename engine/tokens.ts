// Task tokens: opaque to workers, they name the task a response belongs to.
import { z } from 'zod';
import { invalidArgument } from './errors';

const workflowTaskToken = z.object({
  k: z.literal('w'),
  ns: z.string(),
  wf: z.string(),
  run: z.string(),
  sid: z.number(),
  st: z.number(),
});
const activityTaskToken = z.object({
  k: z.literal('a'),
  ns: z.string(),
  wf: z.string(),
  run: z.string(),
  sid: z.number(),
  att: z.number(),
});
const queryTaskToken = z.object({ k: z.literal('q'), ns: z.string(), id: z.string() });
const taskToken = z.discriminatedUnion('k', [workflowTaskToken, activityTaskToken, queryTaskToken]);

export type WorkflowTaskToken = z.infer<typeof workflowTaskToken>;
export type ActivityTaskToken = z.infer<typeof activityTaskToken>;
export type QueryTaskToken = z.infer<typeof queryTaskToken>;
export type TaskToken = z.infer<typeof taskToken>;

export function encodeToken(t: TaskToken): Uint8Array {
  return Buffer.from(JSON.stringify(t));
}

export function decodeToken(bytes: Uint8Array | null | undefined): TaskToken {
  if (!bytes || bytes.length === 0) throw invalidArgument('task token is missing');
  let raw: unknown;
  try {
    raw = JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch {
    throw invalidArgument('task token is malformed');
  }
  const parsed = taskToken.safeParse(raw);
  if (!parsed.success) throw invalidArgument('task token is malformed');
  return parsed.data;
}

export function expectToken<K extends TaskToken['k']>(bytes: Uint8Array | null | undefined, kind: K): Extract<TaskToken, { k: K }> {
  const t = decodeToken(bytes);
  if (t.k !== kind) throw invalidArgument('task token is for a different kind of task');
  return t as Extract<TaskToken, { k: K }>;
}
