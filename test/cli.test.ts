import { describe, expect, it } from 'vitest';
import { main } from '../cli/main';

describe('sinq command', () => {
  it('rejects an unknown verb with exit code 2', async () => {
    const errors: string[] = [];
    const write = process.stderr.write.bind(process.stderr);
    process.stderr.write = ((chunk: string) => (errors.push(String(chunk)), true)) as typeof process.stderr.write;
    try {
      expect(await main(['frobnicate'])).toBe(2);
    } finally {
      process.stderr.write = write;
    }
    expect(errors.join('')).toContain("unknown verb 'frobnicate'");
  });
});
