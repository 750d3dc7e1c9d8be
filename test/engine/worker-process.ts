// A worker in its own process, so that a test can kill -9 it:
// `tsx test/engine/worker-process.ts ADDRESS TASK_QUEUE [BUNDLE_PATH]` (bundles the workflows itself without a path).
// Prints "ready" on stdout once it polls.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { NativeConnection, Runtime, Worker } from '@temporalio/worker';
import * as activities from './activities';

const [address, taskQueue, bundlePath] = process.argv.slice(2);
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
  ...(bundlePath ? { workflowBundle: { codePath: bundlePath } } : { workflowsPath: path.join(here, 'workflows/conformance.ts') }),
  activities,
  // A dead worker's sticky queue is abandoned quickly, so the test need not wait the default 10 s.
  stickyQueueScheduleToStartTimeout: '1s',
});
process.stdout.write('ready\n');
await worker.run();
