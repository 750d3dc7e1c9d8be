// Campaign progress for people: ANSI bars on a TTY (one line per round, redrawn in place), plain
// log lines otherwise. And the summary table printed at the end.
import type { Logger } from '../lib/log';
import type { RoundSummary } from '../machines/round';
import type { CampaignStatusView } from '../workflows/definitions';

export interface ProgressView {
  update(status: CampaignStatusView): void;
  finish(): void;
}

function bar(done: number, total: number, width = 24): string {
  const filled = total === 0 ? 0 : Math.round((done / total) * width);
  return '█'.repeat(filled) + '░'.repeat(width - filled);
}

function percent(value: number | null): string {
  return value === null ? '  -  ' : `${(value * 100).toFixed(0).padStart(3)}%`;
}

function fixed(value: number | null, digits = 1): string {
  return value === null ? '-' : value.toFixed(digits);
}

export function createProgressView(stream: NodeJS.WriteStream, log: Logger): ProgressView {
  if (stream.isTTY) {
    let lastRound = -1;
    return {
      update(status) {
        if (status.round !== lastRound) {
          if (lastRound >= 0) stream.write('\n');
          lastRound = status.round;
        }
        const validRate = status.done === 0 ? null : status.valid / status.done;
        const line = `round ${status.round + 1}/${status.rounds} ${bar(status.done, status.total)} ${status.done}/${status.total}  valid ${percent(validRate)}  mean difficulty ${fixed(status.meanDifficulty)}  ${status.phase}`;
        stream.write(`\r\x1b[2K${line}`);
      },
      finish() {
        if (lastRound >= 0) stream.write('\n');
      },
    };
  }
  let last = '';
  return {
    update(status) {
      const key = `${status.round}:${status.done}:${status.phase}`;
      if (key === last) return;
      last = key;
      log.info(
        { round: status.round, rounds: status.rounds, done: status.done, total: status.total, valid: status.valid, meanDifficulty: status.meanDifficulty, phase: status.phase },
        'campaign progress',
      );
    },
    finish() {},
  };
}

/** A plain-text table of the rounds. */
export function summaryTable(rounds: readonly RoundSummary[]): string {
  const header = ['round', 'episodes', 'valid', 'invalid', 'failed', 'valid rate', 'mean diff', 'eval acc', 'difficulty histogram 0..10'];
  const rows = rounds.map((r) => [
    String(r.round + 1),
    String(r.episodes),
    String(r.valid),
    String(r.invalid),
    String(r.failed),
    percent(r.validRate).trim(),
    fixed(r.meanDifficulty, 2),
    percent(r.evaluatorAccuracy).trim(),
    r.difficultyHistogram.join(' '),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] ?? '').length)));
  const format = (cells: string[]): string => cells.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join('  ').trimEnd();
  const lines = [format(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(format)];
  const reasons = new Map<string, number>();
  for (const r of rounds) {
    for (const [code, n] of Object.entries(r.invalidReasons)) reasons.set(`invalid: ${code}`, (reasons.get(`invalid: ${code}`) ?? 0) + n);
    for (const [code, n] of Object.entries(r.failedReasons)) reasons.set(`failed: ${code}`, (reasons.get(`failed: ${code}`) ?? 0) + n);
  }
  if (reasons.size > 0) lines.push('', 'reasons: ' + [...reasons.entries()].map(([code, n]) => `${code} ×${n}`).join(', '));
  return lines.join('\n');
}
