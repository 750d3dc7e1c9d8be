// The LLM path through the real pieces: a real Ollama built by deploy/setup-ollama.sh, a tiny
// random Llama made here (no weights are downloaded), sinq's Ollama players in real campaigns, the
// real train.py in the pinned trainer virtualenv, and the adapter registered in the real Ollama.
// Run by `npm run test:real`, which installs what it needs first.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installedOllamaBinary, startOllamaServer, type OllamaServerHandle } from '../deploy/ollama-server';
import { validateAdapterOutput } from '../training/adapter';
import { registerAdapterModel } from '../training/ollama-register';

const repoRoot = path.resolve(import.meta.dirname, '..');
const sinqBin = path.join(repoRoot, 'bin/sinq.js');
const work = path.join(repoRoot, '.sinq/test-real');
const trainerPython = path.join(repoRoot, '.sinq/tools/trainer-venv/bin/python');
const TINY = 'sinq-tiny';
const PLAYER = 'sinq-tiny-player';

interface ExportedEpisode {
  round: number;
  outcome: string;
  reason: { code: string; detail: string } | null;
  proposal?: { policy: string; modelVersion: string; prompt: Array<{ role: string; content: string }>; reply: { raw: string } } | null;
  versions: { generator: { model: string }; evaluator: { model: string } };
}

function readEpisodes(dir: string): ExportedEpisode[] {
  const campaigns = path.join(dir, 'campaigns');
  const [id] = readdirSync(campaigns);
  if (id === undefined) throw new Error(`no campaign under ${campaigns}`);
  const file = path.join(campaigns, id, 'exports', `${id}.episodes.jsonl`);
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as ExportedEpisode);
}

function runCampaign(dir: string, configFile: string, lines: string[], env: NodeJS.ProcessEnv, timeoutMs = 900_000): void {
  writeFileSync(configFile, lines.join('\n') + '\n');
  const run = spawnSync(process.execPath, [sinqBin, 'campaign', 'run', '--config', configFile, '--dir', dir, '--temporal', 'embedded'], {
    cwd: repoRoot,
    env,
    encoding: 'utf8',
    timeout: timeoutMs,
  });
  if (run.status !== 0) throw new Error(`sinq campaign run ${configFile} exited ${String(run.status)}: ${run.stderr.slice(-3000)}`);
}

function campaignId(dir: string): string {
  const [id] = readdirSync(path.join(dir, 'campaigns'));
  if (id === undefined) throw new Error(`no campaign under ${dir}`);
  return id;
}

