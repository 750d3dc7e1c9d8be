// Training sets on disk: chat JSONL files (one example per line) with a manifest of their counts
// and content digests, so a trainer run and a registry row can name exactly what was trained on.
import { createHash } from 'node:crypto';
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { PreferencePair, TrainingExample, TrainingSetCounts, TrainingSets } from './sets';

export interface TrainingFileEntry {
  file: string;
  count: number;
  /** sha256 of the file's bytes, hex. */
  sha256: string;
}

export interface TrainingManifest {
  campaignId: string;
  /** Records of rounds 0..throughRound went in. */
  throughRound: number | null;
  seed: number;
  files: { generator: TrainingFileEntry; evaluator: TrainingFileEntry; preferences: TrainingFileEntry };
  counts: TrainingSetCounts;
  /** One digest over the three files' digests: names the whole training set. */
  digest: string;
}

export function toJsonl(rows: ReadonlyArray<TrainingExample | PreferencePair>): string {
  return rows.map((row) => JSON.stringify(row) + '\n').join('');
}

export function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

function writeAtomic(file: string, text: string): void {
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, text);
  renameSync(tmp, file);
}

/** Writes `generator.jsonl`, `evaluator.jsonl`, `preferences.jsonl` and `manifest.json` into `dir`. */
export function writeTrainingSets(
  dir: string,
  sets: TrainingSets,
  meta: { campaignId: string; throughRound: number | null; seed: number },
): TrainingManifest {
  mkdirSync(dir, { recursive: true });
  const entry = (name: string, rows: ReadonlyArray<TrainingExample | PreferencePair>): TrainingFileEntry => {
    const text = toJsonl(rows);
    writeAtomic(path.join(dir, name), text);
    return { file: name, count: rows.length, sha256: sha256Hex(text) };
  };
  const files = {
    generator: entry('generator.jsonl', sets.generator),
    evaluator: entry('evaluator.jsonl', sets.evaluator),
    preferences: entry('preferences.jsonl', sets.preferences),
  };
  const digest = sha256Hex([files.generator.sha256, files.evaluator.sha256, files.preferences.sha256].join('\n'));
  const manifest: TrainingManifest = { ...meta, files, counts: sets.counts, digest };
  writeAtomic(path.join(dir, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n');
  return manifest;
}
