// `sinq parse`: read a model reply in the game's Markdown contract and print its parse as JSON
// (or, with --render, write a reply given as JSON in the contract's canonical Markdown).
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import {
  MAX_REPLY_CHARS,
  parseEvaluatorReply,
  parseGeneratorReply,
  renderEvaluatorReply,
  renderGeneratorReply,
} from '../../game/reply';
import type { EvaluatorReply, GeneratorReply, ParseResult } from '../../game/types';
import { BatchLineError, runBatch } from '../batch';
import { parseCommand } from '../args';
import { CliError } from '../errors';
import { parseIntegerFlag } from '../numeric-flags';

export const summary = 'parse a generator or evaluator reply (Markdown) into JSON; --batch for JSONL';

const usage = `usage:
  sinq parse --role generator|evaluator [FILE|-] [--max-chars N]     (reads stdin without FILE)
  sinq parse --batch FILE.jsonl [--role generator|evaluator] [--max-chars N]
  sinq parse --render --role generator|evaluator [FILE|-]   (JSON reply in, Markdown out)

Prints the parse result as one JSON line: {"ok":true,"value":{...}} or
{"ok":false,"reason":"missing-section|missing-code-block|truncated|bad-answer|empty|too-large","detail":"..."}.
Exit 0 when the reply parsed, 1 when it did not.
--batch reads lines {"id":..., "role":"generator"|"evaluator", "text":"..."} (role may come from --role)
and prints one result per line, {"id":...,"ok":true,"result":<parse result>}; exit 1 when a line
itself is malformed (parse failures are results, counted on stderr).
--render reads {"analysis","program","divergingInput"} (generator) or {"analysis","equivalent",
"divergingInput"} (evaluator), as printed under "value", and prints the canonical Markdown.`;

const options = {
  role: { type: 'string', short: 'r' },
  batch: { type: 'string' },
  render: { type: 'boolean' },
  'max-chars': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

const roles = ['generator', 'evaluator'] as const;
type Role = (typeof roles)[number];

const generatorReplySchema = z.object({
  analysis: z.string(),
  program: z.string().min(1),
  divergingInput: z.string().min(1),
});
const evaluatorReplySchema = z.object({
  analysis: z.string(),
  equivalent: z.boolean().nullable(),
  divergingInput: z.string().min(1).nullable(),
});

const batchLine = z.object({
  id: z.union([z.string(), z.number()]).optional(),
  role: z.enum(roles).optional(),
  text: z.string(),
});

export function parseReply(
  role: Role,
  text: string,
  maxChars: number,
): ParseResult<GeneratorReply> | ParseResult<EvaluatorReply> {
  return role === 'generator' ? parseGeneratorReply(text, { maxChars }) : parseEvaluatorReply(text, { maxChars });
}

function toRole(text: string | undefined): Role | undefined {
  if (text === undefined) return undefined;
  if (!(roles as readonly string[]).includes(text))
    throw new CliError(`--role must be generator or evaluator, got '${text}'`);
  return text as Role;
}

async function readStdin(): Promise<string> {
  if (process.stdin.isTTY) throw new CliError(`no reply: pass a FILE or pipe the reply on stdin\n${usage}`);
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin)
    chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}

async function readReply(file: string | undefined): Promise<string> {
  if (file === undefined || file === '-') return readStdin();
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    throw new CliError(`cannot read ${file}: ${(err as Error).message}`);
  }
}

export async function run(argv: string[]): Promise<number> {
  const parsed = parseCommand(argv, options, usage);
  if (!parsed) return 0;
  const { values, positionals } = parsed;
  const role = toRole(values.role);
  let maxChars = MAX_REPLY_CHARS;
  if (values['max-chars'] !== undefined) {
    maxChars = parseIntegerFlag('--max-chars', values['max-chars'], { min: 1 });
  }
  if (values.batch !== undefined && values.render) throw new CliError('--render and --batch do not combine');
  if (values.batch !== undefined) {
    if (positionals.length > 0) throw new CliError(`unexpected argument(s) with --batch: ${positionals.join(' ')}`);
    return runParseBatch(values.batch, role, maxChars);
  }
  if (role === undefined) throw new CliError(`missing --role generator|evaluator\n${usage}`);
  if (positionals.length > 1) throw new CliError(`unexpected argument(s): ${positionals.slice(1).join(' ')}`);
  if (values.render) {
    process.stdout.write(render(role, await readReply(positionals[0])));
    return 0;
  }
  const result = parseReply(role, await readReply(positionals[0]), maxChars);
  process.stdout.write(JSON.stringify(result) + '\n');
  return result.ok ? 0 : 1;
}

async function runParseBatch(file: string, defaultRole: Role | undefined, maxChars: number): Promise<number> {
  const counts = { parsed: 0, failed: 0 };
  let badLines: number;
  try {
    badLines = await runBatch(file, batchLine, async (line) => {
      const role = line.role ?? defaultRole;
      if (role === undefined) throw new BatchLineError('E_INPUT', "the line has no 'role' and no --role was given");
      const result = parseReply(role, line.text, maxChars);
      counts[result.ok ? 'parsed' : 'failed'] += 1;
      return result;
    });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'EISDIR' || code === 'EACCES')
      throw new CliError(`cannot read ${file}: ${(err as Error).message}`);
    throw err;
  }
  process.stderr.write(`${counts.parsed} parsed, ${counts.failed} parse failures, ${badLines} bad lines\n`);
  return badLines > 0 ? 1 : 0;
}

function validated<S extends z.ZodType>(schema: S, raw: unknown): z.infer<S> {
  const parsed = schema.safeParse(raw);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const where = issue && issue.path.length > 0 ? `field '${issue.path.join('.')}'` : 'the reply';
  throw new CliError(`--render: ${where}: ${issue?.message ?? 'invalid'}`);
}

/** Markdown for a reply given as JSON; a CliError names the first field that is wrong. */
export function render(role: Role, json: string): string {
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch (err) {
    throw new CliError(`--render needs a JSON reply: ${(err as Error).message}`);
  }
  return role === 'generator'
    ? renderGeneratorReply(validated(generatorReplySchema, raw))
    : renderEvaluatorReply(validated(evaluatorReplySchema, raw));
}
