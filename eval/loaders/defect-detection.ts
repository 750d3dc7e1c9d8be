// Loads CodeXGLUE defect detection (Devign) files: JSON Lines of {"func": C source, "target": 0|1,
// "idx": number}; target 1 marks a defective (vulnerable) function.
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import type { LabelledCodeItem } from '../items';
import { DatasetError, issueText } from './dataset-error';
import { readJsonRecords } from './json-records';

const rowSchema = z.object({
  func: z.string().min(1),
  target: z.union([z.literal(0), z.literal(1)]),
  idx: z.number().int().nonnegative(),
  // CodeXGLUE's files carry only these three fields; other sources add the project and commit.
  project: z.string().optional(),
  commit_id: z.string().optional(),
});

export function parseDefectDetection(file: string, text: string): LabelledCodeItem[] {
  const seen = new Map<number, number>();
  return readJsonRecords(file, text).map(({ line, value }) => {
    const parsed = rowSchema.strict().safeParse(value);
    if (!parsed.success)
      throw new DatasetError(
        file,
        line,
        `not a defect-detection row {"func","target","idx"}: ${issueText(parsed.error)}`,
      );
    const earlier = seen.get(parsed.data.idx);
    if (earlier !== undefined)
      throw new DatasetError(file, line, `idx ${parsed.data.idx} already used on line ${earlier}`);
    seen.set(parsed.data.idx, line);
    return { id: String(parsed.data.idx), line, code: parsed.data.func, vulnerable: parsed.data.target === 1 };
  });
}

export async function loadDefectDetection(file: string): Promise<LabelledCodeItem[]> {
  return parseDefectDetection(file, await readFile(file, 'utf8'));
}
