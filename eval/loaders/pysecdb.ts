// Loads PySecDB (Sun et al., "Exploring Security Commits in Python", ICSME 2023) as its authors
// publish it: JSON records {"id", "label": "security"|"non-security", "content": the patch,
// "source": "MITRE"|"wild", "CVE-ID": "CVE-…"|"NA"}, as a JSON array or as JSON Lines. The question
// asked of a model is whether the patch fixes a vulnerability, so label "security" is the yes.
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import type { LabelledCodeItem } from '../items';
import { DatasetError, issueText } from './dataset-error';
import { readJsonRecords } from './json-records';

const rowSchema = z
  .object({
    id: z.union([z.string().min(1), z.number().int()]),
    label: z.enum(['security', 'non-security']),
    content: z.string().min(1),
    source: z.string().optional(),
    'CVE-ID': z.string().optional(),
  })
  .strict();

export function parsePySecDb(file: string, text: string): LabelledCodeItem[] {
  const seen = new Map<string, number>();
  return readJsonRecords(file, text).map(({ line, value }) => {
    const parsed = rowSchema.safeParse(value);
    if (!parsed.success)
      throw new DatasetError(
        file,
        line,
        `not a PySecDB row {"id","label","content","source","CVE-ID"}: ${issueText(parsed.error)}`,
      );
    const id = String(parsed.data.id);
    const earlier = seen.get(id);
    if (earlier !== undefined) throw new DatasetError(file, line, `id ${id} already used on line ${earlier}`);
    seen.set(id, line);
    return { id, line, code: parsed.data.content, vulnerable: parsed.data.label === 'security' };
  });
}

export async function loadPySecDb(file: string): Promise<LabelledCodeItem[]> {
  return parsePySecDb(file, await readFile(file, 'utf8'));
}
