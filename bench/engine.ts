// Engine benchmark: workflows of 3 activities and a zero-length timer with the journal on, and the
// start-to-result latency of a one-activity workflow. The same workload against an engine without a
// journal is the in-run baseline. Workflows are started eagerly by a client sharing the worker's
// connection; the same workload started by a separate grpc-js client (first task through a poll) is
// reported beside it. Each measured phase runs in a fresh process. Prints one JSON line last.
import { readdirSync, readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { spawn } from 'node:child_process';
import { parseArgs } from 'node:util';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client, Connection } from '@temporalio/client';
import { bundleWorkflowCode, NativeConnection, Runtime, Worker, type WorkerOptions, type WorkflowBundleOption } from '@temporalio/worker';
import protoRoot from '@temporalio/proto';
import { startEngine } from '../deploy/engine';
import { startDevServer } from '../deploy/temporal-dev';
import { findTemporalCli } from '../deploy/temporal-mode';
import { silentLogger } from '../lib/log';
import { nativeConnectionOptions } from '../lib/temporal-connection';
import { msDuration } from '../engine/proto';
import * as activities from '../test/engine/activities';

const here = path.dirname(fileURLToPath(import.meta.url));
const quiet = { log: () => {}, trace: () => {}, debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };
const WORKFLOWS = Number(process.env.BENCH_ENGINE_WORKFLOWS ?? 1000);
const CONCURRENCY = Number(process.env.BENCH_ENGINE_CONCURRENCY ?? 100);
const LATENCY_RUNS = Number(process.env.BENCH_ENGINE_LATENCY_RUNS ?? 200);
/** Workflows run before each measured phase: the SDK worker needs a few hundred before its JIT-compiled paths settle (steady state). */
const WARMUP = Number(process.env.BENCH_ENGINE_WARMUP ?? 500);
/** Extra `Worker.create` options as JSON, to compare worker configurations by CPU per workflow. */
const EXTRA_WORKER_OPTIONS = JSON.parse(process.env.BENCH_ENGINE_WORKER_OPTIONS ?? '{}') as Partial<WorkerOptions>;

/**
 * How workflows are started. `eager`: the client shares the worker's native connection and asks for eager
 * start, so the first workflow task comes back in the start response (what a starter co-located with its
 * worker does). `polled`: a separate grpc-js client; the first task is matched through a worker poll.
 */
type StartMode = 'eager' | 'polled';

