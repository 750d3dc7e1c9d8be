// Opens the execution sandbox (sandbox/index.ts) for checks that run reference solutions. Loaded
// lazily so that loading and static checks never pay for starting Python workers.
import type { Sandbox } from '../sandbox/api';
import { TaskSetError } from './errors';

export interface OpenSandboxOptions {
  workers?: number;
  defaultTimeoutMs?: number;
  /** Run even where the host lacks network isolation (our own, trusted tasks in tests). */
  allowWeakIsolation?: boolean;
}

type CreateSandbox = (options?: OpenSandboxOptions) => Promise<Sandbox>;

export async function openSandbox(options: OpenSandboxOptions = {}): Promise<Sandbox> {
  let create: CreateSandbox;
  try {
    const mod = (await import(new URL('../sandbox/index.ts', import.meta.url).href)) as { createSandbox?: unknown };
    if (typeof mod.createSandbox !== 'function') throw new Error('sandbox/index.ts does not export createSandbox()');
    create = mod.createSandbox as CreateSandbox;
  } catch (err) {
    throw new TaskSetError('E_TASK_SANDBOX', `the sandbox is not available: ${(err as Error).message}`);
  }
  try {
    return await create(options);
  } catch (err) {
    throw new TaskSetError('E_TASK_SANDBOX', `cannot start the sandbox: ${(err as Error).message}`);
  }
}
