// Engine benchmark: workflows of 3 activities and a zero-length timer with the journal on, and the
// start-to-result latency of a one-activity workflow. The same workload against an engine without a
// journal is the in-run baseline. Workflows are started eagerly by a client sharing the worker's
// connection; the same workload started by a separate grpc-js client (first task through a poll) is
// reported beside it. Prints one JSON line last.
import { readdirSync, readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client, Connection } from '@temporalio/client';
import { bundleWorkflowCode, NativeConnection, Runtime, Worker, type WorkerOptions, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import protoRoot from '@temporalio/proto';
import { startEngine } from '../deploy/engine';
import { nativeConnectionOptions } from '../lib/temporal-connection';
import { msDuration } from '../engine/proto';
import * as activities from '../test/engine/activities';

const here = path.dirname(fileURLToPath(import.meta.url));
const quiet = { log: () => {}, trace: () => {}, debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };
const WORKFLOWS = Number(process.env.BENCH_ENGINE_WORKFLOWS ?? 400);
const CONCURRENCY = Number(process.env.BENCH_ENGINE_CONCURRENCY ?? 100);
const LATENCY_RUNS = Number(process.env.BENCH_ENGINE_LATENCY_RUNS ?? 200);
/** Workflows run before each measured phase (JIT, caches, connections), so phases compare warm. */
const WARMUP = Number(process.env.BENCH_ENGINE_WARMUP ?? 100);
/** Extra `Worker.create` options as JSON, to compare worker configurations by CPU per workflow. */
const EXTRA_WORKER_OPTIONS = JSON.parse(process.env.BENCH_ENGINE_WORKER_OPTIONS ?? '{}') as Partial<WorkerOptions>;

interface Throughput {
  workflows_per_s: number;
  /** CPU of the phase per workflow: the engine process, and this process (SDK worker + client). */
  engine_cpu_ms_per_workflow: number;
  worker_client_cpu_ms_per_workflow: number;
}

interface Measurement extends Throughput {
  activities_per_s: number;
  p50_ms: number;
  p99_ms: number;
  /** The same workload started by a plain gRPC client, each first workflow task matched through a poll. */
  polled_start: Throughput;
}
/** CPU seconds (user + system) from a /proc stat line. */
function statCpuSeconds(stat: string): number {
  const fields = stat.slice(stat.lastIndexOf(') ') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** CPU seconds (user + system) the engine process has used, from /proc. */
function engineCpuSeconds(pid: number): number {
  try {
    return statCpuSeconds(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return NaN;
  }
}

/** CPU seconds of this process (all threads: JS main thread, workflow threads, the SDK's native core). */
function ownCpuSeconds(): number {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1e6;
}

/** CPU seconds per thread name of this process, to see where the worker's time goes. */
function threadCpuSeconds(): Map<string, number> {
  const byName = new Map<string, number>();
  try {
    for (const tid of readdirSync('/proc/self/task')) {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')) + (process.env.BENCH_ENGINE_BY_TID ? `#${tid}` : '');
      byName.set(name, (byName.get(name) ?? 0) + statCpuSeconds(stat));
    }
  } catch {
    // not Linux: no breakdown
  }
  return byName;
}

function threadCpuDelta(before: Map<string, number>, after: Map<string, number>, workflows: number): Record<string, number> {
  const perWorkflow: Record<string, number> = {};
  for (const [name, seconds] of after) {
    const ms = ((seconds - (before.get(name) ?? 0)) * 1000) / workflows;
    if (ms >= 0.05) perWorkflow[name] = Math.round(ms * 100) / 100;
  }
  return perWorkflow;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/** With SINQ_ENGINE_COUNT_RPCS=1 the engine logs its per-method call counts when stopped. */
const engineLog = (label: string) => (line: string): void => {
  if (line.includes('"rpc_counts"')) process.stderr.write(`${label}: ${line}\n`);
};

/**
 * How workflows are started. `eager`: the client shares the worker's native connection and asks for eager
 * start, so the first workflow task comes back in the start response (what a starter co-located with its
 * worker does). `polled`: a separate grpc-js client; the first task is matched through a worker poll.
 */
type StartMode = 'eager' | 'polled';

async function measure(dataDir: string | null, bundle: WorkflowBundleWithSourceMap, label: string, polledToo: boolean): Promise<Measurement> {
  const engine = await startEngine({ dataDir, onLog: engineLog(label) });
  const connection = await Connection.connect({ address: engine.address });
  // The product's own worker settings for a loopback engine (no gzip on a local connection).
  const native = await NativeConnection.connect(nativeConnectionOptions(engine.address));
  const clients: Record<StartMode, Client> = { eager: new Client({ connection: native }), polled: new Client({ connection }) };
  const taskQueue = `bench-${label}`;
  const worker = await Worker.create({
    connection: native,
    taskQueue,
    workflowBundle: bundle,
    activities,
    shutdownGraceTime: '1s',
    maxConcurrentWorkflowTaskExecutions: 100,
    maxConcurrentActivityTaskExecutions: 200,
    ...EXTRA_WORKER_OPTIONS,
  });
  const startOptions = (mode: StartMode, workflowId: string, arg: string) => ({
    taskQueue,
    workflowId,
    args: [arg],
    ...(mode === 'eager' ? { requestEagerStart: true } : {}),
  });
  const throughput = async (mode: StartMode): Promise<Throughput> => {
    const client = clients[mode];
    await Promise.all(Array.from({ length: WARMUP }, (_, i) => client.workflow.execute('threeActivities', startOptions(mode, `${label}-${mode}-warm-${i}`, 'w'))));
    let next = 0;
    const engineCpu0 = engineCpuSeconds(engine.pid);
    const ownCpu0 = ownCpuSeconds();
    const threads0 = threadCpuSeconds();
    const started = performance.now();
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < WORKFLOWS) {
          const i = next++;
          await client.workflow.execute('threeActivities', startOptions(mode, `${label}-${mode}-tp-${i}`, `n${i}`));
        }
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    process.stderr.write(`${label} (${mode} start): cpu ms per workflow by thread ${JSON.stringify(threadCpuDelta(threads0, threadCpuSeconds(), WORKFLOWS))}\n`);
    return {
      workflows_per_s: WORKFLOWS / seconds,
      engine_cpu_ms_per_workflow: ((engineCpuSeconds(engine.pid) - engineCpu0) * 1000) / WORKFLOWS,
      worker_client_cpu_ms_per_workflow: ((ownCpuSeconds() - ownCpu0) * 1000) / WORKFLOWS,
    };
  };
  try {
    return await worker.runUntil(async () => {
      const polled = polledToo ? await throughput('polled') : { workflows_per_s: NaN, engine_cpu_ms_per_workflow: NaN, worker_client_cpu_ms_per_workflow: NaN };
      const eager = await throughput('eager');
      const latencies: number[] = [];
      for (let i = 0; i < LATENCY_RUNS; i++) {
        const t0 = performance.now();
        await clients.eager.workflow.execute('oneActivity', startOptions('eager', `${label}-lat-${i}`, 'l'));
        latencies.push(performance.now() - t0);
      }
      latencies.sort((a, b) => a - b);
      return {
        ...eager,
        activities_per_s: eager.workflows_per_s * 3,
        p50_ms: percentile(latencies, 50),
        p99_ms: percentile(latencies, 99),
        polled_start: polled,
      };
    });
  } finally {
    process.stderr.write(`${label}: engine cpu ${engineCpuSeconds(engine.pid).toFixed(1)} s, bench process cpu ${(process.cpuUsage().user / 1e6).toFixed(1)} s\n`);
    await connection.close();
    await native.close();
    await engine.stop();
  }
}

const { CommandType } = protoRoot.temporal.api.enums.v1;

/**
 * The engine alone, without the SDK's worker: raw RPCs play a worker that schedules 3 activities and a
 * zero-length timer per workflow, like `threeActivities`. Shows how much of the cost is the engine's.
 */
async function measureEngineOnly(dataDir: string | null): Promise<{ workflows_per_s: number; engine_cpu_ms_per_workflow: number }> {
  const engine = await startEngine({ dataDir });
  const connection = await Connection.connect({ address: engine.address });
  const service = connection.workflowService;
  const ns = 'default';
  const tq = 'raw';
  const total = Math.max(100, Math.floor(WORKFLOWS / 2));
  const completeWft = async (commands: object[]): Promise<void> => {
    const task = await service.pollWorkflowTaskQueue({ namespace: ns, taskQueue: { name: tq }, identity: 'raw' });
    await service.respondWorkflowTaskCompleted({ namespace: ns, taskToken: task.taskToken, commands });
  };
  const runActivity = async (): Promise<void> => {
    const task = await service.pollActivityTaskQueue({ namespace: ns, taskQueue: { name: tq }, identity: 'raw' });
    await service.respondActivityTaskCompleted({ namespace: ns, taskToken: task.taskToken, result: { payloads: [] } });
  };
  const activity = (id: string) => ({
    commandType: CommandType.COMMAND_TYPE_SCHEDULE_ACTIVITY_TASK,
    scheduleActivityTaskCommandAttributes: { activityId: id, activityType: { name: 'greet' }, taskQueue: { name: tq }, startToCloseTimeout: msDuration(10_000) },
  });
  try {
    const cpu0 = engineCpuSeconds(engine.pid);
    const started = performance.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: 20 }, async () => {
        while (next < total) {
          const i = next++;
          await service.startWorkflowExecution({ namespace: ns, workflowId: `raw-${i}`, workflowType: { name: 'raw' }, taskQueue: { name: tq }, requestId: `raw-${i}` });
          // Tasks are taken from shared queues: each loop drives some workflow through the same steps.
          await completeWft([activity('1')]);
          await runActivity();
          await completeWft([activity('2')]);
          await runActivity();
          await completeWft([{ commandType: CommandType.COMMAND_TYPE_START_TIMER, startTimerCommandAttributes: { timerId: 't', startToFireTimeout: msDuration(0) } }]);
          await completeWft([activity('3')]);
          await runActivity();
          await completeWft([{ commandType: CommandType.COMMAND_TYPE_COMPLETE_WORKFLOW_EXECUTION, completeWorkflowExecutionCommandAttributes: {} }]);
        }
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    return { workflows_per_s: total / seconds, engine_cpu_ms_per_workflow: ((engineCpuSeconds(engine.pid) - cpu0) * 1000) / total };
  } finally {
    await connection.close();
    await engine.stop();
  }
}

const round = (n: number): number => Math.round(n * 100) / 100;

async function main(): Promise<void> {
  Runtime.install({ logger: quiet as never });
  const bundle = await bundleWorkflowCode({ workflowsPath: path.join(here, '../test/engine/workflows/conformance.ts'), logger: quiet as never });
  const dataDir = await mkdtemp(path.join(tmpdir(), 'sinq-bench-engine-'));
  try {
    const baseline = await measure(null, bundle, 'memory', false);
    process.stderr.write(`baseline (no journal): ${JSON.stringify(baseline)}\n`);
    const journaled = await measure(dataDir, bundle, 'journal', true);
    const rawDir = await mkdtemp(path.join(tmpdir(), 'sinq-bench-engine-raw-'));
    const engineOnly = await measureEngineOnly(rawDir).finally(() => rm(rawDir, { recursive: true, force: true }));
    process.stderr.write(`engine only (raw RPCs, journal on): ${JSON.stringify(engineOnly)}\n`);
    const line = {
      bench: 'engine',
      workflows: WORKFLOWS,
      concurrency: CONCURRENCY,
      start: 'eager (client on the worker connection)',
      workflows_per_s: round(journaled.workflows_per_s),
      activities_per_s: round(journaled.activities_per_s),
      p50_ms: round(journaled.p50_ms),
      p99_ms: round(journaled.p99_ms),
      baseline_workflows_per_s: round(baseline.workflows_per_s),
      baseline_p50_ms: round(baseline.p50_ms),
      workflows_per_s_vs_baseline: round(journaled.workflows_per_s / baseline.workflows_per_s),
      p50_vs_baseline: round(journaled.p50_ms / baseline.p50_ms),
      engine_cpu_ms_per_workflow: round(journaled.engine_cpu_ms_per_workflow),
      worker_client_cpu_ms_per_workflow: round(journaled.worker_client_cpu_ms_per_workflow),
      baseline_engine_cpu_ms_per_workflow: round(baseline.engine_cpu_ms_per_workflow),
      baseline_worker_client_cpu_ms_per_workflow: round(baseline.worker_client_cpu_ms_per_workflow),
      polled_start_workflows_per_s: round(journaled.polled_start.workflows_per_s),
      polled_start_engine_cpu_ms_per_workflow: round(journaled.polled_start.engine_cpu_ms_per_workflow),
      polled_start_worker_client_cpu_ms_per_workflow: round(journaled.polled_start.worker_client_cpu_ms_per_workflow),
      engine_only_workflows_per_s: round(engineOnly.workflows_per_s),
      engine_only_cpu_ms_per_workflow: round(engineOnly.engine_cpu_ms_per_workflow),
      load_average_1m: round(loadavg()[0]!),
      target_met: journaled.workflows_per_s >= 100 && journaled.p50_ms <= 30,
    };
    process.stdout.write(JSON.stringify(line) + '\n');
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
}

await main();
