// An Ollama API stand-in for tests: a real HTTP server on 127.0.0.1 that follows Ollama's documented
// endpoints (/api/chat and /api/generate with NDJSON streaming, /api/tags, /api/show, /api/version,
// HEAD/POST /api/blobs/:digest, /api/create) and serves scripted replies per model or per call:
// well-formed or malformed text, truncated, huge, slow, HTTP errors, connection resets.
// Every request it receives is recorded for inspection.
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** What one chat or generate call answers. */
export type ScriptedReply =
  /** Streams `text` in chunks, then a final `done` line. `doneReason: 'length'` is how Ollama reports hitting num_predict. */
  | { type: 'text'; text: string; chunkChars?: number; chunkDelayMs?: number; headerDelayMs?: number; doneReason?: 'stop' | 'length' }
  /** Answers with an HTTP error status and an `{error}` JSON body (or `error` as an HTML page, as a proxy would). */
  | { type: 'http-error'; status: number; error?: string; html?: boolean }
  /** Destroys the socket: before any response, or after streaming `afterChars` characters of `text`. */
  | { type: 'reset'; text?: string; afterChars?: number }
  /** Streams `text` and ends the body without a `done` line. */
  | { type: 'cut'; text: string }
  /** An error reported inside the stream, as Ollama does for failures mid-generation. */
  | { type: 'stream-error'; text?: string; error: string };

export interface ChatCall {
  endpoint: 'chat' | 'generate';
  model: string;
  messages: Array<{ role: string; content: string }>;
  prompt?: string;
  options: Record<string, unknown>;
  stream: boolean;
}

export type Responder = (call: ChatCall) => ScriptedReply;

export interface ReceivedRequest {
  method: string;
  path: string;
  /** Parsed JSON body, or undefined for empty and binary bodies. */
  body: unknown;
  bytes: number;
  at: number;
}

export interface StandInModel {
  name: string;
  digest: string;
  size: number;
  modifiedAt: string;
  details: Record<string, unknown>;
  /** `model_info["general.architecture"]` in /api/show (default `llama`, so adapters import). */
  architecture: string;
  /** What /api/create was given for this model, when it was created through the API. */
  created?: Record<string, unknown>;
}

export interface OllamaStandInOptions {
  /** Models present from the start (names without a tag get `:latest`). */
  models?: string[];
  /** Architecture per model name given in `models` (default `llama`). */
  architectures?: Record<string, string>;
  version?: string;
  /** Answers calls to models with nothing queued; default: a short well-formed text. */
  responder?: Responder;
}

export interface OllamaStandIn {
  /** Base URL, usable as OLLAMA_HOST. */
  readonly url: string;
  readonly requests: ReceivedRequest[];
  readonly blobs: Map<string, Buffer>;
  readonly models: Map<string, StandInModel>;
  addModel(name: string): StandInModel;
  /** Replies for the next calls to `model`, in order; then the responder answers. */
  enqueue(model: string, ...replies: ScriptedReply[]): void;
  setResponder(responder: Responder, model?: string): void;
  /** Most chat/generate calls to `model` that were open at the same time (until the client hung up). */
  peakConcurrentCalls(model: string): number;
  /** Calls to chat/generate seen so far (optionally for one model). */
  calls(model?: string): ChatCall[];
  close(): Promise<void>;
}