interface Measurement {
  workflows_per_s: number;
  activities_per_s: number;
  p50_ms: number;
  p99_ms: number;
  /** CPU of the throughput phase per workflow: the engine process, and the phase's process (SDK worker + client). */
  engine_cpu_ms_per_workflow: number;
  worker_client_cpu_ms_per_workflow: number;
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
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
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

type ServerKind = 'engine' | 'dev-server';

/** The server of a phase: the engine, or the real Temporal dev server (on its own SQLite file in `dataDir`). */
async function startServer(kind: ServerKind, dataDir: string | null, label: string): Promise<{ address: string; pid: number; stop(): Promise<void> }> {
  if (kind === 'engine') return startEngine({ dataDir, onLog: engineLog(label) });
  const cli = findTemporalCli(process.env);
  if (!cli) throw new Error('the dev-server phase needs the temporal CLI: run bash deploy/setup.sh (or set TEMPORAL_CLI_PATH)');
  if (dataDir === null) throw new Error('the dev server needs a data directory');
  return startDevServer({ cliPath: cli.path, dir: dataDir, ui: false, log: silentLogger });
}

/** One phase: a fresh server (the engine with journal on or off, or the dev server), a worker, and workflows started in one `mode`. */
async function measure(dataDir: string | null, bundle: WorkflowBundleOption, label: string, mode: StartMode, server: ServerKind = 'engine'): Promise<Measurement> {
  const engine = await startServer(server, dataDir, label);
  const connection = await Connection.connect({ address: engine.address });
  // The product's own worker settings for a loopback engine (no gzip on a local connection).
  const native = await NativeConnection.connect(nativeConnectionOptions(engine.address));
  const client = new Client({ connection: mode === 'eager' ? native : connection });
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
  const startOptions = (workflowId: string, arg: string) => ({
    taskQueue,
    workflowId,
    args: [arg],
    ...(mode === 'eager' ? { requestEagerStart: true } : {}),
  });
  try {
    return await worker.runUntil(async () => {
      await Promise.all(Array.from({ length: WARMUP }, (_, i) => client.workflow.execute('threeActivities', startOptions(`${label}-warm-${i}`, 'w'))));
      let next = 0;
      const engineCpu0 = engineCpuSeconds(engine.pid);
      const ownCpu0 = ownCpuSeconds();
      const threads0 = threadCpuSeconds();
      const started = performance.now();
      await Promise.all(
        Array.from({ length: CONCURRENCY }, async () => {
          while (next < WORKFLOWS) {
            const i = next++;
            await client.workflow.execute('threeActivities', startOptions(`${label}-tp-${i}`, `n${i}`));
          }
        }),
      );
      const seconds = (performance.now() - started) / 1000;
      const engineCpuMs = ((engineCpuSeconds(engine.pid) - engineCpu0) * 1000) / WORKFLOWS;
      const ownCpuMs = ((ownCpuSeconds() - ownCpu0) * 1000) / WORKFLOWS;
      process.stderr.write(`${label}: cpu ms per workflow by thread ${JSON.stringify(threadCpuDelta(threads0, threadCpuSeconds(), WORKFLOWS))}\n`);
      const latencies: number[] = [];
      for (let i = 0; i < LATENCY_RUNS; i++) {
        const t0 = performance.now();
        await client.workflow.execute('oneActivity', startOptions(`${label}-lat-${i}`, 'l'));
        latencies.push(performance.now() - t0);
      }
      latencies.sort((a, b) => a - b);
      return {
        workflows_per_s: WORKFLOWS / seconds,
        activities_per_s: (WORKFLOWS * 3) / seconds,
        p50_ms: percentile(latencies, 50),
        p99_ms: percentile(latencies, 99),
        engine_cpu_ms_per_workflow: engineCpuMs,
        worker_client_cpu_ms_per_workflow: ownCpuMs,
      };
    });
  } finally {
    await connection.close();
    await native.close();
    await engine.stop();
  }
}

const phases = {
  'memory-eager': { journal: false, mode: 'eager' },
  'journal-eager': { journal: true, mode: 'eager' },
  'journal-polled': { journal: true, mode: 'polled' },
  'dev-server': { journal: true, mode: 'eager', server: 'dev-server' },
} as const satisfies Record<string, { journal: boolean; mode: StartMode; server?: ServerKind }>;
type PhaseName = keyof typeof phases;

/** Runs one phase in this process and prints its measurement as the last stdout line. */
async function runPhase(name: PhaseName, codePath: string): Promise<void> {
  Runtime.install({ logger: quiet as never });
  const phase: { journal: boolean; mode: StartMode; server?: ServerKind } = phases[name];
  const dataDir = phase.journal ? await mkdtemp(path.join(tmpdir(), 'sinq-bench-engine-')) : null;
  try {
    const m = await measure(dataDir, { codePath }, name, phase.mode, phase.server ?? 'engine');
    process.stdout.write(JSON.stringify(m) + '\n');
  } finally {
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  }
}

/**
 * Each phase runs in a process of its own, so that no phase inherits another's JIT warmth or heap and
 * the order of phases does not matter.
 */
function phaseInChild(name: PhaseName, codePath: string): Promise<Measurement> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), '--phase', name, '--bundle', codePath], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.once('error', reject);
    child.once('exit', (code) => {
      const last = out.trim().split('\n').pop() ?? '';
      if (code !== 0 || !last.startsWith('{')) reject(new Error(`phase ${name} exited with ${String(code)}`));
      else resolve(JSON.parse(last) as Measurement);
    });
  });
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
  const bundleDir = await mkdtemp(path.join(tmpdir(), 'sinq-bench-engine-bundle-'));
  const codePath = path.join(bundleDir, 'workflows.js');
  await writeFile(codePath, bundle.code);
  try {
    const baseline = await phaseInChild('memory-eager', codePath);
    process.stderr.write(`baseline (no journal): ${JSON.stringify(baseline)}\n`);
    const journaled = await phaseInChild('journal-eager', codePath);
    process.stderr.write(`journal: ${JSON.stringify(journaled)}\n`);
    const polled = await phaseInChild('journal-polled', codePath);
    process.stderr.write(`journal, polled start: ${JSON.stringify(polled)}\n`);
    const rawDir = await mkdtemp(path.join(tmpdir(), 'sinq-bench-engine-raw-'));
    const engineOnly = await measureEngineOnly(rawDir).finally(() => rm(rawDir, { recursive: true, force: true }));
    process.stderr.write(`engine only (raw RPCs, journal on): ${JSON.stringify(engineOnly)}\n`);
    // The real Temporal server, same workload and worker: the dev server of the pinned temporal CLI.
    const dev = await phaseInChild('dev-server', codePath);
    process.stderr.write(`temporal dev server: ${JSON.stringify(dev)}\n`);
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
      polled_start_workflows_per_s: round(polled.workflows_per_s),
      polled_start_p50_ms: round(polled.p50_ms),
      polled_start_engine_cpu_ms_per_workflow: round(polled.engine_cpu_ms_per_workflow),
      polled_start_worker_client_cpu_ms_per_workflow: round(polled.worker_client_cpu_ms_per_workflow),
      engine_only_workflows_per_s: round(engineOnly.workflows_per_s),
      engine_only_cpu_ms_per_workflow: round(engineOnly.engine_cpu_ms_per_workflow),
      dev_server_workflows_per_s: round(dev.workflows_per_s),
      dev_server_p50_ms: round(dev.p50_ms),
      dev_server_p99_ms: round(dev.p99_ms),
      dev_server_cpu_ms_per_workflow: round(dev.engine_cpu_ms_per_workflow),
      dev_server_worker_client_cpu_ms_per_workflow: round(dev.worker_client_cpu_ms_per_workflow),
      workflows_per_s_vs_dev_server: round(journaled.workflows_per_s / dev.workflows_per_s),
      p50_vs_dev_server: round(journaled.p50_ms / dev.p50_ms),
      load_average_1m: round(loadavg()[0]!),
      target_met: journaled.workflows_per_s >= 100 && journaled.p50_ms <= 30,
      dev_server_target_met: journaled.workflows_per_s >= 2 * dev.workflows_per_s && journaled.p50_ms <= dev.p50_ms,
    };
    process.stdout.write(JSON.stringify(line) + '\n');
  } finally {
    await rm(bundleDir, { recursive: true, force: true });
  }
}

const { values: cli } = parseArgs({ options: { phase: { type: 'string' }, bundle: { type: 'string' } } });
if (cli.phase !== undefined) {
  if (!(cli.phase in phases) || !cli.bundle) throw new Error(`unknown phase ${cli.phase} or no --bundle`);
  await runPhase(cli.phase as PhaseName, cli.bundle);
} else {
  await main();
}
