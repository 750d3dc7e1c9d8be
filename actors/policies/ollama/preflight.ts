// Checks before serving: the Ollama server answers, and the model is present (`show`). The error
// texts tell the operator what to run.
import { PolicyError } from '../../errors';
import { ollamaClient, ollamaFailure } from './chat';

export interface ModelReport {
  host: string;
  model: string;
  serverVersion: string;
  family?: string;
  parameterSize?: string;
  quantization?: string;
}

export async function preflightOllama(host: string, model: string, signal?: AbortSignal): Promise<ModelReport> {
  const client = ollamaClient(host, signal ?? AbortSignal.timeout(15_000));
  let serverVersion: string;
  try {
    serverVersion = (await client.version()).version;
  } catch (err) {
    const failure = ollamaFailure(err, host, model);
    const detail = failure instanceof Error ? failure.message : String(failure);
    throw new PolicyError('model-unavailable', `Ollama is not reachable at OLLAMA_HOST=${host}; start it (ollama serve) or point OLLAMA_HOST at a running server. ${detail}`, {
      cause: err,
    });
  }
  try {
    const info = await client.show({ model });
    return {
      host,
      model,
      serverVersion,
      family: info.details?.family,
      parameterSize: info.details?.parameter_size,
      quantization: info.details?.quantization_level,
    };
  } catch (err) {
    throw ollamaFailure(err, host, model);
  }
}
