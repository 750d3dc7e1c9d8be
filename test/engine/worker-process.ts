// A worker in its own process, so that a test can kill -9 it: `tsx test/engine/worker-process.ts ADDRESS TASK_QUEUE`.
// Prints "ready" on stdout once it polls.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { NativeConnection, Runtime, Worker } from '@temporalio/worker';
import * as activities from './activities';

const [address, taskQueue] = process.argv.slice(2);
if (!address || !taskQueue) {
  process.stderr.write('usage: worker-process.ts ADDRESS TASK_QUEUE\n');
  process.exit(2);
}
const quiet = { log: () => {}, trace: () => {}, debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };
Runtime.install({ logger: quiet as never });
const here = path.dirname(fileURLToPath(import.meta.url));
const connection = await NativeConnection.connect({ address });
const worker = await Worker.create({
  connection,
  taskQueue,
  workflowsPath: path.join(here, 'workflows/conformance.ts'),
  activities,
  bundlerOptions: { logger: quiet as never },
});
process.stdout.write('ready\n');
await worker.run();
