// Throughput of the sandbox pool against one fresh python3 process per run, measured in the same
// run. Prints one JSON line last: {"runs_per_s", "naive_runs_per_s", "ratio", ...}.
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import { createSandbox } from '../sandbox/index';
import { resolvePython } from '../sandbox/isolation';

const source = 'def f(x):\n    return x + 1\n';
const durationMs = Number(process.env.BENCH_SANDBOX_MS ?? 3000);
const naiveRuns = Number(process.env.BENCH_SANDBOX_NAIVE_RUNS ?? 50);

/** One fresh interpreter per run doing the same work: parse the input, call, print the value. */
function naiveRun(python: string, x: number): Promise<void> {
  const script = `import ast\n${source}kwargs = ast.literal_eval('{"x": ${x}}')\nprint(repr(f(**kwargs)))\n`;
  return new Promise((resolve, reject) => {
    const child = spawn(python, ['-c', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 && out.trim() === String(x + 1) ? resolve() : reject(new Error(`naive run failed: ${code} ${out}`))));
  });
}

const ticksPerSecond = 100; // USER_HZ on Linux

/** CPU seconds used so far by this process and every descendant (reaped runs count via cutime). */
function treeCpuSeconds(): number {
  const parents = new Map<string, string>();
  const cpu = new Map<string, number>();
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
      parents.set(pid, fields[1]!);
      cpu.set(pid, (Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14])) / ticksPerSecond);
    } catch {
      // gone meanwhile
    }
  }
  const tree = [String(process.pid)];
  for (let i = 0; i < tree.length; i++) for (const [pid, parent] of parents) if (parent === tree[i]) tree.push(pid);
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1e6 + tree.slice(1).reduce((sum, pid) => sum + (cpu.get(pid) ?? 0), 0);
}

async function main(): Promise<void> {
  // Throughput setting: more runs in flight per zygote let it fork them in batches.
  const sandbox = await createSandbox({ maxInFlightPerWorker: Number(process.env.BENCH_SANDBOX_IN_FLIGHT_PER_WORKER ?? 8) });
  const workers = sandbox.isolation();
  try {
    const inFlight = 32;
    let next = 0;
    const check = async (): Promise<void> => {
      const x = next++;
      const outcome = await sandbox.run({ source, entryPoint: 'f', input: `{"x": ${x}}` });
      if (outcome.kind !== 'returned' || outcome.value.t !== 'int' || outcome.value.v !== String(x + 1)) {
        throw new Error(`wrong outcome for x=${x}: ${JSON.stringify(outcome)}`);
      }
    };
    // Warm up.
    await Promise.all(Array.from({ length: 200 }, () => check()));
    let done = 0;
    const cpuBefore = treeCpuSeconds();
    const nodeCpuBefore = process.cpuUsage();
    const started = performance.now();
    const deadline = started + durationMs;
    const lane = async (): Promise<void> => {
      while (performance.now() < deadline) {
        await check();
        done++;
      }
    };
    await Promise.all(Array.from({ length: inFlight }, () => lane()));
    const runsPerS = done / ((performance.now() - started) / 1000);
    const cpuMsPerRun = ((treeCpuSeconds() - cpuBefore) * 1000) / done;
    const nodeCpu = process.cpuUsage(nodeCpuBefore);
    const nodeCpuMsPerRun = (nodeCpu.user + nodeCpu.system) / 1000 / done;

    // The interpreter itself, not a shim in front of it (pyenv's would make naive look slower).
    const python = resolvePython(process.env.SINQ_PYTHON ?? 'python3').executable;
    const naiveStarted = performance.now();
    for (let i = 0; i < naiveRuns; i++) await naiveRun(python, i);
    const naiveRunsPerS = naiveRuns / ((performance.now() - naiveStarted) / 1000);

    process.stdout.write(
      JSON.stringify({
        bench: 'sandbox',
        runs: done,
        runs_per_s: Math.round(runsPerS),
        naive_runs: naiveRuns,
        naive_runs_per_s: Math.round(naiveRunsPerS * 10) / 10,
        ratio: Math.round((runsPerS / naiveRunsPerS) * 10) / 10,
        in_flight: inFlight,
        in_flight_per_worker: Number(process.env.BENCH_SANDBOX_IN_FLIGHT_PER_WORKER ?? 8),
        // CPU per run (Node + zygotes + runs) and the rate it allows on this machine's cores when idle.
        cpu_ms_per_run: Math.round(cpuMsPerRun * 1000) / 1000,
        node_cpu_ms_per_run: Math.round(nodeCpuMsPerRun * 1000) / 1000,
        cpu_bound_runs_per_s: Math.round((os.availableParallelism() * 1000) / cpuMsPerRun),
        load_avg_1m: Math.round(os.loadavg()[0]! * 10) / 10,
        isolation: workers.network,
      }) + '\n',
    );
  } finally {
    await sandbox.close();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench sandbox failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exitCode = 1;
});