describe('the LLM loop through a real Ollama, a tiny model and the real trainer', () => {
  let ollama: OllamaServerHandle;
  let hfDir: string;

  const env = (): NodeJS.ProcessEnv => {
    const { TEMPORAL_ADDRESS: _a, NATS_URL: _n, SINQ_TEMPORAL_MODE: _m, ...rest } = process.env;
    return { ...rest, OLLAMA_HOST: ollama.url, SINQ_LOG_LEVEL: 'warn' };
  };

  beforeAll(async () => {
    const bin = installedOllamaBinary(repoRoot);
    if (bin === undefined) throw new Error('the real suite needs the pinned Ollama: run bash deploy/setup-ollama.sh (npm run test:real does)');
    if (!existsSync(trainerPython)) throw new Error('the real suite needs the trainer virtualenv: run bash deploy/setup-trainer.sh (npm run test:real does)');
    rmSync(work, { recursive: true, force: true });
    mkdirSync(work, { recursive: true });
    ollama = await startOllamaServer({ binary: bin, modelsDir: path.join(work, 'models'), logFile: path.join(work, 'ollama.log') });
    const made = spawnSync(trainerPython, [path.join(repoRoot, 'test-real/make_tiny_model.py'), path.join(work, 'tiny'), path.join(repoRoot, 'data/tasks.jsonl')], {
      encoding: 'utf8',
      timeout: 300_000,
    });
    if (made.status !== 0) throw new Error(`make_tiny_model.py failed: ${made.stderr}`);
    const summary = JSON.parse(made.stdout.trim().split('\n').pop() ?? '{}') as { hf_dir: string; modelfile: string };
    hfDir = summary.hf_dir;
    const created = spawnSync(bin, ['create', TINY, '-f', summary.modelfile], { encoding: 'utf8', env: { ...process.env, OLLAMA_HOST: ollama.url }, timeout: 300_000 });
    if (created.status !== 0) throw new Error(`ollama create ${TINY} failed: ${created.stderr}`);
  }, 900_000);

  afterAll(async () => {
    await ollama?.stop();
  }, 60_000);

  it('the tiny model answers a chat through the real server', async () => {
    const res = await fetch(`${ollama.url}/api/chat`, {
      method: 'POST',
      body: JSON.stringify({ model: TINY, messages: [{ role: 'user', content: 'def f(x): return x' }], stream: false, options: { num_predict: 16, seed: 1 } }),
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { message: { role: string; content: string }; done_reason: string; eval_count: number };
    expect(body.message.role).toBe('assistant');
    expect(body.eval_count).toBeGreaterThan(0);
    expect(['stop', 'length']).toContain(body.done_reason);
  }, 120_000);

  it('sinq doctor finds the real Ollama and the tiny model', () => {
    const config = path.join(work, 'doctor.yaml');
    writeFileSync(config, `taskSet: data/tasks.jsonl\nlimit: 1\nrounds: 1\nattempts: 1\ntargetDifficulty: 10\nconcurrency: 1\nseed: 1\ngenerator: { policy: ollama, model: ${TINY} }\nevaluator: { policy: fuzz }\n`);
    const doctor = spawnSync(process.execPath, [sinqBin, 'doctor', '--json', '--config', config, '--dir', path.join(work, 'doctor')], { cwd: repoRoot, env: env(), encoding: 'utf8', timeout: 60_000 });
    expect(doctor.stdout, doctor.stderr).not.toBe('');
    const report = JSON.parse(doctor.stdout) as { checks: Array<{ name: string; status: string; detail: string }> };
    expect(report.checks.find((c) => c.name === 'Ollama')).toMatchObject({ status: 'ok' });
    expect(report.checks.find((c) => c.name === `model ${TINY}`)).toMatchObject({ status: 'ok' });
  }, 60_000);

  it('an ollama generator campaign records every nonsense reply as an outcome and finishes', () => {
    const dir = path.join(work, 'gen-campaign');
    const config = path.join(work, 'gen.yaml');
    writeFileSync(
      config,
      [
        'taskSet: data/tasks.jsonl',
        'limit: 3',
        'rounds: 1',
        `generator: { policy: ollama, model: ${TINY}, sampling: { temperature: 1.0, topP: 0.7, numPredict: 48 } }`,
        'evaluator: { policy: fuzz }',
        'attempts: 2',
        'targetDifficulty: 10',
        'concurrency: 2',
        'seed: 7',
      ].join('\n') + '\n',
    );
    const run = spawnSync(process.execPath, [sinqBin, 'campaign', 'run', '--config', config, '--dir', dir, '--temporal', 'embedded'], { cwd: repoRoot, env: env(), encoding: 'utf8', timeout: 600_000 });
    expect(run.status, run.stderr.slice(-3000)).toBe(0);
    const episodes = readEpisodes(dir);
    expect(episodes).toHaveLength(3);
    for (const episode of episodes) {
      expect(episode.versions.generator.model).toBe(TINY);
      // A random model writes no program: each play is an invalid, recorded outcome, and a reply
      // cut by num_predict is `truncated`, not a parse failure.
      expect(episode.outcome).toBe('invalid');
      expect(['parse-failure', 'truncated']).toContain(episode.reason?.code);
      expect(episode.proposal?.policy).toBe(`ollama:${TINY}`);
    }
  }, 600_000);

  it('the real train.py fine-tunes the tiny model and the adapter is registered in the real Ollama and answers', async () => {
    const dataset = path.join(work, 'train', 'dataset.jsonl');
    mkdirSync(path.dirname(dataset), { recursive: true });
    const examples = Array.from({ length: 8 }, (_, i) => ({
      messages: [
        { role: 'user', content: `Write a variant of def f(x): return x + ${i}` },
        { role: 'assistant', content: `def f(x):\n    return x - ${i}\n` },
      ],
    }));
    writeFileSync(dataset, examples.map((e) => JSON.stringify(e)).join('\n') + '\n');
    const output = path.join(work, 'train', 'output');
    const trained = spawnSync(
      trainerPython,
      [path.join(repoRoot, 'training/trainer/train.py'), '--dataset', dataset, '--base-model', hfDir, '--output-dir', output, '--checkpoint-dir', path.join(work, 'train', 'checkpoints'), '--epochs', '1', '--grad-accum', '1', '--max-length', '256', '--target-modules', 'q_proj,v_proj'],
      { encoding: 'utf8', timeout: 600_000, env: { ...process.env, CUDA_VISIBLE_DEVICES: '' } },
    );
    expect(trained.status, trained.stderr.slice(-3000)).toBe(0);
    expect(existsSync(path.join(output, 'adapter_config.json'))).toBe(true);
    expect(existsSync(path.join(output, 'adapter_model.safetensors'))).toBe(true);
    // The same checks and upload the campaign's training step uses.
    const artifact = await validateAdapterOutput(output);
    const registered = await registerAdapterModel({ host: ollama.url, name: 'sinq-generator:real-r0', base: TINY, artifact });
    expect(registered.name).toBe('sinq-generator:real-r0');
    const res = await fetch(`${ollama.url}/api/chat`, {
      method: 'POST',
      body: JSON.stringify({ model: 'sinq-generator:real-r0', messages: [{ role: 'user', content: 'def f(x): return x' }], stream: false, options: { num_predict: 8 } }),
    });
    expect(res.status, await res.clone().text()).toBe(200);
  }, 900_000);
  it('a campaign of Ollama players trains the generator with the real train.py between rounds and plays round 2 with the registered tag', async () => {
    // 1. A well-formed play for the first task, from the offline players, with the same prompt the
    //    Ollama generator will send (same task, same target difficulty).
    const offlineDir = path.join(work, 'offline');
    runCampaign(
      offlineDir,
      path.join(work, 'offline.yaml'),
      ['taskSet: data/tasks.jsonl', 'limit: 1', 'rounds: 1', 'generator: { policy: mutation }', 'evaluator: { policy: fuzz }', 'attempts: 1', 'targetDifficulty: 5', 'concurrency: 1', 'seed: 11'],
      env(),
    );
    const [play] = readEpisodes(offlineDir).filter((e) => e.outcome === 'valid');
    if (play?.proposal?.reply === undefined) throw new Error('the offline campaign made no valid play to learn from');
    const chats = path.join(work, 'player-chats.jsonl');
    writeFileSync(chats, JSON.stringify({ messages: [...play.proposal.prompt, { role: 'assistant', content: play.proposal.reply.raw }] }) + '\n');

    // 2. A tiny model that has learned that one reply: with temperature 0 it plays it back.
    const made = spawnSync(trainerPython, [path.join(repoRoot, 'test-real/make_tiny_model.py'), '--memorise', chats, path.join(work, 'player'), path.join(repoRoot, 'data/tasks.jsonl')], {
      encoding: 'utf8',
      timeout: 900_000,
    });
    if (made.status !== 0) throw new Error(`make_tiny_model.py --memorise failed: ${made.stderr.slice(-3000)}`);
    const player = JSON.parse(made.stdout.trim().split('\n').pop() ?? '{}') as { hf_dir: string; modelfile: string; memorised: { exact: number; chats: number } };
    expect(player.memorised.exact).toBe(1);
    const created = spawnSync(installedOllamaBinary(repoRoot) ?? 'ollama', ['create', PLAYER, '-f', player.modelfile], { encoding: 'utf8', env: { ...process.env, OLLAMA_HOST: ollama.url }, timeout: 300_000 });
    expect(created.status, created.stderr).toBe(0);

    // 3. Two rounds of Ollama players with the real trainer between them, training sets built the
    //    study's way (small n and explicit sampling override the preset's).
    const dir = path.join(work, 'llm-campaign');
    runCampaign(
      dir,
      path.join(work, 'llm.yaml'),
      [
        'taskSet: data/tasks.jsonl',
        'limit: 1',
        'rounds: 2',
        `generator: { policy: ollama, model: ${PLAYER}, sampling: { temperature: 0, numPredict: 1024 } }`,
        `evaluator: { policy: ollama, model: ${TINY}, sampling: { temperature: 1.0, topP: 0.7, numPredict: 32 } }`,
        'attempts: 2',
        'targetDifficulty: 5',
        'concurrency: 1',
        'seed: 11',
        'timeouts: { playerMs: 300000, trainingMs: 900000 }',
        'training:',
        '  preset: study',
        `  trainer: [${JSON.stringify(trainerPython)}, training/trainer/train.py, --dataset, '{dataset}', --base-model, '{baseModel}', --output-dir, '{outputDir}', --checkpoint-dir, '{checkpointDir}', --epochs, '1', --grad-accum, '1', --max-length, '2048', --target-modules, 'q_proj,v_proj']`,
        `  generatorBase: ${JSON.stringify(player.hf_dir)}`,
        `  ollamaHost: ${ollama.url}`,
      ],
      env(),
    );
    const id = campaignId(dir);
    const episodes = readEpisodes(dir);
    expect(episodes.map((e) => e.round).sort()).toEqual([0, 1]);
    const first = episodes.find((e) => e.round === 0);
    const second = episodes.find((e) => e.round === 1);
    // Round 1: the memorised model's reply is a valid play, and the random evaluator cannot crack it.
    expect(first?.outcome).toBe('valid');
    expect(first?.versions.generator.model).toBe(PLAYER);
    // Between rounds the real train.py wrote an adapter, sinq registered it on the real Ollama, and
    // round 2 played with that tag.
    const tag = `sinq-generator:${id}-r0`;
    expect(second?.versions.generator.model).toBe(tag);
    const tags = (await (await fetch(`${ollama.url}/api/tags`)).json()) as { models: Array<{ name: string }> };
    expect(tags.models.map((m) => m.name)).toContain(tag);
    const adapterDir = path.join(dir, 'campaigns', id, 'training', 'r0', 'generator', 'output');
    expect(existsSync(path.join(adapterDir, 'adapter_model.safetensors'))).toBe(true);
  }, 1_800_000);
});
