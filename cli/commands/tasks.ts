// `sinq tasks validate|list SPEC`: check a task set (schema, entry points, unique ids, and every
// reference solution run on every example in the sandbox) or list its tasks.
import { parseArgs } from 'node:util';
import type { Sandbox } from '../../sandbox/api';
import {
  loadTaskSet,
  mbppSplits,
  openSandbox,
  TaskSetError,
  validateTaskSet,
  type LoadOptions,
  type MbppSplit,
  type TaskSet,
  type ValidationReport,
} from '../../tasks/index';
import { CliError } from '../errors';
import { parseIntegerFlag } from '../numeric-flags';

export const summary =
  'check a task set (validate) or list its tasks (list): our JSONL, mbpp:FILE[#split], humaneval:FILE';

const usage = `usage:
  sinq tasks validate SPEC [--lenient] [--json] [--no-run] [--split NAME] [--limit N] [--timeout-ms N]
  sinq tasks list SPEC [--lenient] [--json] [--split NAME] [--limit N]

SPEC is a path to our JSONL (e.g. data/tasks.jsonl), or mbpp:FILE[#split], humaneval:FILE
(the kind is guessed from the file name when there is no prefix). MBPP splits: ${Object.keys(mbppSplits).join(', ')}.

validate checks the schema, that entry points exist and take every example's keys, that ids are
unique, and (unless --no-run) that each reference solution returns cleanly on every example.
Exit 1 when anything fails. --lenient skips malformed rows, counting them with their reasons.`;

const options = {
  lenient: { type: 'boolean' },
  json: { type: 'boolean' },
  'no-run': { type: 'boolean' },
  split: { type: 'string' },
  limit: { type: 'string' },
  'timeout-ms': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

type Parsed = ReturnType<typeof parseArgs<{ options: typeof options; allowPositionals: true }>>['values'];

export async function run(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (err) {
    throw new CliError(`${(err as Error).message}\n${usage}`);
  }
  const { values, positionals } = parsed;
  const [action, spec, ...extra] = positionals;
  if (values.help) {
    process.stdout.write(usage + '\n');
    return 0;
  }
  if (action !== 'validate' && action !== 'list')
    throw new CliError(
      `expected 'validate' or 'list', got ${action === undefined ? 'nothing' : `'${action}'`}\n${usage}`,
    );
  if (spec === undefined) throw new CliError(`missing task-set SPEC\n${usage}`);
  if (extra.length > 0) throw new CliError(`unexpected argument(s): ${extra.join(' ')}`);
  if (action === 'list' && (values['no-run'] || values['timeout-ms'] !== undefined))
    throw new CliError('--no-run and --timeout-ms apply to validate only');
  const loadOptions = toLoadOptions(values);
  // Flags are checked before the set is loaded, so that a bad value is the error reported.
  const timeoutMs = values['timeout-ms'] === undefined ? undefined : positiveInteger('--timeout-ms', values['timeout-ms']);

  let set: TaskSet;
  try {
    set = await loadTaskSet(spec, loadOptions);
  } catch (err) {
    if (!(err instanceof TaskSetError)) throw err;
    if (err.code === 'E_TASK_SPEC') throw new CliError(err.message);
    if (values.json) writeJson({ ok: false, error: { code: err.code, message: err.message } });
    else process.stderr.write(`error: ${err.message}\n`);
    return 1;
  }
  if (action === 'list') return list(set, values.json ?? false);
  return validate(spec, set, values, timeoutMs);
}

function toLoadOptions(values: Parsed): LoadOptions {
  const load: LoadOptions = { lenient: values.lenient ?? false };
  if (values.split !== undefined) {
    if (!Object.hasOwn(mbppSplits, values.split))
      throw new CliError(`unknown split '${values.split}' (splits: ${Object.keys(mbppSplits).join(', ')})`);
    load.split = values.split as MbppSplit;
  }
  if (values.limit !== undefined) load.limit = positiveInteger('--limit', values.limit, true);
  return load;
}

function positiveInteger(flag: string, text: string, allowZero = false): number {
  return parseIntegerFlag(flag, text, { min: allowZero ? 0 : 1 });
}

function list(set: TaskSet, json: boolean): number {
  if (json) {
    for (const task of set.tasks) {
      writeJson({
        id: task.id,
        entryPoint: task.entryPoint,
        examples: task.exampleInputs.length,
        origin: task.origin,
        description: task.description,
      });
    }
  } else {
    for (const task of set.tasks) {
      process.stdout.write(
        `${task.id}\t${task.entryPoint}\t${task.exampleInputs.length} examples\t${oneLine(task.description, 80)}\n`,
      );
    }
    process.stdout.write(
      `${set.tasks.length} tasks${set.skipped.length > 0 ? `, ${set.skipped.length} rows skipped` : ''}\n`,
    );
  }
  return 0;
}

async function validate(spec: string, set: TaskSet, values: Parsed, timeoutMs: number | undefined): Promise<number> {
  let sandbox: Sandbox | undefined;
  if (!values['no-run'] && set.tasks.length > 0) {
    try {
      sandbox = await openSandbox(timeoutMs === undefined ? {} : { defaultTimeoutMs: timeoutMs });
    } catch (err) {
      const message = `${(err as Error).message} (use --no-run to check without running the reference solutions)`;
      if (values.json) writeJson({ ok: false, error: { code: 'E_TASK_SANDBOX', message } });
      else process.stderr.write(`error: ${message}\n`);
      return 1;
    }
  }
  let report: ValidationReport;
  try {
    report = await validateTaskSet(set, timeoutMs === undefined ? { sandbox } : { sandbox, timeoutMs });
  } finally {
    await sandbox?.close();
  }
  // In lenient mode skipped rows are tolerated; otherwise only non-fatal reports can be present.
  const ok = report.failures.length === 0;
  if (values.json) writeJson({ ok, spec, ...report });
  else process.stdout.write(renderReport(spec, report, ok));
  return ok ? 0 : 1;
}

function renderReport(spec: string, report: ValidationReport, ok: boolean): string {
  const lines: string[] = [`task set: ${spec}`];
  const origins = Object.entries(report.byOrigin)
    .map(([origin, count]) => `${origin} ${count}`)
    .join(', ');
  lines.push(`tasks: ${report.tasks}${origins ? ` (${origins})` : ''}`);
  lines.push(
    report.ran
      ? `examples: ${report.examples}, ${report.passed} returned cleanly, ${report.failures.length} failed`
      : `examples: ${report.examples} (not run)`,
  );
  const section = (title: string, rows: Array<{ line: number; reason: string }>): void => {
    lines.push(`${title}: ${rows.length}`);
    for (const row of rows.slice(0, 50)) lines.push(`  ${oneLine(row.reason, 200)}`);
    if (rows.length > 50) lines.push(`  ... and ${rows.length - 50} more`);
  };
  section('skipped rows', report.skipped);
  section('warnings', report.warnings);
  lines.push(`failures: ${report.failures.length}`);
  for (const failure of report.failures.slice(0, 100)) {
    lines.push(
      `  ${failure.taskId}${failure.input === null ? '' : ` ${oneLine(failure.input, 80)}`}: ${oneLine(failure.reason, 200)}`,
    );
  }
  if (report.failures.length > 100) lines.push(`  ... and ${report.failures.length - 100} more`);
  lines.push(ok ? 'OK' : 'FAILED');
  return lines.join('\n') + '\n';
}

function oneLine(text: string, max: number): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length <= max ? flat : `${flat.slice(0, max - 3)}...`;
}

function writeJson(value: unknown): void {
  process.stdout.write(JSON.stringify(value) + '\n');
}