export function normalizeModelName(name: string): string {
  return name.includes(':') ? name : `${name}:latest`;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function asRecord(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

function makeModel(name: string, created?: Record<string, unknown>, architecture = 'llama'): StandInModel {
  return {
    architecture,
    name: normalizeModelName(name),
    digest: createHash('sha256').update(name).digest('hex'),
    size: 1_000_000,
    modifiedAt: new Date().toISOString(),
    details: { parent_model: '', format: 'gguf', family: 'stand-in', families: ['stand-in'], parameter_size: '1M', quantization_level: 'Q4_0' },
    created,
  };
}

export async function startOllamaStandIn(options: OllamaStandInOptions = {}): Promise<OllamaStandIn> {
  const requests: ReceivedRequest[] = [];
  const blobs = new Map<string, Buffer>();
  const models = new Map<string, StandInModel>();
  const queues = new Map<string, ScriptedReply[]>();
  const responders = new Map<string, Responder>();
  const chatCalls: ChatCall[] = [];
  let defaultResponder: Responder = options.responder ?? (() => ({ type: 'text', text: 'Hello from the stand-in.' }));
  const sockets = new Set<Socket>();
  const activeCalls = new Map<string, number>();
  const peakCalls = new Map<string, number>();
  for (const name of options.models ?? []) models.set(normalizeModelName(name), makeModel(name, undefined, options.architectures?.[name]));

  const nextReply = (call: ChatCall): ScriptedReply => {
    const queued = queues.get(call.model)?.shift();
    if (queued) return queued;
    return (responders.get(call.model) ?? defaultResponder)(call);
  };

  const notFound = (res: ServerResponse, model: string): void => sendJson(res, 404, { error: `model '${model}' not found` });

  async function streamChat(req: IncomingMessage, res: ServerResponse, call: ChatCall, reply: ScriptedReply): Promise<void> {
    const base = { model: call.model, created_at: new Date().toISOString() };
    const line = (content: string, done: boolean, extra: Record<string, unknown> = {}): string =>
      JSON.stringify(
        call.endpoint === 'chat'
          ? { ...base, message: { role: 'assistant', content }, done, ...extra }
          : { ...base, response: content, done, ...extra },
      ) + '\n';
    const finalStats = (text: string) => ({
      total_duration: 1_000_000,
      load_duration: 1000,
      prompt_eval_count: call.messages.reduce((n, m) => n + m.content.length, 0),
      prompt_eval_duration: 1000,
      eval_count: Math.ceil(text.length / 4),
      eval_duration: 1000,
    });

    switch (reply.type) {
      case 'http-error':
        if (reply.html) {
          res.writeHead(reply.status, { 'content-type': 'text/html' });
          res.end(`<html><body>${reply.error ?? 'error'}</body></html>`);
        } else {
          sendJson(res, reply.status, { error: reply.error ?? `stand-in error ${reply.status}` });
        }
        return;
      case 'reset':
        if (reply.text === undefined || !call.stream) {
          req.socket.destroy();
          return;
        }
        break;
      default:
        break;
    }
    if (reply.type === 'text' && reply.headerDelayMs) await sleep(reply.headerDelayMs);
    if (res.destroyed) return;
    const text = reply.type === 'stream-error' ? (reply.text ?? '') : reply.text ?? '';
    if (!call.stream) {
      if (reply.type === 'reset' || reply.type === 'cut') {
        req.socket.destroy();
        return;
      }
      if (reply.type === 'stream-error') {
        sendJson(res, 500, { error: reply.error });
        return;
      }
      const done = { done_reason: reply.type === 'text' ? (reply.doneReason ?? 'stop') : 'stop', ...finalStats(text) };
      sendJson(res, 200, JSON.parse(line(text, true, done)) as unknown);
      return;
    }
    res.writeHead(200, { 'content-type': 'application/x-ndjson' });
    const chunkChars = reply.type === 'text' ? (reply.chunkChars ?? 64) : 64;
    const chunkDelayMs = reply.type === 'text' ? (reply.chunkDelayMs ?? 0) : 0;
    const limit = reply.type === 'reset' ? Math.min(text.length, reply.afterChars ?? text.length) : text.length;
    for (let i = 0; i < limit; i += chunkChars) {
      if (res.destroyed) return;
      const chunk = text.slice(i, Math.min(limit, i + chunkChars));
      if (!res.write(line(chunk, false))) await new Promise((resolve) => res.once('drain', resolve));
      if (chunkDelayMs) await sleep(chunkDelayMs);
    }
    if (reply.type === 'reset') {
      // Let the written chunks leave before the connection drops.
      await sleep(20);
      req.socket.destroy();
      return;
    }
    if (reply.type === 'cut') {
      res.end();
      return;
    }
    if (reply.type === 'stream-error') {
      res.end(JSON.stringify({ error: reply.error }) + '\n');
      return;
    }
    res.end(line('', true, { done_reason: reply.doneReason ?? 'stop', ...finalStats(text) }));
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://stand-in');
    const method = req.method ?? 'GET';
    const raw = method === 'GET' || method === 'HEAD' ? Buffer.alloc(0) : await readBody(req);
    const isBlobUpload = url.pathname.startsWith('/api/blobs/');
    let body: unknown;
    if (raw.length > 0 && !isBlobUpload) {
      try {
        body = JSON.parse(raw.toString('utf8'));
      } catch {
        body = undefined;
      }
    }
    requests.push({ method, path: url.pathname, body, bytes: raw.length, at: Date.now() });

    if (method === 'GET' && (url.pathname === '/' || url.pathname === '')) {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('Ollama is running');
      return;
    }
    if (url.pathname === '/api/version' && method === 'GET') {
      sendJson(res, 200, { version: options.version ?? '0.0.0-stand-in' });
      return;
    }
    if (url.pathname === '/api/tags' && method === 'GET') {
      sendJson(res, 200, {
        models: [...models.values()].map((m) => ({ name: m.name, model: m.name, modified_at: m.modifiedAt, size: m.size, digest: m.digest, details: m.details })),
      });
      return;
    }
    if (url.pathname === '/api/show' && method === 'POST') {
      const request = asRecord(body);
      const name = String(request.model ?? request.name ?? '');
      const model = models.get(normalizeModelName(name));
      if (!model) return notFound(res, name);
      sendJson(res, 200, {
        modelfile: `FROM ${model.name}\n`,
        parameters: '',
        template: '{{ .Prompt }}',
        details: model.details,
        model_info: { 'general.architecture': model.architecture },
        capabilities: ['completion'],
        modified_at: model.modifiedAt,
      });
      return;
    }
    if (isBlobUpload) {
      const digest = decodeURIComponent(url.pathname.slice('/api/blobs/'.length));
      if (!/^sha256[:-][0-9a-f]{64}$/.test(digest)) {
        sendJson(res, 400, { error: `invalid digest format: ${digest}` });
        return;
      }
      const key = digest.replace('-', ':');
      if (method === 'HEAD') {
        res.writeHead(blobs.has(key) ? 200 : 404);
        res.end();
        return;
      }
      if (method === 'POST') {
        const actual = `sha256:${createHash('sha256').update(raw).digest('hex')}`;
        if (actual !== key) {
          sendJson(res, 400, { error: `digest mismatch, expected "${key}", got "${actual}"` });
          return;
        }
        blobs.set(key, raw);
        res.writeHead(201);
        res.end();
        return;
      }
    }
    if (url.pathname === '/api/create' && method === 'POST') {
      const request = asRecord(body);
      const name = String(request.model ?? request.name ?? '');
      if (!name) {
        sendJson(res, 400, { error: 'model name is required' });
        return;
      }
      const referenced = [...Object.values(asRecord(request.files)), ...Object.values(asRecord(request.adapters))].map(String);
      const missing = referenced.find((digest) => !blobs.has(digest));
      if (missing) {
        sendJson(res, 400, { error: `blob ${missing} not found; upload it with POST /api/blobs/${missing}` });
        return;
      }
      if (typeof request.from === 'string' && !models.has(normalizeModelName(request.from))) {
        sendJson(res, 404, { error: `model '${request.from}' not found` });
        return;
      }
      const statuses = ['reading model metadata', ...referenced.map((d) => `using layer ${d}`), 'writing manifest', 'success'];
      models.set(normalizeModelName(name), makeModel(name, request));
      if (request.stream === false) {
        sendJson(res, 200, { status: 'success' });
        return;
      }
      res.writeHead(200, { 'content-type': 'application/x-ndjson' });
      for (const status of statuses) res.write(JSON.stringify({ status }) + '\n');
      res.end();
      return;
    }
    if ((url.pathname === '/api/chat' || url.pathname === '/api/generate') && method === 'POST') {
      const request = asRecord(body);
      if (body === undefined) {
        sendJson(res, 400, { error: 'invalid JSON body' });
        return;
      }
      const name = String(request.model ?? '');
      const model = models.get(normalizeModelName(name));
      if (!model) return notFound(res, name);
      const endpoint = url.pathname === '/api/chat' ? 'chat' : 'generate';
      const messages = Array.isArray(request.messages)
        ? request.messages.map((m) => ({ role: String(asRecord(m).role ?? ''), content: String(asRecord(m).content ?? '') }))
        : [];
      const call: ChatCall = {
        endpoint,
        model: model.name,
        messages: endpoint === 'generate' ? [{ role: 'user', content: String(request.prompt ?? '') }] : messages,
        prompt: endpoint === 'generate' ? String(request.prompt ?? '') : undefined,
        options: asRecord(request.options),
        stream: request.stream !== false,
      };
      chatCalls.push(call);
      const active = (activeCalls.get(call.model) ?? 0) + 1;
      activeCalls.set(call.model, active);
      peakCalls.set(call.model, Math.max(peakCalls.get(call.model) ?? 0, active));
      res.once('close', () => activeCalls.set(call.model, (activeCalls.get(call.model) ?? 1) - 1));
      await streamChat(req, res, call, nextReply(call));
      return;
    }
    sendJson(res, 404, { error: `no route for ${method} ${url.pathname}` });
  }

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) sendJson(res, 500, { error: err instanceof Error ? err.message : String(err) });
      else res.destroy();
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    blobs,
    models,
    addModel(name) {
      const model = makeModel(name);
      models.set(model.name, model);
      return model;
    },
    enqueue(model, ...replies) {
      const key = normalizeModelName(model);
      queues.set(key, [...(queues.get(key) ?? []), ...replies]);
    },
    setResponder(responder, model) {
      if (model === undefined) defaultResponder = responder;
      else responders.set(normalizeModelName(model), responder);
    },
    peakConcurrentCalls: (model) => peakCalls.get(normalizeModelName(model)) ?? 0,
    calls(model) {
      return model === undefined ? [...chatCalls] : chatCalls.filter((c) => c.model === normalizeModelName(model));
    },
    close() {
      for (const socket of sockets) socket.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
