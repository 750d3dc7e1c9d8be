// Flag parsing shared by the verbs: strict `node:util` parsing, a usage error on bad flags, and
// `--help` printing the verb's usage.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { CliError } from './errors';

type FlagOptions = NonNullable<ParseArgsConfig['options']> & { help: { type: 'boolean'; short?: string } };
type StrictConfig<O extends FlagOptions> = { args: string[]; options: O; strict: true; allowPositionals: true };
export type FlagValues<O extends FlagOptions> = ReturnType<typeof parseArgs<StrictConfig<O>>>['values'];

/**
 * Parses `argv` against `options`, positional arguments allowed; returns undefined after printing
 * `usage` when `--help` was given.
 */
export function parseCommand<const O extends FlagOptions>(
  argv: string[],
  options: O,
  usage: string,
): { values: FlagValues<O>; positionals: string[] } | undefined {
  let parsed;
  try {
    parsed = parseArgs<StrictConfig<O>>({ args: argv, options, strict: true, allowPositionals: true });
  } catch (err) {
    throw new CliError(`${(err as Error).message}\n${usage}`);
  }
  if ((parsed.values as { help?: boolean }).help) {
    process.stdout.write(usage + '\n');
    return undefined;
  }
  return { values: parsed.values, positionals: parsed.positionals };
}

/** Like `parseCommand` for verbs that take no positional arguments. */
export function parseFlags<const O extends FlagOptions>(argv: string[], options: O, usage: string): FlagValues<O> | undefined {
  const parsed = parseCommand(argv, options, usage);
  if (parsed && parsed.positionals.length > 0) {
    throw new CliError(`unexpected argument '${parsed.positionals[0]}'\n${usage}`);
  }
  return parsed?.values;
}
