// Reads a campaign config file (JSON or YAML), validates it, and makes a relative task-set path
// absolute so that workers started elsewhere find it.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { evaluatorPolicyNames, generatorPolicyNames, parsePolicySpec } from '../actors/policies/registry';
import { nearestName } from '../lib/near-spelling';
import { TaskSetError } from '../tasks/errors';
import { mbppSplits } from '../tasks/schema';
import { parseTaskSetSpec } from '../tasks/spec';
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
    const problems = parsed.error.issues.flatMap(describeIssue).slice(0, 5);
    throw new ConfigFileError(`${where}: invalid campaign config: ${problems.join('; ')}`);
  }
  return parsed.data;
}

/**
 * Names the schema cannot know: the players' policies and the task split. Checked when the file is
 * read, so that a misspelled name stops `sinq campaign run|start` before anything starts.
 */
export function checkCampaignNames(config: CampaignConfig, where: string): void {
  const problems: string[] = [];
  const roles = [
    ['generator', config.generator.policy, generatorPolicyNames()],
    ['evaluator', config.evaluator.policy, evaluatorPolicyNames()],
  ] as const;
  for (const [role, spec, known] of roles) {
    const { name } = parsePolicySpec(spec);
    if (!known.includes(name)) problems.push(`${role}.policy: unknown ${role} policy '${name}'${didYouMean(name, known)}; known: ${known.join(', ')}`);
  }
  const splits = Object.keys(mbppSplits);
  if (config.split !== undefined && !splits.includes(config.split)) {
    problems.push(`split: unknown task split '${config.split}'${didYouMean(config.split, splits)}; known: ${splits.join(', ')}`);
  } else {
    try {
      const spec = parseTaskSetSpec(config.taskSet);
      if (config.split !== undefined && spec.kind !== 'mbpp') problems.push(`split: task split '${config.split}' applies to MBPP task sets only, and taskSet is ${spec.kind}`);
      else if (config.split !== undefined && spec.split !== undefined && spec.split !== config.split) problems.push(`split: '${config.split}' but taskSet names split '${spec.split}'`);
    } catch (err) {
      if (!(err instanceof TaskSetError)) throw err;
      problems.push(`taskSet: ${err.message}`);
    }
  }
  if (problems.length > 0) throw new ConfigFileError(`${where}: invalid campaign config: ${problems.join('; ')}`);
}

function didYouMean(name: string, known: readonly string[]): string {
  const near = nearestName(name, known);
  return near === undefined ? '' : ` (did you mean ${near}?)`;
}

type PathSegment = PropertyKey;

/** One line per problem; an unknown key names its full path and the near spelling, if any. */
function describeIssue(issue: z.core.$ZodIssue): string[] {
  if (issue.code !== 'unrecognized_keys') return [`${keyPath(issue.path) || '(root)'}: ${issue.message}`];
  return issue.keys.map((key) => {
    const known = knownKeysAt(campaignConfigSchema, issue.path);
    const near = nearestName(key, known, (candidate) => candidate.slice(candidate.lastIndexOf('.') + 1));
    return `${keyPath([...issue.path, key])}: unknown key${near !== undefined ? ` (did you mean ${near}?)` : ''}`;
  });
}

const keyPath = (segments: readonly PathSegment[]): string => segments.map(String).join('.');

/**
 * The keys an object at `segments` accepts: its own, then `child.key` for the keys of its object
 * children, so that a key put one level too high still finds its spelling.
 */
function knownKeysAt(schema: z.ZodType, segments: readonly PathSegment[]): string[] {
  let current: z.ZodObject | undefined = objectOf(schema);
  for (const segment of segments) {
    const child: z.ZodType | undefined = current && typeof segment === 'string' ? current.shape[segment] : undefined;
    current = child === undefined ? undefined : objectOf(child);
  }
  if (current === undefined) return [];
  const own = Object.keys(current.shape);
  const nested = Object.entries(current.shape).flatMap(([name, child]) => {
    const inner = objectOf(child);
    return inner ? Object.keys(inner.shape).map((key) => `${name}.${key}`) : [];
  });
  return [...own, ...nested];
}

/** The object schema under optional/default/prefault/transform wrappers, if it is one. */
function objectOf(schema: z.ZodType): z.ZodObject | undefined {
  if (schema instanceof z.ZodObject) return schema;
  if (schema instanceof z.ZodOptional || schema instanceof z.ZodDefault || schema instanceof z.ZodPrefault) return objectOf(schema.unwrap() as z.ZodType);
  if (schema instanceof z.ZodPipe) return objectOf(schema.in as z.ZodType);
  return undefined;
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
  checkCampaignNames(config, file);
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
