// First-order mutants of a program, from mutate.py (static: the program is parsed, never run).
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { runPythonHelper, type HelperOptions } from '../fuzz/python-helper';

const scriptPath = fileURLToPath(new URL('./mutate.py', import.meta.url));

export const mutationOperators = [
  'arithmetic',
  'comparison',
  'boolean',
  'constant',
  'index',
  'slice',
  'range',
  'swap-arguments',
  'builtin',
  'guard',
  'break-continue',
  'augmented-assignment',
  'return-value',
] as const;
export type MutationOperator = (typeof mutationOperators)[number];

const mutantSchema = z.object({
  operator: z.enum(mutationOperators),
  line: z.number().int(),
  col: z.number().int(),
  /** Last original line the change touches (`line`..`endLine` is all that differs). */
  endLine: z.number().int(),
  description: z.string(),
  /** The mutant: the original text with only the changed piece rewritten. */
  source: z.string(),
  /** `kept`: the original's formatting everywhere else; `normalized`: no splice checked out, the whole program was re-rendered. */
  formatting: z.enum(['kept', 'normalized']),
});

export type Mutant = z.infer<typeof mutantSchema>;

const replySchema = z.discriminatedUnion('ok', [
  z.object({ ok: z.literal(true), normalized: z.string(), mutants: z.array(mutantSchema) }),
  z.object({ ok: z.literal(false), code: z.string(), message: z.string() }),
]);

export type MutationErrorCode = 'E_SYNTAX' | 'E_NO_ENTRY' | 'E_REQUEST' | 'E_TOO_COMPLEX' | 'E_ENUMERATE' | 'E_NO_MUTANT';

export class MutationError extends Error {
  constructor(
    readonly code: MutationErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'MutationError';
  }
}

export interface MutantList {
  /** The original as `ast.unparse` renders it (mutants with `formatting: 'normalized'` share this formatting). */
  normalized: string;
  mutants: Mutant[];
}

/** All mutants of `source`, in a fixed order; throws MutationError when the source is unusable. */
export async function enumerateMutants(source: string, entryPoint: string, options: HelperOptions & { maxMutants?: number } = {}): Promise<MutantList> {
  const raw = await runPythonHelper(scriptPath, { source, entryPoint, maxMutants: options.maxMutants ?? 2000 }, options);
  const parsed = replySchema.safeParse(raw);
  if (!parsed.success) throw new MutationError('E_ENUMERATE', `mutate.py replied in an unexpected shape: ${parsed.error.issues[0]?.message ?? ''}`);
  const reply = parsed.data;
  if (!reply.ok) {
    const code = (['E_SYNTAX', 'E_NO_ENTRY', 'E_REQUEST', 'E_TOO_COMPLEX'] as const).find((c) => c === reply.code) ?? 'E_ENUMERATE';
    throw new MutationError(code, reply.message);
  }
  return { normalized: reply.normalized, mutants: reply.mutants };
}
