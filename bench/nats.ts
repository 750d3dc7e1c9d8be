// Round-trip cost of the actor service: a 10 KB propose request through NATS to a no-op policy,
// against the same policy called in-process. Prints one JSON line last with p50/p99 of both.
import { connect } from 'nats';
import { ActorClient } from '../actors/client';
import { startActorService } from '../actors/service';
import type { GeneratorPolicy, ProposeRequest } from '../actors/policies/types';
import type { Sandbox } from '../sandbox/api';
import { startNatsServer } from '../deploy/nats';
import { silentLogger } from '../lib/log';

const WARMUP = 300;
const SAMPLES = Number(process.env.BENCH_SAMPLES ?? 3000);

const noopPolicy: GeneratorPolicy = {
  name: 'bench-noop',
  propose: (request) =>
    Promise.resolve({
      policy: 'bench-noop',
      modelVersion: 'noop',
      prompt: [],
      reply: { raw: '', parsed: { ok: false, reason: 'empty', detail: `seed ${request.seed}` }, durationMs: 0 },
    }),
};

const noSandbox: Sandbox = {
  run: () => Promise.reject(new Error('unused')),
  runPair: () => Promise.reject(new Error('unused')),
  isolation: () => ({ rlimits: false, privateDirectory: false, network: 'none', filesystem: 'host', seccomp: false, runUid: 'shared', bubblewrap: false, userNamespaces: false, root: false, notes: [] }),
  close: () => Promise.resolve(),
};

function percentile(sorted: number[], p: number): number {
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index] ?? NaN;
}

function summarize(samples: number[]): { p50: number; p99: number } {
  const sorted = [...samples].sort((a, b) => a - b);
  const round = (x: number): number => Math.round(x * 1000) / 1000;
  return { p50: round(percentile(sorted, 50)), p99: round(percentile(sorted, 99)) };
}

async function main(): Promise<void> {
  // About 10 KB of program text.
  const line = '    total = total + compute_something(value, index) * 3 - offset  # keep going\n';
  const source = 'def f(xs):\n    total = 0\n' + line.repeat(Math.ceil(10_000 / line.length)) + '    return total\n';
  const task = { id: 'bench', description: 'benchmark task', source, entryPoint: 'f', exampleInputs: ['{"xs": [1, 2, 3]}'], origin: 'bench' };
  const request: ProposeRequest = { task, targetDifficulty: 5, seed: 1 };
  const requestBytes = Buffer.byteLength(JSON.stringify(request));

  const server = await startNatsServer({ ignoreEnv: process.env.NATS_URL === undefined });
  const serviceConnection = await connect({ servers: server.url });
  const clientConnection = await connect({ servers: server.url });
  const service = await startActorService({ nc: serviceConnection, actor: { role: 'generator', spec: 'bench-noop', policy: noopPolicy }, sandbox: noSandbox, concurrency: 64 });
  const client = new ActorClient(clientConnection);
  try {
    const context = { signal: new AbortController().signal, log: silentLogger, sandbox: noSandbox };
    const inProcess: number[] = [];
    const overNats: number[] = [];
    for (let i = 0; i < WARMUP + SAMPLES; i++) {
      let t = performance.now();
      await noopPolicy.propose({ ...request, seed: i }, context);
      const local = performance.now() - t;
      t = performance.now();
      await client.propose({ policy: 'bench-noop', ...request, seed: i }, { timeoutMs: 10_000 });
      const remote = performance.now() - t;
      if (i >= WARMUP) {
        inProcess.push(local);
        overNats.push(remote);
      }
    }
    const nats = summarize(overNats);
    const local = summarize(inProcess);
    const overheadP50 = Math.round((nats.p50 - local.p50) * 1000) / 1000;
    process.stdout.write(
      JSON.stringify({
        bench: 'nats',
        requestBytes,
        samples: SAMPLES,
        natsP50Ms: nats.p50,
        natsP99Ms: nats.p99,
        inProcessP50Ms: local.p50,
        inProcessP99Ms: local.p99,
        overheadP50Ms: overheadP50,
        targetOverheadP50Ms: 1,
        ratioP50: local.p50 > 0 ? Math.round((nats.p50 / local.p50) * 10) / 10 : null,
        meetsTarget: overheadP50 <= 1,
      }) + '\n',
    );
  } finally {
    client.close();
    await service.stop();
    await serviceConnection.drain();
    await clientConnection.drain();
    await server.stop();
  }
}

await main();
