// Throughput of the sandbox pool against one fresh python3 process per run, measured in the same
// run, and against a bare Python fork-and-exit loop (the floor a fork-per-run design can reach).
// Also the cost of redraws: verified plays per second with and without re-running diverging pairs.
// Prints one JSON line last: {"runs_per_s", "naive_runs_per_s", "ratio", "bare_fork_per_s", ...}.
import { spawn, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import { runWithRedraws } from '../activities/verify';
import { verifyPlay } from '../game/verify';
import { createSandbox, type Sandbox } from '../sandbox/index';
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

/** Forks per second of one Python process that forks a child which exits at once, and reaps it. */
function bareForkPerSecond(python: string, seconds: number): number {
  const script = [
    'import os, time',
    'n = 0',
    'end = time.monotonic() + ' + String(seconds),
    'start = time.monotonic()',
    'while time.monotonic() < end:',
    '    pid = os.fork()',
    '    if pid == 0:',
    '        os._exit(0)',
    '    os.waitpid(pid, 0)',
    '    n += 1',
    'print(n / (time.monotonic() - start))',
  ].join('\n');
  const result = spawnSync(python, ['-S', '-c', script], { encoding: 'utf8' });
  const rate = Number(result.stdout.trim());
  if (result.status !== 0 || !Number.isFinite(rate)) throw new Error(`bare fork loop failed: ${result.stderr}`);
  return rate;
}

/** Verified plays per second on a pair that diverges, each judged as an episode judges it. */
async function verifiedPerSecond(sandbox: Sandbox, redraws: number, ms: number): Promise<number> {
  const variant = 'def f(x):\n    return x + 2\n';
  const limitMs = 2000;
  let done = 0;
  let x = 0;
  const started = performance.now();
  const deadline = started + ms;
  const lane = async (): Promise<void> => {
    while (performance.now() < deadline) {
      const input = `{"x": ${x++}}`;
      const runs = await runWithRedraws(sandbox, { original: source, variant, entryPoint: 'f', input, timeoutMs: limitMs }, limitMs, redraws);
      const verdict = verifyPlay({ originalOutcome: runs.outcomes.original, variantOutcome: runs.outcomes.variant, limitMs, redraws: runs.redraws });
      if (!verdict.valid) throw new Error(`expected a valid play, got ${verdict.reason}: ${verdict.detail}`);
      done++;
    }
  };
  await Promise.all(Array.from({ length: 16 }, () => lane()));
  return done / ((performance.now() - started) / 1000);
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
    const bareForkPerS = bareForkPerSecond(python, durationMs / 1000);
    const ratio = runsPerS / naiveRunsPerS;

    // Redraw cost: the same diverging plays judged with the episode's redraws and without.
    await verifiedPerSecond(sandbox, 2, 300); // starts the redraw zygotes
    const verifiedPerS = await verifiedPerSecond(sandbox, 0, durationMs);
    const verifiedWithRedrawsPerS = await verifiedPerSecond(sandbox, 2, durationMs);

    process.stdout.write(
      JSON.stringify({
        bench: 'sandbox',
        runs: done,
        runs_per_s: Math.round(runsPerS),
        naive_runs: naiveRuns,
        naive_runs_per_s: Math.round(naiveRunsPerS * 10) / 10,
        ratio: Math.round(ratio * 10) / 10,
        // One Python process forking and reaping a child that exits at once, in a loop (one core).
        bare_fork_per_s: Math.round(bareForkPerS),
        runs_per_s_vs_bare_fork: Math.round((runsPerS / bareForkPerS) * 100) / 100,
        target_met: runsPerS >= 0.6 * bareForkPerS && ratio >= 10,
        // Plays verified per second on diverging pairs: one run pair, or one plus two redraws.
        verified_per_s: Math.round(verifiedPerS),
        verified_with_redraws_per_s: Math.round(verifiedWithRedrawsPerS),
        redraw_cost: Math.round((verifiedPerS / verifiedWithRedrawsPerS) * 100) / 100,
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
