// The `sinq` command: a verb table that lazily loads one module per verb from cli/commands/.
// Each module exports `run(argv: string[]): Promise<number>` and a one-line `summary`.
import { CliError } from './errors';

export interface CommandModule {
  summary: string;
  run(argv: string[]): Promise<number>;
}

// Verbs whose module may land independently; a missing one says so instead of failing the rest.
const verbNames = [
  'verify',
  'attack',
  'mutate',
  'parse',
  'tasks',
  'engine',
  'actor',
  'up',
  'worker',
  'doctor',
  'campaign',
  'episodes',
  'export',
  'sandbox',
  'eval',
  'report',
  'ui',
] as const;

async function loadVerb(name: string): Promise<CommandModule> {
  const mod: unknown = await import(new URL(`./commands/${name}.ts`, import.meta.url).href);
  const candidate = mod as Partial<CommandModule>;
  if (typeof candidate.run !== 'function' || typeof candidate.summary !== 'string') {
    throw new Error(`cli/commands/${name}.ts does not export run() and summary`);
  }
  return candidate as CommandModule;
}

const verbs: Record<string, () => Promise<CommandModule>> = Object.fromEntries(
  verbNames.map((name) => [name, () => loadVerb(name)]),
);

async function usage(): Promise<string> {
  const lines = ['usage: sinq <verb> [options]', '', 'verbs:'];
  for (const [name, load] of Object.entries(verbs)) {
    const summary = await load().then(
      (m) => m.summary,
      () => '(not available in this build)',
    );
    lines.push(`  ${name.padEnd(10)} ${summary}`);
  }
  return lines.join('\n');
}

export async function main(argv: string[]): Promise<number> {
  const [verb, ...rest] = argv;
  if (verb === undefined || verb === '--help' || verb === '-h' || verb === 'help') {
    process.stdout.write((await usage()) + '\n');
    return verb === undefined ? 2 : 0;
  }
  const load = verbs[verb];
  if (!load) {
    process.stderr.write(`sinq: unknown verb '${verb}'\n${await usage()}\n`);
    return 2;
  }
  try {
    const command = await load();
    return await command.run(rest);
  } catch (err) {
    if (err instanceof CliError) {
      process.stderr.write(`sinq ${verb}: ${err.message}\n`);
      return err.exitCode;
    }
    process.stderr.write(`sinq ${verb}: unexpected error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    return 1;
  }
}
