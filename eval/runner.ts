// Runs one benchmark plan on one model: asks every query that has no stored answer yet (a few at a
// time), stores each reply as soon as it is read, then scores the stored answers and records the
// result row. A killed run loses at most the replies in flight; the next run asks only the rest.
import { preflightOllama } from '../actors/policies/ollama/preflight';
import type { BackoffOptions } from '../actors/policies/ollama/retry';
import type { BenchmarkPlan, EvalQuery } from './benchmarks';
import { askModel, ContextOverflowError, contextBound } from './model-client';
import { createProgress, type Progress } from './progress';
import { answerKey, type EvalResult, type EvalStore } from './store';

export interface ModelUnderTest {
  /** The Ollama model tag. */
  tag: string;
  /** The campaign round whose training produced it; null for a base model. */
  round: number | null;
}

export interface RunOptions {
  store: EvalStore;
  /** '' outside a campaign. */
  campaignId: string;
  host: string;
  /** Queries in flight at once. */
  concurrency: number;
  signal?: AbortSignal;
  backoff?: BackoffOptions;
  /** Called once per run with the counts, before any query is asked; default: a TTY progress line. */
  progress?: (label: string, total: number, resumed: number) => Progress;
  now?: () => number;
}

export interface RunSummary {
  result: EvalResult;
  /** Queries asked in this run (the rest were already stored). */
  asked: number;
  resumed: number;
}

/** Refuses a plan any of whose queries might not fit num_ctx, before asking anything. */
export function checkContext(plan: BenchmarkPlan): void {
  let worst: { query: EvalQuery; bound: number } | undefined;
  let over = 0;
  for (const query of plan.queries) {
    const bound = contextBound(query.messages, query.sampling.numPredict);
    if (bound <= query.sampling.numCtx) continue;
    over++;
    if (!worst || bound > worst.bound) worst = { query, bound };
  }
  if (!worst) return;
  const needed = 2 ** Math.ceil(Math.log2(worst.bound));
  throw new ContextOverflowError(
    `${plan.name}: ${over} quer${over === 1 ? 'y' : 'ies'} may not fit num_ctx ${worst.query.sampling.numCtx} (largest: item ${worst.query.itemId}, up to ${worst.bound} tokens with the reply); ` +
      `Ollama would cut them silently, so nothing was asked; rerun with --num-ctx ${needed} or leave those items out`,
  );
}

function describe(plan: BenchmarkPlan, query: EvalQuery): string {
  return `${plan.name} item ${query.itemId} ${plan.name === 'identifier-swap' ? 'order' : 'sample'} ${query.variant}`;
}

export async function runBenchmark(
  plan: BenchmarkPlan,
  model: ModelUnderTest,
  options: RunOptions,
): Promise<RunSummary> {
  const { store, campaignId } = options;
  const now = options.now ?? Date.now;
  checkContext(plan);
  const stored = await store.answers(campaignId, plan.name, model.tag);
  const pending = plan.queries.filter((q) => !stored.has(answerKey(q.itemId, q.variant, q.digest)));
  const resumed = plan.queries.length - pending.length;
  if (pending.length > 0) {
    await preflightOllama(options.host, model.tag, options.signal).catch((err: unknown) => {
      throw options.signal?.aborted ? options.signal.reason : err;
    });
  }

  const controller = new AbortController();
  const outer = options.signal;
  const onOuterAbort = (): void => controller.abort(outer?.reason);
  if (outer?.aborted) controller.abort(outer.reason);
  outer?.addEventListener('abort', onOuterAbort, { once: true });
  const progress = (options.progress ?? createProgress)(`${plan.name} ${model.tag}`, plan.queries.length, resumed);
  let done = resumed;
  let next = 0;
  let failure: unknown;
  const worker = async (): Promise<void> => {
    while (failure === undefined && next < pending.length) {
      const query = pending[next++]!;
      try {
        const reply = await askModel({
          host: options.host,
          model: model.tag,
          messages: query.messages,
          sampling: query.sampling,
          signal: controller.signal,
          backoff: options.backoff,
          label: describe(plan, query),
        });
        const read = plan.read(reply.text);
        const cut = !read.ok && reply.doneReason === 'length';
        await store.recordAnswer(
          campaignId,
          plan.name,
          model.tag,
          {
            itemId: query.itemId,
            variant: query.variant,
            digest: query.digest,
            answer: read.ok ? read.value : null,
            failure: read.ok
              ? null
              : cut
                ? `truncated at num_predict ${query.sampling.numPredict}: ${read.reason}`
                : read.reason,
            raw: reply.text,
            doneReason: reply.doneReason,
            promptTokens: reply.promptTokens,
            replyTokens: reply.replyTokens,
          },
          now(),
        );
        progress.update(++done);
      } catch (err) {
        if (failure === undefined) failure = err;
        controller.abort(err);
      }
    }
  };
  try {
    await Promise.all(
      Array.from({ length: Math.max(1, Math.min(options.concurrency, pending.length)) }, () => worker()),
    );
  } finally {
    outer?.removeEventListener('abort', onOuterAbort);
    progress.finish();
  }
  if (failure !== undefined) throw failure;

  const answers = await store.answers(campaignId, plan.name, model.tag);
  const digests = new Map(plan.queries.map((q) => [`${q.itemId}\u0000${q.variant}`, q.digest]));
  const score = plan.score((itemId, variant) =>
    answers.get(answerKey(itemId, variant, digests.get(`${itemId}\u0000${variant}`) ?? '')),
  );
  const result: EvalResult = {
    ...score,
    campaignId,
    benchmark: plan.name,
    model: model.tag,
    round: model.round,
    finishedAt: now(),
  };
  await store.recordResult(result);
  return { result, asked: pending.length, resumed };
}
