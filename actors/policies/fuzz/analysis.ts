// Static facts about a program pair from analyze.py: the entry point's parameters with usage
// hints, parsed example inputs, the literals of both programs and those on the lines that differ.
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import type { DivergingInput, PyValue } from '../../../game/types';
import { runPythonHelper, type HelperOptions } from './python-helper';

const scriptPath = fileURLToPath(new URL('./analyze.py', import.meta.url));

const pyValueSchema: z.ZodType<PyValue> = z.lazy(() =>
  z.union([
    z.object({ t: z.literal('none') }),
    z.object({ t: z.literal('bool'), v: z.boolean() }),
    z.object({ t: z.literal('int'), v: z.string() }),
    z.object({ t: z.literal('float'), v: z.union([z.number(), z.enum(['nan', 'inf', '-inf'])]) }),
    z.object({ t: z.literal('complex'), re: z.union([z.number(), z.enum(['nan', 'inf', '-inf'])]), im: z.union([z.number(), z.enum(['nan', 'inf', '-inf'])]) }),
    z.object({ t: z.literal('str'), v: z.string() }),
    z.object({ t: z.literal('bytes'), v: z.string() }),
    z.object({ t: z.enum(['list', 'tuple', 'set', 'frozenset']), v: z.array(pyValueSchema) }),
    z.object({ t: z.literal('dict'), v: z.array(z.tuple([pyValueSchema, pyValueSchema])) }),
    z.object({ t: z.literal('object'), type: z.string(), repr: z.string() }),
  ]),
) as z.ZodType<PyValue>;

const paramSchema = z.object({
  name: z.string(),
  kind: z.enum(['positional', 'keyword']),
  default: pyValueSchema.nullable(),
  annotation: z.string().nullable(),
  hints: z.array(z.string()),
  elementHints: z.array(z.string()),
  elementFieldHints: z.array(z.array(z.string())),
});

export type ParamInfo = z.infer<typeof paramSchema>;

const analysisSchema = z.discriminatedUnion('ok', [
  z.object({
    ok: z.literal(true),
    params: z.array(paramSchema),
    examples: z.array(z.union([z.object({ ok: z.literal(true), value: z.record(z.string(), pyValueSchema) }), z.object({ ok: z.literal(false), reason: z.string() })])),
    literals: z.array(pyValueSchema),
    changedLiterals: z.array(pyValueSchema),
    changedLines: z.array(z.string()),
    variantError: z.string().nullable().optional(),
    lengthHints: z.array(z.number()),
  }),
  z.object({ ok: z.literal(false), code: z.string(), message: z.string() }),
]);

export type PairAnalysis = Extract<z.infer<typeof analysisSchema>, { ok: true }>;

export type AnalysisErrorCode = 'E_SYNTAX' | 'E_NO_ENTRY' | 'E_REQUEST' | 'E_TOO_COMPLEX' | 'E_ANALYSIS';

export class AnalysisError extends Error {
  constructor(
    readonly code: AnalysisErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'AnalysisError';
  }
}

export interface AnalyzeRequest {
  original: string;
  /** Omitted when only the original is known (e.g. the generator sampling random inputs). */
  variant?: string;
  entryPoint: string;
  examples?: DivergingInput[];
}

/** Analyses a program (pair) statically; throws AnalysisError when the original is unusable. */
export async function analyzePair(request: AnalyzeRequest, options: HelperOptions = {}): Promise<PairAnalysis> {
  const raw = await runPythonHelper(scriptPath, { ...request, examples: request.examples ?? [] }, options);
  const parsed = analysisSchema.safeParse(raw);
  if (!parsed.success) throw new AnalysisError('E_ANALYSIS', `analyze.py replied in an unexpected shape: ${parsed.error.issues[0]?.message ?? ''}`);
  const reply = parsed.data;
  if (!reply.ok) {
    const code = (['E_SYNTAX', 'E_NO_ENTRY', 'E_REQUEST', 'E_TOO_COMPLEX'] as const).find((c) => c === reply.code) ?? 'E_ANALYSIS';
    throw new AnalysisError(code, reply.message);
  }
  return reply;
}
