// `sinq actor` as separate processes: ready line, load shared across processes, a SIGKILLed
// process loses no request, SIGTERM stops cleanly, bad flags and unreachable models fail clearly.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, type NatsConnection } from 'nats';
import { startNatsServer, type NatsServerHandle } from '../../deploy/nats';
import { ActorClient } from '../../actors/client';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const sinq = path.join(repoRoot, 'bin/sinq.js');

const task = {
  id: 'sinq/sign',
  description: 'Sign of a number.',
  source: 'def sign(n):\n    if n > 0:\n        return 1\n    if n < 0:\n        return -1\n    return 0\n',
  entryPoint: 'sign',
  exampleInputs: ['{"n": 3}', '{"n": -2}', '{"n": 0}'],
  origin: 'sinq',
};

interface ActorProcess {
  child: ChildProcess;
  ready: Promise<Record<string, unknown>>;
  lines: string[];
  stderr: () => string;
  exit: Promise<number | null>;
}

function startActorProcess(args: string[], env: Record<string, string> = {}): ActorProcess {
  const child = spawn(process.execPath, [sinq, 'actor', ...args], {
    cwd: repoRoot,
    env: { ...process.env, SINQ_LOG_FORMAT: 'json', SINQ_LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  let stderr = '';
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (chunk: string) => (stderr += chunk));
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const ready = new Promise<Record<string, unknown>>((resolve, reject) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      lines.push(line);
      const event = JSON.parse(line) as Record<string, unknown>;
      if (event.event === 'ready') resolve(event);
    });
    void exit.then((code) => reject(new Error(`actor exited with ${code} before ready: ${stderr}`)));
  });
  ready.catch(() => undefined);
  return { child, ready, lines, stderr: () => stderr, exit };
}

describe('sinq actor command', () => {
  let server: NatsServerHandle;
  let nc: NatsConnection;
  const processes: ActorProcess[] = [];

  beforeAll(async () => {
    server = await startNatsServer({ ignoreEnv: true });
    nc = await connect({ servers: server.url });
  });
  afterAll(async () => {
    for (const p of processes) if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
    await Promise.all(processes.map((p) => p.exit));
    await nc?.close();
    await server?.stop();
  });

  it('serves from two processes, survives one being killed mid-run, and stops on SIGTERM', async () => {
    const first = startActorProcess(['generator', '--policy', 'mutation', '--replicas', '2', '--nats', server.url]);
    const second = startActorProcess(['generator', '--replicas', '1'], { NATS_URL: server.url });
    processes.push(first, second);
    const [readyA, readyB] = await Promise.all([first.ready, second.ready]);
    expect(readyA).toMatchObject({ event: 'ready', role: 'generator', policy: 'mutation', replicas: 2 });
    expect(readyB).toMatchObject({ event: 'ready', policy: 'mutation', replicas: 1, natsUrl: server.url });

    const client = new ActorClient(nc, { heartbeatMs: 250, silenceMs: 3_000, retry: { initialDelayMs: 50 } });
    try {
      const calls = Array.from({ length: 4 }, (_, seed) => client.propose({ policy: 'mutation', task, targetDifficulty: 4, seed }, { timeoutMs: 150_000 }));
      // Kill the two-replica process as soon as it has answered something, while the rest is in flight.
      const firstIds = new Set(readyA.serviceIds as string[]);
      const killed = Promise.race(calls.map((c) => c.then((r) => r.actor.serviceId))).then(() => first.child.kill('SIGKILL'));
      const results = await Promise.all(calls);
      await killed;
      expect(results.every((r) => r.reply.parsed.ok)).toBe(true);
      expect(await first.exit).toBeNull();
      // Anything after the kill is answered by the survivor.
      const after = await client.propose({ policy: 'mutation', task, targetDifficulty: 4, seed: 100 }, { timeoutMs: 150_000 });
      expect(firstIds.has(after.actor.serviceId)).toBe(false);
    } finally {
      client.close();
    }

    second.child.kill('SIGTERM');
    expect(await second.exit).toBe(0);
    expect(second.lines.at(-1)).toContain('"event":"stopped"');
  }, 240_000);

  it('refuses unknown policies and reports an unreachable Ollama clearly', async () => {
    const unknown = startActorProcess(['evaluator', '--policy', 'telepathy', '--nats', server.url]);
    processes.push(unknown);
    expect(await unknown.exit).toBe(2);
    expect(unknown.stderr()).toContain("unknown evaluator policy 'telepathy'");

    const noOllama = startActorProcess(['evaluator', '--policy', 'ollama:qwen2.5-coder:7b', '--nats', server.url], { OLLAMA_HOST: 'http://127.0.0.1:9' });
    processes.push(noOllama);
    expect(await noOllama.exit).toBe(1);
    expect(noOllama.stderr()).toContain('Ollama is not reachable at OLLAMA_HOST=http://127.0.0.1:9');
  });
});
