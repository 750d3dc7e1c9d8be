// Flag parsing shared by the verbs: strict `node:util` parsing, a usage error on bad flags, and
// `--help` printing the verb's usage.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { CliError } from './errors';

type FlagOptions = NonNullable<ParseArgsConfig['options']> & { help: { type: 'boolean'; short?: string } };
type StrictConfig<O extends FlagOptions> = { args: string[]; options: O; strict: true };
export type FlagValues<O extends FlagOptions> = ReturnType<typeof parseArgs<StrictConfig<O>>>['values'];

/** Parses `argv` against `options`; returns undefined after printing `usage` when `--help` was given. */
export function parseFlags<const O extends FlagOptions>(argv: string[], options: O, usage: string): FlagValues<O> | undefined {
  let values: FlagValues<O>;
  try {
    values = parseArgs<StrictConfig<O>>({ args: argv, options, strict: true }).values;
  } catch (err) {
    throw new CliError(`${(err as Error).message}\n${usage}`);
  }
  if ((values as { help?: boolean }).help) {
    process.stdout.write(usage + '\n');
    return undefined;
  }
  return values;
}
