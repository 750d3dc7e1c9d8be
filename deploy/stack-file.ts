// Where a running `sinq up` says its services listen (`<dir>/stack.json`), so that the other verbs
// find them without flags. Flags and TEMPORAL_ADDRESS / NATS_URL win over the file.
import { readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { isProcessAlive } from '../lib/process';

const stackSchema = z.object({
  temporalAddress: z.string(),
  natsUrl: z.string(),
  namespace: z.string().default('default'),
  /** The Temporal Web UI of a dev server the stack started; null or absent otherwise. */
  temporalUiUrl: z.string().nullable().default(null),
  pid: z.number().int(),
  startedAt: z.number(),
});

export type StackFile = z.input<typeof stackSchema>;
export type StackFileRead = z.output<typeof stackSchema>;

export function stackFilePath(dir: string): string {
  return path.join(dir, 'stack.json');
}

/** The stack file of a live `sinq up`, or null (missing, malformed, or its process is gone). */
export function readStackFile(dir: string): StackFileRead | null {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(stackFilePath(dir), 'utf8'));
  } catch {
    return null;
  }
  const parsed = stackSchema.safeParse(raw);
  if (!parsed.success || !isProcessAlive(parsed.data.pid)) return null;
  return parsed.data;
}

export function writeStackFile(dir: string, stack: StackFile): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(stackFilePath(dir), JSON.stringify(stack, null, 2) + '\n');
}

export function removeStackFile(dir: string): void {
  rmSync(stackFilePath(dir), { force: true });
}

export interface ResolvedAddresses {
  temporalAddress: string | undefined;
  natsUrl: string | undefined;
  namespace: string;
}

export function resolveAddresses(dir: string, flags: { address?: string | undefined; nats?: string | undefined; namespace?: string | undefined }): ResolvedAddresses {
  const stack = readStackFile(dir);
  return {
    temporalAddress: flags.address ?? process.env.TEMPORAL_ADDRESS ?? stack?.temporalAddress,
    natsUrl: flags.nats ?? process.env.NATS_URL ?? stack?.natsUrl,
    namespace: flags.namespace ?? process.env.TEMPORAL_NAMESPACE ?? stack?.namespace ?? 'default',
  };
}
