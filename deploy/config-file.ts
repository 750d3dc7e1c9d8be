// Reads a campaign config file (JSON or YAML), validates it, and makes a relative task-set path
// absolute so that workers started elsewhere find it.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { campaignConfigSchema, type CampaignConfig } from '../machines/campaign-config';

export class ConfigFileError extends Error {
  readonly code = 'E_CONFIG';
  constructor(message: string) {
    super(message);
    this.name = 'ConfigFileError';
  }
}

export function parseCampaignConfig(raw: unknown, where: string): CampaignConfig {
  const parsed = campaignConfigSchema.safeParse(raw);
  if (!parsed.success) {
    const issues = parsed.error.issues.slice(0, 5).map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`);
    throw new ConfigFileError(`${where}: invalid campaign config: ${issues.join('; ')}`);
  }
  return parsed.data;
}

export function loadCampaignConfig(file: string): CampaignConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigFileError(`cannot read ${file}: ${(err as Error).message}`);
  }
  let raw: unknown;
  try {
    raw = /\.ya?ml$/i.test(file) ? parseYaml(text) : JSON.parse(text);
  } catch (err) {
    throw new ConfigFileError(`${file}: not valid ${/\.ya?ml$/i.test(file) ? 'YAML' : 'JSON'}: ${(err as Error).message}`);
  }
  const config = parseCampaignConfig(raw, file);
  return { ...config, taskSet: absoluteTaskSet(config.taskSet, path.dirname(path.resolve(file))) };
}

/** `data/tasks.jsonl` → absolute (cwd first, then the config's directory); prefixed specs keep their prefix. */
export function absoluteTaskSet(spec: string, configDir: string): string {
  const match = /^([a-z]+):(?!\/\/)(.*)$/i.exec(spec);
  const prefix = match ? `${match[1]}:` : '';
  const rest = match ? (match[2] ?? '') : spec;
  const [file = '', fragment] = rest.split('#', 2);
  if (file === '' || path.isAbsolute(file)) return spec;
  const candidates = [path.resolve(file), path.resolve(configDir, file)];
  const found = candidates.find((candidate) => existsSync(candidate));
  if (found === undefined) return spec;
  return `${prefix}${found}${fragment !== undefined ? `#${fragment}` : ''}`;
}
