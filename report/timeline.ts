// An episode's timeline as text: prompts, raw replies, diff, inputs, outcomes, attempts and score.
// `sinq episodes show` prints it and each episode page of `sinq report` shows it.
import { lineDiff } from '../deploy/line-diff';
import type { Outcome } from '../game/types';
import type { EpisodeRecord } from '../machines/types';

function describeOutcome(outcome: Outcome): string {
  switch (outcome.kind) {
    case 'returned':
      return `returned ${JSON.stringify(outcome.value)} (${outcome.durationMs} ms)`;
    case 'raised':
      return `raised ${outcome.type}: ${outcome.message} (${outcome.durationMs} ms)`;
    case 'timeout':
      return `timed out after ${outcome.limitMs} ms`;
    case 'crashed':
      return outcome.infrastructure ? `not judged, the sandbox failed: ${outcome.reason}` : `crashed: ${outcome.reason}`;
    case 'invalid':
      return `could not run: ${outcome.reason}`;
  }
}

function indent(text: string, prefix = '    '): string {
  return text
    .split('\n')
    .map((line) => prefix + line)
    .join('\n');
}

export function renderTimeline(record: EpisodeRecord): string {
  const out: string[] = [];
  const t0 = record.timings.episode?.startedAt ?? 0;
  const at = (step: keyof EpisodeRecord['timings']): string => {
    const timing = record.timings[step];
    if (!timing) return '';
    return ` [+${timing.startedAt - t0} ms, ${timing.endedAt !== undefined ? `${timing.endedAt - timing.startedAt} ms` : 'unfinished'}]`;
  };
  out.push(`episode ${record.episodeId}`);
  out.push(
    `campaign ${record.campaignId}, round ${record.round + 1}, task ${record.task.id} (${record.task.entryPoint})`,
  );
  out.push(`outcome ${record.outcome}${record.reason ? ` — ${record.reason.code}: ${record.reason.detail}` : ''}`);
  out.push(
    `target difficulty ${record.targetDifficulty}, attempts ${record.attempts}, seed ${record.seed}, run limit ${record.limitMs} ms`,
  );
  const g = record.versions.generator;
  const e = record.versions.evaluator;
  out.push(
    `generator ${g ? `${g.policy} @ ${g.model}` : record.generator.policy}, evaluator ${e ? `${e.policy} @ ${e.model}` : record.evaluator.policy}`,
  );
  if (record.proposal) {
    out.push('', `1. propose${at('propose')}`);
    for (const message of record.proposal.prompt) out.push(`  ${message.role} prompt:`, indent(message.content));
    out.push('  raw reply:', indent(record.proposal.reply.raw));
    const parsed = record.proposal.reply.parsed;
    if (parsed.ok) {
      out.push('  diff original → variant:', indent(lineDiff(record.task.source, parsed.value.program)));
      out.push(`  diverging input: ${parsed.value.divergingInput}`);
    } else {
      out.push(`  reply did not parse: ${parsed.reason}: ${parsed.detail}`);
    }
  }
  if (record.playVerdict) {
    const v = record.playVerdict;
    out.push('', `2. verify the play${at('verifyPlay')}`);
    out.push(
      `  input ${v.input}`,
      `  original: ${describeOutcome(v.outcomes.original)}`,
      `  variant:  ${describeOutcome(v.outcomes.variant)}`,
    );
    // The same input run again under other hash seeds and random states (evidence of a draw).
    (v.redraws ?? []).forEach((draw, index) =>
      out.push(`  re-run ${index + 1}: original ${describeOutcome(draw.original)}; variant ${describeOutcome(draw.variant)}`),
    );
    out.push(`  ${v.diverges ? 'diverges' : `invalid (${v.invalidReason ?? 'no-divergence'})`}: ${v.detail}`);
  }
  if (record.attack) {
    out.push('', `3. evaluator attempts${at('attack')} checked${at('checkAttempts')}`);
    for (const message of record.attack.prompt) out.push(`  ${message.role} prompt:`, indent(message.content));
    record.attack.replies.forEach((reply, index) => {
      const verdict = record.attemptVerdicts[index];
      out.push(
        `  attempt ${index + 1}: ${verdict ? (verdict.found ? 'found a divergence' : `failed (${verdict.failure ?? 'unknown'})`) : 'not checked'}`,
      );
      out.push('    raw reply:', indent(reply.raw, '      '));
      if (verdict?.input) out.push(`    input ${verdict.input}`);
      if (verdict?.outcomes)
        out.push(
          `    original: ${describeOutcome(verdict.outcomes.original)}`,
          `    variant:  ${describeOutcome(verdict.outcomes.variant)}`,
        );
      if (verdict) out.push(`    ${verdict.detail}`);
    });
  }
  out.push(
    '',
    `4. score: difficulty ${record.difficulty ?? '-'}, rewards generator ${record.rewards?.generator ?? '-'}, evaluator ${record.rewards?.evaluator ?? '-'}`,
  );
  out.push(`5. recorded${at('persist')}`);
  return out.join('\n');
}
