// Runs tasks/py/derive_inputs.py once per file load: every row goes in on stdin as one JSON
// request, one JSON reply comes back. The helper only parses dataset text, it never executes it.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { TaskSetError } from './errors';

const helperPath = fileURLToPath(new URL('./py/derive_inputs.py', import.meta.url));
const helperTimeoutMs = 120_000;

export interface MbppAnalysisRow {
  key: number;
  source: string;
  tests: string[];
}

export interface HumanEvalAnalysisRow {
  key: number;
  source: string;
  entryPoint: string;
  test: string;
}

export interface CheckAnalysisRow {
  key: number;
  source: string;
  entryPoint: string;
  inputs: string[];
}

const AnalysisOk = z.object({
  key: z.number(),
  ok: z.literal(true),
  entryPoint: z.string(),
  params: z.array(z.string()),
  inputs: z.array(z.string()),
  /** Calls or inputs left out, and why. */
  notes: z.array(z.string()),
  description: z.string().optional(),
  problems: z.array(z.string()).optional(),
});

const AnalysisFailed = z.object({ key: z.number(), ok: z.literal(false), reason: z.string() });

const AnalysisReply = z.object({ results: z.array(z.discriminatedUnion('ok', [AnalysisOk, AnalysisFailed])) });

export type AnalysisResult = z.infer<typeof AnalysisOk> | z.infer<typeof AnalysisFailed>;

type Request =
  | { mode: 'mbpp'; rows: MbppAnalysisRow[] }
  | { mode: 'humaneval'; rows: HumanEvalAnalysisRow[] }
  | { mode: 'check'; rows: CheckAnalysisRow[] };

function pythonExecutable(): string {
  return process.env.SINQ_PYTHON ?? 'python3';
}

/** Analyses all rows in one Python process; results come back keyed like the rows. */
export async function analyse(request: Request): Promise<Map<number, AnalysisResult>> {
  if (request.rows.length === 0) return new Map();
  const stdout = await runHelper(JSON.stringify(request));
  let raw: unknown;
  try {
    raw = JSON.parse(stdout);
  } catch {
    throw new TaskSetError(
      'E_TASK_ANALYSIS',
      `task analysis helper wrote something that is not JSON: ${stdout.slice(0, 200)}`,
    );
  }
  const parsed = AnalysisReply.safeParse(raw);
  if (!parsed.success) {
    throw new TaskSetError(
      'E_TASK_ANALYSIS',
      `task analysis helper reply has an unexpected shape: ${parsed.error.issues[0]?.message ?? 'invalid'}`,
    );
  }
  return new Map(parsed.data.results.map((result) => [result.key, result]));
}

function runHelper(input: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(pythonExecutable(), ['-I', helperPath], { stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    const timer = setTimeout(() => child.kill('SIGKILL'), helperTimeoutMs);
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(
        new TaskSetError('E_TASK_ANALYSIS', `cannot start ${pythonExecutable()} for task analysis: ${error.message}`),
      );
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) {
        resolve(Buffer.concat(out).toString('utf8'));
        return;
      }
      const stderr = Buffer.concat(err).toString('utf8').trim().split('\n').slice(-3).join(' | ');
      const how = signal ? `was killed by ${signal}` : `exited with code ${String(code)}`;
      reject(new TaskSetError('E_TASK_ANALYSIS', `task analysis helper ${how}${stderr ? `: ${stderr}` : ''}`));
    });
    // A helper that dies early closes its stdin; the close handler reports why.
    child.stdin.on('error', () => undefined);
    child.stdin.end(input);
  });
}
