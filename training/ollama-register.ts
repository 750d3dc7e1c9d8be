// Puts a trained adapter into Ollama as a model of its own: each file is uploaded as a blob unless
// Ollama has it already (HEAD first), then `create` names a model from the base with the adapter,
// and `show` confirms it exists. Every step is safe to repeat: blobs are content-addressed and a
// create under the same name replaces the model rather than adding one.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { permanentServerError } from '../actors/policies/ollama/chat';
import type { AdapterArtifact } from './adapter';

export type OllamaRegisterErrorCode =
  | 'E_OLLAMA_UNREACHABLE'
  | 'E_OLLAMA_BASE'
  | 'E_OLLAMA_ARCHITECTURE'
  | 'E_OLLAMA_BLOB'
  | 'E_OLLAMA_CREATE'
  | 'E_OLLAMA_VERIFY';

export class OllamaRegisterError extends Error {
  constructor(
    readonly code: OllamaRegisterErrorCode,
    message: string,
    /** Worth trying again (network trouble, server errors). */
    readonly retryable: boolean,
  ) {
    super(message);
    this.name = 'OllamaRegisterError';
  }
}

export interface RegisterOptions {
  /** Ollama base URL, e.g. http://127.0.0.1:11434. */
  host: string;
  /** The new model's name, e.g. `sinq-generator:c1-r0`. */
  name: string;
  /** The Ollama model the adapter was trained on. */
  base: string;
  artifact: AdapterArtifact;
  signal?: AbortSignal;
}

export interface RegisterResult {
  name: string;
  /** Digest per adapter file name, `sha256:<hex>`. */
  adapters: Record<string, string>;
  /** One digest naming the adapter: that of its weights file. */
  adapterDigest: string;
  uploaded: string[];
}

/** Registry-style model name for a trained player: `sinq-<role>:<campaign>-r<round>`. */
export function trainedModelName(role: 'generator' | 'evaluator', campaignId: string, round: number): string {
  const tag = `${campaignId}-r${round}`.replace(/[^A-Za-z0-9_.-]/g, '-');
  return `sinq-${role}:${tag}`;
}

export async function fileDigest(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return `sha256:${hash.digest('hex')}`;
}

async function call(
  host: string,
  method: string,
  route: string,
  body: string | Uint8Array | undefined,
  signal: AbortSignal | undefined,
  code: OllamaRegisterErrorCode,
): Promise<Response> {
  const url = new URL(route, host.endsWith('/') ? host : `${host}/`).href;
  try {
    return await fetch(url, {
      method,
      body,
      signal: signal ?? null,
      headers: typeof body === 'string' ? { 'content-type': 'application/json' } : {},
    });
  } catch (err) {
    if (signal?.aborted) throw err;
    throw new OllamaRegisterError('E_OLLAMA_UNREACHABLE', `${method} ${url} (${code} step): ${(err as Error).message}`, true);
  }
}

async function errorText(response: Response): Promise<string> {
  const text = await response.text().catch(() => '');
  try {
    const parsed = JSON.parse(text) as { error?: unknown };
    if (typeof parsed.error === 'string') return parsed.error;
  } catch {
    // Plain text body.
  }
  return text.slice(0, 500) || response.statusText;
}

/**
 * One short chat with the new model. Ollama accepts some adapters at create time that it cannot
 * load (its newer engine answers "loras are not yet implemented" at the first request); finding
 * that here fails the training step with advice instead of the next round's every episode.
 */
async function smokeChat(options: RegisterOptions): Promise<void> {
  const body = JSON.stringify({ model: options.name, messages: [{ role: 'user', content: 'ping' }], stream: false, options: { num_predict: 1 } });
  const chat = await call(options.host, 'POST', 'api/chat', body, options.signal, 'E_OLLAMA_VERIFY');
  if (chat.ok) {
    await chat.body?.cancel();
    return;
  }
  const text = await errorText(chat);
  const permanent = permanentServerError(text);
  throw new OllamaRegisterError(
    'E_OLLAMA_VERIFY',
    `chat with ${options.name} after create: HTTP ${chat.status}: ${text}${permanent ? `. ${permanent}` : ''}`,
    permanent === undefined && chat.status >= 500,
  );
}

