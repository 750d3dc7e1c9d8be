// `sinq eval`: the study's benchmarks on Ollama models — a list of models, or a campaign's base
// model and every model version its training registered — with the results stored per model.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ActorError } from '../../actors/errors';
import { ollamaHost } from '../../actors/policies/ollama/policy';
import {
  planBenchmark,
  benchmarkNames,
  defaultPlanSettings,
  type BenchmarkItems,
  type BenchmarkName,
} from '../../eval/benchmarks';
import { campaignModels } from '../../eval/campaign-models';
import { loadDefectDetection } from '../../eval/loaders/defect-detection';
import { DatasetError } from '../../eval/loaders/dataset-error';
import { loadIdentifierSwap } from '../../eval/loaders/identifier-swap';
import { loadPySecDb } from '../../eval/loaders/pysecdb';
import { ContextOverflowError } from '../../eval/model-client';
import { runBenchmark, type ModelUnderTest } from '../../eval/runner';
import { EvalStore, EvalStoreError, type EvalResult } from '../../eval/store';
import { renderResultsTable } from '../../eval/table';
import { episodesDbPath, sinqDir } from '../../store/paths';
import { parseCommand } from '../args';
import { CliError } from '../errors';
import { integerFlagOr } from '../numeric-flags';

export const summary =
  "run the study's benchmarks (identifier-swap, defect-detection, pysecdb) on Ollama models or a campaign's model versions";

const usage = `usage: sinq eval identifier-swap|defect-detection|pysecdb --model ollama:<tag>[,…] [--campaign ID] [--limit N] [--json]

benchmarks:
  identifier-swap   which of two bodies is right after two builtins were swapped; every item in both
                    orders at temperature 0, the first digit of the reply read (data: ../shared/data/
                    python_builtins_swap.csv relative to the repository)
  defect-detection  CodeXGLUE defect detection (C functions; JSONL {"func","target","idx"}); --data FILE
  pysecdb           PySecDB (does a Python patch fix a vulnerability; JSON records {"id","label",
                    "content","source","CVE-ID"}); --data FILE
  The defect tasks ask for {"vulnerability": true|false}, ${defaultPlanSettings.samples} samples at temperature 1 with a majority vote.

options:
  --model ollama:<tag>[,…]  models to evaluate (with --campaign: in addition to the campaign's)
  --campaign ID             evaluate the campaign's base model(s) and every model version it registered;
                            results go to the campaign's episodes.db (table eval_results)
  --limit N                 the first N items only
  --data FILE               the benchmark's data file
  --cot                     defect tasks: the chain-of-thought variant (answer under "# Answer")
  --samples N               defect tasks: samples per item for the vote (default ${defaultPlanSettings.samples})
  --num-ctx N               Ollama context window per query (default ${defaultPlanSettings.numCtx}, the study's 16k)
  --seed S                  seed of the sampled queries (default 0)
  --concurrency N           queries in flight per model (default 2)
  --dir DIR                 sinq's directory (default .sinq): campaign stores, and eval/eval.db without --campaign
  --json                    print the result rows as JSON
A killed run resumes where it stopped: every reply is stored as soon as it is read. OLLAMA_HOST names the server.`;

