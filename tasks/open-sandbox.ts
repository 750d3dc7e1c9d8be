// Opens the execution sandbox for checks that run reference solutions. Imported lazily so that
// loading and static checks never load or start the Python workers.
import type { Sandbox } from '../sandbox/api';
import type { SandboxOptions } from '../sandbox/index';
import { TaskSetError } from './errors';

export type OpenSandboxOptions = Pick<SandboxOptions, 'workers' | 'defaultTimeoutMs' | 'allowWeakIsolation' | 'logger'>;

export async function openSandbox(options: OpenSandboxOptions = {}): Promise<Sandbox> {
  const { createSandbox } = await import('../sandbox/index');
  try {
    return await createSandbox(options);
  } catch (err) {
    throw new TaskSetError('E_TASK_SANDBOX', `cannot start the sandbox: ${(err as Error).message}`);
  }
}
