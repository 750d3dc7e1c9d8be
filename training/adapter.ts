// Checks a trainer's output before it goes anywhere: a LoRA adapter directory (adapter_config.json
// plus a well-formed adapter_model.safetensors) or a GGUF LoRA file.
import { open, readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';

export type AdapterErrorCode = 'E_ADAPTER_MISSING' | 'E_ADAPTER_CONFIG' | 'E_ADAPTER_SAFETENSORS' | 'E_ADAPTER_GGUF';

export class AdapterError extends Error {
  constructor(
    readonly code: AdapterErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'AdapterError';
  }
}

export interface AdapterFile {
  /** The name Ollama sees (`adapters` maps it to the blob digest). */
  name: string;
  path: string;
}

export type AdapterArtifact =
  | { format: 'safetensors'; dir: string; files: AdapterFile[]; tensors: number }
  | { format: 'gguf'; files: AdapterFile[] };

const SAFETENSORS_DTYPES = new Set([
  'BOOL',
  'U8',
  'I8',
  'F8_E5M2',
  'F8_E4M3',
  'I16',
  'U16',
  'F16',
  'BF16',
  'I32',
  'U32',
  'F32',
  'F64',
  'I64',
  'U64',
]);

async function exists(file: string): Promise<boolean> {
  return stat(file).then(
    (s) => s.isFile(),
    () => false,
  );
}

async function readHead(file: string, length: number, position = 0): Promise<Buffer> {
  const handle = await open(file, 'r');
  try {
    const buffer = Buffer.alloc(length);
    const { bytesRead } = await handle.read(buffer, 0, length, position);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

/** Checks the safetensors layout: u64 LE header length, a JSON header, tensors inside the data. Returns the tensor count. */
export async function checkSafetensors(file: string): Promise<number> {
  const size = (await stat(file)).size;
  const bad = (why: string): AdapterError => new AdapterError('E_ADAPTER_SAFETENSORS', `${file}: ${why}`);
  if (size < 8) throw bad('shorter than the 8-byte header length');
  const headerLength = Number((await readHead(file, 8)).readBigUInt64LE(0));
  if (headerLength < 2 || headerLength > 100_000_000 || 8 + headerLength > size)
    throw bad(`header length ${headerLength} does not fit a ${size}-byte file`);
  let header: unknown;
  try {
    header = JSON.parse((await readHead(file, headerLength, 8)).toString('utf8'));
  } catch {
    throw bad('header is not JSON');
  }
  if (header === null || typeof header !== 'object' || Array.isArray(header)) throw bad('header is not a JSON object');
  const dataSize = size - 8 - headerLength;
  let tensors = 0;
  for (const [name, entry] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') continue;
    const tensor = entry as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    const offsets = tensor.data_offsets;
    if (typeof tensor.dtype !== 'string' || !SAFETENSORS_DTYPES.has(tensor.dtype))
      throw bad(`tensor ${name} has no known dtype`);
    if (!Array.isArray(tensor.shape) || !tensor.shape.every((d) => Number.isInteger(d) && (d as number) >= 0))
      throw bad(`tensor ${name} has a bad shape`);
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((o) => Number.isInteger(o)))
      throw bad(`tensor ${name} has bad data_offsets`);
    const [begin, end] = offsets as [number, number];
    if (begin < 0 || end < begin || end > dataSize)
      throw bad(`tensor ${name} lies outside the data (${begin}..${end} of ${dataSize} bytes)`);
    tensors++;
  }
  if (tensors === 0) throw bad('holds no tensors');
  return tensors;
}

/** Finds and checks the adapter in a trainer's output directory. */
export async function validateAdapterOutput(outputDir: string): Promise<AdapterArtifact> {
  const config = path.join(outputDir, 'adapter_config.json');
  const weights = path.join(outputDir, 'adapter_model.safetensors');
  if ((await exists(config)) && (await exists(weights))) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(await readFile(config, 'utf8'));
    } catch {
      throw new AdapterError('E_ADAPTER_CONFIG', `${config} is not JSON`);
    }
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed))
      throw new AdapterError('E_ADAPTER_CONFIG', `${config} is not a JSON object`);
    const tensors = await checkSafetensors(weights);
    return {
      format: 'safetensors',
      dir: outputDir,
      tensors,
      files: [
        { name: 'adapter_config.json', path: config },
        { name: 'adapter_model.safetensors', path: weights },
      ],
    };
  }
  const entries = await readdir(outputDir).catch(() => [] as string[]);
  const gguf = entries.filter((name) => name.endsWith('.gguf')).sort();
  if (gguf.length === 1) {
    const file = path.join(outputDir, gguf[0] as string);
    const magic = (await readHead(file, 4)).toString('latin1');
    if (magic !== 'GGUF') throw new AdapterError('E_ADAPTER_GGUF', `${file} does not start with the GGUF magic`);
    return { format: 'gguf', files: [{ name: gguf[0] as string, path: file }] };
  }
  if (gguf.length > 1)
    throw new AdapterError(
      'E_ADAPTER_GGUF',
      `${outputDir} holds ${gguf.length} GGUF files; Ollama takes one adapter per model`,
    );
  throw new AdapterError(
    'E_ADAPTER_MISSING',
    `${outputDir} holds neither adapter_config.json + adapter_model.safetensors nor a GGUF LoRA file`,
  );
}