const options = {
  model: { type: 'string' },
  campaign: { type: 'string' },
  limit: { type: 'string' },
  data: { type: 'string' },
  cot: { type: 'boolean' },
  samples: { type: 'string' },
  'num-ctx': { type: 'string' },
  seed: { type: 'string' },
  concurrency: { type: 'string' },
  dir: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Where the shared data sets live: ../shared/data next to the repository, or SINQ_SHARED_DATA. */
export function defaultSwapData(root = repoRoot): string {
  return path.resolve(
    process.env.SINQ_SHARED_DATA ?? path.join(root, '..', 'shared', 'data'),
    'python_builtins_swap.csv',
  );
}

function integer(flag: string, value: string | undefined, min: number): number | undefined {
  return integerFlagOr(flag, value, undefined, { min });
}

function parseModels(value: string | undefined): string[] {
  if (value === undefined) return [];
  return value.split(',').map((spec) => {
    const trimmed = spec.trim();
    if (!trimmed.startsWith('ollama:') || trimmed.length === 'ollama:'.length)
      throw new CliError(`--model takes ollama:<tag>[,…], got '${trimmed}'`);
    return trimmed.slice('ollama:'.length);
  });
}

async function loadItems(benchmark: BenchmarkName, data: string | undefined): Promise<BenchmarkItems> {
  if (benchmark === 'identifier-swap') {
    const file = path.resolve(data ?? defaultSwapData());
    if (!existsSync(file))
      throw new CliError(
        `no identifier-swap data at ${file}; put python_builtins_swap.csv in ../shared/data or pass --data FILE`,
        1,
      );
    return { benchmark, items: await loadIdentifierSwap(file) };
  }
  if (data === undefined) {
    const where =
      benchmark === 'defect-detection'
        ? 'CodeXGLUE Defect-detection test.jsonl (microsoft/CodeXGLUE, Code-Code/Defect-detection)'
        : 'PySecDB (request it from SunLab-GMU/PySecDB)';
    throw new CliError(`${benchmark} needs --data FILE: the ${where}`);
  }
  const file = path.resolve(data);
  if (!existsSync(file)) throw new CliError(`no such file: ${file}`, 1);
  return {
    benchmark,
    items: benchmark === 'defect-detection' ? await loadDefectDetection(file) : await loadPySecDb(file),
  };
}

class EvalInterrupted extends Error {
  constructor(signal: NodeJS.Signals, storeFile: string) {
    super(
      `interrupted by ${signal}; the answers so far are stored in ${storeFile}; run the same command again to continue`,
    );
    this.name = 'EvalInterrupted';
  }
}

function firstItems(input: BenchmarkItems, limit: number | undefined): BenchmarkItems {
  if (limit === undefined) return input;
  return input.benchmark === 'identifier-swap'
    ? { benchmark: input.benchmark, items: input.items.slice(0, limit) }
    : { benchmark: input.benchmark, items: input.items.slice(0, limit) };
}

function describeFailure(err: unknown): CliError | undefined {
  if (err instanceof EvalInterrupted) return new CliError(err.message, 130);
  if (err instanceof DatasetError || err instanceof ContextOverflowError || err instanceof EvalStoreError)
    return new CliError(err.message, 1);
  if (err instanceof ActorError) return new CliError(`${err.code}: ${err.message}`, 1);
  return undefined;
}

export async function run(argv: string[]): Promise<number> {
  const parsed = parseCommand(argv, options, usage);
  if (!parsed) return 0;
  const { values, positionals } = parsed;
  const benchmark = positionals[0];
  if (benchmark === undefined) throw new CliError(`name a benchmark\n${usage}`);
  if (!(benchmarkNames as readonly string[]).includes(benchmark))
    throw new CliError(`unknown benchmark '${benchmark}' (expected ${benchmarkNames.join(', ')})\n${usage}`);
  if (positionals.length > 1) throw new CliError(`unexpected argument '${positionals[1]}'\n${usage}`);
  const name = benchmark as BenchmarkName;
  if (values.cot && name === 'identifier-swap') throw new CliError('--cot applies to defect-detection and pysecdb');
  const limit = integer('--limit', values.limit, 1);
  const settings = {
    numCtx: integer('--num-ctx', values['num-ctx'], 256) ?? defaultPlanSettings.numCtx,
    samples: integer('--samples', values.samples, 1) ?? defaultPlanSettings.samples,
    seed: integer('--seed', values.seed, 0) ?? defaultPlanSettings.seed,
    chainOfThought: values.cot ?? false,
  };
  const concurrency = integer('--concurrency', values.concurrency, 1) ?? 2;
  const dir = sinqDir(values.dir);
  const explicit = parseModels(values.model);
  const campaignId = values.campaign;
  if (campaignId === undefined && explicit.length === 0)
    throw new CliError(`--model ollama:<tag>[,…] or --campaign ID is required\n${usage}`);

  try {
    let storeFile = path.join(dir, 'eval', 'eval.db');
    let models: ModelUnderTest[] = explicit.map((tag) => ({ tag, round: null }));
    if (campaignId !== undefined) {
      storeFile = episodesDbPath(dir, campaignId);
      if (!existsSync(storeFile)) throw new CliError(`no campaign '${campaignId}' in ${dir} (no ${storeFile})`, 1);
      const versions = await campaignModels(storeFile, campaignId);
      models = [...versions, ...models.filter((m) => !versions.some((v) => v.tag === m.tag))];
      if (models.length === 0)
        throw new CliError(
          `campaign ${campaignId} has no Ollama model to evaluate (no ollama player, no registered model); pass --model ollama:<tag>`,
          1,
        );
    }
    const loaded = await loadItems(name, values.data);
    const items = firstItems(loaded, limit);
    const plan = planBenchmark(items, settings);
    const store = await EvalStore.open(storeFile);
    const results: EvalResult[] = [];
    // Ctrl-C or SIGTERM stops the queries in flight; what was answered stays stored for the next run.
    const interrupt = new AbortController();
    const stop = (signal: NodeJS.Signals): void => interrupt.abort(new EvalInterrupted(signal, storeFile));
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    try {
      for (const model of models) {
        const { result } = await runBenchmark(plan, model, {
          store,
          campaignId: campaignId ?? '',
          host: ollamaHost(),
          concurrency,
          signal: interrupt.signal,
        });
        results.push(result);
      }
    } finally {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      store.close();
    }
    process.stdout.write(
      (values.json ? JSON.stringify(results) : `${renderResultsTable(results)}\nstored in ${storeFile}`) + '\n',
    );
    return 0;
  } catch (err) {
    throw describeFailure(err) ?? err;
  }
}
