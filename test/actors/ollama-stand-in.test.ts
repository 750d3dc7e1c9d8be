// The stand-in follows Ollama's documented endpoints closely enough that the official client
// works against it; these tests pin the endpoints other suites rely on (blobs, create, show).
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Ollama } from 'ollama';
import { startOllamaStandIn, type OllamaStandIn } from '../stand-ins/ollama';

describe('Ollama API stand-in', () => {
  let standIn: OllamaStandIn;
  let client: Ollama;
  beforeAll(async () => {
    standIn = await startOllamaStandIn({ models: ['base'], version: '0.9.9' });
    client = new Ollama({ host: standIn.url });
  });
  afterAll(async () => {
    await standIn?.close();
  });

  it('answers version, tags and show, with 404 for unknown models', async () => {
    expect(await client.version()).toEqual({ version: '0.9.9' });
    const tags = await client.list();
    expect(tags.models.map((m) => m.name)).toEqual(['base:latest']);
    expect((await client.show({ model: 'base' })).details.format).toBe('gguf');
    await expect(client.show({ model: 'nope' })).rejects.toMatchObject({ status_code: 404 });
  });

  it('stores blobs by verified sha256 and creates models from them', async () => {
    const adapter = Buffer.from('fake adapter weights');
    const digest = `sha256:${createHash('sha256').update(adapter).digest('hex')}`;
    const head = (d: string) => fetch(`${standIn.url}/api/blobs/${d}`, { method: 'HEAD' }).then((r) => r.status);
    expect(await head(digest)).toBe(404);
    const wrong = await fetch(`${standIn.url}/api/blobs/${digest}`, { method: 'POST', body: Buffer.from('something else') });
    expect(wrong.status).toBe(400);
    const upload = await fetch(`${standIn.url}/api/blobs/${digest}`, { method: 'POST', body: adapter });
    expect(upload.status).toBe(201);
    expect(await head(digest)).toBe(200);
    expect(standIn.blobs.get(digest)?.equals(adapter)).toBe(true);

    await expect(client.create({ model: 'tuned', from: 'base', adapters: { 'adapter.safetensors': 'sha256:' + '0'.repeat(64) } })).rejects.toMatchObject({ status_code: 400 });
    const statuses: string[] = [];
    for await (const progress of await client.create({ model: 'tuned', from: 'base', adapters: { 'adapter.safetensors': digest }, stream: true })) statuses.push(progress.status);
    expect(statuses.at(-1)).toBe('success');
    expect((await client.show({ model: 'tuned' })).modelfile).toContain('tuned');
    expect(standIn.models.get('tuned:latest')?.created).toMatchObject({ from: 'base', adapters: { 'adapter.safetensors': digest } });
    expect(standIn.requests.some((r) => r.path === '/api/create' && r.method === 'POST')).toBe(true);
  });

  it('serves generate and non-streamed chat, and scripted errors', async () => {
    standIn.enqueue('base', { type: 'text', text: 'one two three' });
    const generated = await client.generate({ model: 'base', prompt: 'count', stream: false });
    expect(generated.response).toBe('one two three');
    expect(generated.done).toBe(true);
    standIn.enqueue('base', { type: 'text', text: 'hello' });
    const chat = await client.chat({ model: 'base', messages: [{ role: 'user', content: 'hi' }] });
    expect(chat.message.content).toBe('hello');
    standIn.enqueue('base', { type: 'http-error', status: 500, error: 'boom' });
    await expect(client.chat({ model: 'base', messages: [] })).rejects.toMatchObject({ status_code: 500, error: 'boom' });
    expect(standIn.calls('base').map((c) => c.endpoint)).toEqual(['generate', 'chat', 'chat']);
  });
});