/** Uploads the adapter's blobs, creates the model, verifies it and has one chat with it. */
export async function registerAdapterModel(options: RegisterOptions): Promise<RegisterResult> {
  const { host, signal } = options;
  const adapters: Record<string, string> = {};
  const uploaded: string[] = [];
  for (const file of options.artifact.files) {
    const digest = await fileDigest(file.path);
    adapters[file.name] = digest;
    const head = await call(host, 'HEAD', `api/blobs/${digest}`, undefined, signal, 'E_OLLAMA_BLOB');
    if (head.ok) continue;
    if (head.status !== 404)
      throw new OllamaRegisterError('E_OLLAMA_BLOB', `HEAD blob ${digest}: HTTP ${head.status}`, head.status >= 500);
    const post = await call(host, 'POST', `api/blobs/${digest}`, await readFile(file.path), signal, 'E_OLLAMA_BLOB');
    if (!post.ok)
      throw new OllamaRegisterError(
        'E_OLLAMA_BLOB',
        `upload of ${file.name} (${digest}): HTTP ${post.status}: ${await errorText(post)}`,
        post.status >= 500,
      );
    await post.body?.cancel();
    uploaded.push(digest);
  }
  const create = await call(
    host,
    'POST',
    'api/create',
    JSON.stringify({ model: options.name, from: options.base, adapters, stream: false }),
    signal,
    'E_OLLAMA_CREATE',
  );
  if (!create.ok)
    throw new OllamaRegisterError(
      'E_OLLAMA_CREATE',
      `create ${options.name} from ${options.base}: HTTP ${create.status}: ${await errorText(create)}`,
      create.status >= 500,
    );
  const status = (await create.json().catch(() => ({}))) as { status?: unknown; error?: unknown };
  if (typeof status.error === 'string')
    throw new OllamaRegisterError('E_OLLAMA_CREATE', `create ${options.name}: ${status.error}`, false);
  const show = await call(host, 'POST', 'api/show', JSON.stringify({ model: options.name }), signal, 'E_OLLAMA_VERIFY');
  if (!show.ok)
    throw new OllamaRegisterError(
      'E_OLLAMA_VERIFY',
      `show ${options.name} after create: HTTP ${show.status}: ${await errorText(show)}`,
      show.status >= 500,
    );
  await show.body?.cancel();
  await smokeChat(options);
  const weights = options.artifact.files.find((f) => f.name !== 'adapter_config.json') ?? options.artifact.files[0];
  return { name: options.name, adapters, adapterDigest: weights ? (adapters[weights.name] ?? '') : '', uploaded };
}

/**
 * Base architectures (`general.architecture`) onto which Ollama imports a safetensors LoRA adapter
 * (v0.13: Llama-family, which includes Mistral-style models, and Gemma 2).
 */
export const SAFETENSORS_ADAPTER_ARCHITECTURES = ['llama', 'gemma2'] as const;

// Only the field read here; /api/show answers many more, which vary between Ollama versions.
const showArchitectureSchema = z.object({
  model_info: z.object({ 'general.architecture': z.string().min(1) }),
});

/**
 * Before any training: asks Ollama (/api/show) for the base model's architecture and fails when
 * a safetensors adapter trained on it could not be imported, naming the accepted architectures
 * and the GGUF route. Returns the architecture.
 */
export async function checkAdapterBase(options: {
  host: string;
  base: string;
  adapterFormat: 'safetensors' | 'gguf';
  signal?: AbortSignal;
}): Promise<string> {
  const show = await call(options.host, 'POST', 'api/show', JSON.stringify({ model: options.base }), options.signal, 'E_OLLAMA_BASE');
  if (!show.ok)
    throw new OllamaRegisterError(
      'E_OLLAMA_BASE',
      `base model ${options.base} on ${options.host}: HTTP ${show.status}: ${await errorText(show)}` +
        (show.status === 404 ? ` (pull it first: ollama pull ${options.base})` : ''),
      show.status >= 500,
    );
  const parsed = showArchitectureSchema.safeParse(await show.json().catch(() => null));
  if (!parsed.success)
    throw new OllamaRegisterError('E_OLLAMA_BASE', `base model ${options.base}: /api/show gave no model_info["general.architecture"]`, false);
  const architecture = parsed.data.model_info['general.architecture'];
  const accepted: readonly string[] = SAFETENSORS_ADAPTER_ARCHITECTURES;
  if (options.adapterFormat === 'safetensors' && !accepted.includes(architecture))
    throw new OllamaRegisterError(
      'E_OLLAMA_ARCHITECTURE',
      `base model ${options.base} has architecture ${architecture}; Ollama imports safetensors LoRA adapters only onto ` +
        `${SAFETENSORS_ADAPTER_ARCHITECTURES.join(', ')}. Train on one of those, or convert the adapter to a GGUF LoRA ` +
        `(llama.cpp convert_lora_to_gguf.py), have the trainer write that .gguf file and set training.adapterFormat: gguf`,
      false,
    );
  return architecture;
}
