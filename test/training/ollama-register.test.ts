// Registering a trained adapter ends with one chat: an adapter Ollama accepts at create time but
// cannot run fails the training step there, with advice, instead of every episode of the next round.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OllamaRegisterError, registerAdapterModel } from '../../training/ollama-register';
import type { AdapterArtifact } from '../../training/adapter';
import { startOllamaStandIn, type OllamaStandIn } from '../stand-ins/ollama';

describe('registerAdapterModel', () => {
  let ollama: OllamaStandIn;
  let dir: string;
  let artifact: AdapterArtifact;

  beforeAll(async () => {
    ollama = await startOllamaStandIn({ models: ['base:1b'] });
    dir = mkdtempSync(path.join(tmpdir(), 'sinq-register-'));
    writeFileSync(path.join(dir, 'adapter.gguf'), 'GGUF-adapter-bytes');
    artifact = { format: 'gguf', files: [{ name: 'adapter.gguf', path: path.join(dir, 'adapter.gguf') }] };
  });

  afterAll(async () => {
    await ollama?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('creates the model and has one short chat with it', async () => {
    const result = await registerAdapterModel({ host: ollama.url, name: 'sinq-generator:c1-r0', base: 'base:1b', artifact });
    expect(result.name).toBe('sinq-generator:c1-r0');
    const calls = ollama.calls('sinq-generator:c1-r0');
    expect(calls).toHaveLength(1);
    expect(calls[0]?.options).toMatchObject({ num_predict: 1 });
  });

  it('a model that cannot load its adapter is a permanent verify error that says what to do', async () => {
    ollama.enqueue('sinq-generator:c1-r1', { type: 'http-error', status: 500, error: 'loras are not yet implemented' });
    const failure = await registerAdapterModel({ host: ollama.url, name: 'sinq-generator:c1-r1', base: 'base:1b', artifact }).catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(OllamaRegisterError);
    const err = failure as OllamaRegisterError;
    expect(err.code).toBe('E_OLLAMA_VERIFY');
    expect(err.retryable).toBe(false);
    expect(err.message).toContain('loras are not yet implemented');
    expect(err.message).toContain('GGUF');
  });

  it('a transient server error at the chat stays retryable', async () => {
    ollama.enqueue('sinq-generator:c1-r2', { type: 'http-error', status: 503, error: 'server busy' });
    const failure = await registerAdapterModel({ host: ollama.url, name: 'sinq-generator:c1-r2', base: 'base:1b', artifact }).catch((err: unknown) => err);
    expect((failure as OllamaRegisterError).code).toBe('E_OLLAMA_VERIFY');
    expect((failure as OllamaRegisterError).retryable).toBe(true);
  });
});
