// The report's numbers, computed once: a pure function from the store's validated rows to a typed
// model. The HTML page, the PNG/SVG plots and the tests all read this model and nothing else.
import { summarizeRound, type RoundSummary } from '../machines/round';
import type { EpisodeReasonCode, EpisodeSummary } from '../machines/types';
import { episodePagePath } from './paths';
import {
  episodePhases,
  type CampaignFacts,
  type EpisodeFacts,
  type EpisodePhase,
  type EvalResultFacts,
  type RegistryFacts,
  type ReportInput,
  type StoredRoundFacts,
  type UnreadableEpisode,
} from './input';

/** Time per episode step; `other` is the rest of the episode (queueing, retries, scheduling). */
export const phaseKeys = [...episodePhases, 'other'] as const;
export type PhaseKey = (typeof phaseKeys)[number];

export const phaseLabels: Record<PhaseKey, string> = {
  propose: 'generator proposes',
  verifyPlay: 'sandbox checks the play',
  attack: 'evaluator attempts',
  checkAttempts: 'sandbox checks attempts',
  persist: 'store write',
  other: 'waiting and retries',
};

/** One bar segment of the outcome chart: `valid`, or an outcome with its reason code. */
export interface OutcomeCategory {
  key: string;
  outcome: 'valid' | 'invalid' | 'failed';
  code: string | null;
}

export interface VersionCount {
  version: string;
  episodes: number;
}

export interface RoundReport extends RoundSummary {
  /** 1-based, as people count rounds. */
  label: string;
  /** The round's summary has been recorded: the round is over. */
  complete: boolean;
  targetDifficulty: number | null;
  /** Episodes per outcome category key (every category of the report, zeros included). */
  outcomeCounts: Record<string, number>;
  meanGeneratorReward: number | null;
  meanEvaluatorReward: number | null;
  /** Mean milliseconds per episode in each step, over the episodes that went through it. */
  phaseMeanMs: Record<PhaseKey, number | null>;
  meanEpisodeMs: number | null;
  generatorVersions: VersionCount[];
  evaluatorVersions: VersionCount[];
  /** What the training step after this round produced, per role (model_registry). */
  trainedGenerator: string | null;
  trainedEvaluator: string | null;
}

export interface EpisodeLink {
  id: string;
  round: number;
  taskId: string;
  outcome: EpisodeFacts['outcome'];
  reasonCode: string | null;
  difficulty: number | null;
  generatorReward: number | null;
  evaluatorReward: number | null;
  episodeMs: number | null;
  /** Relative to the report's index.html. */
  href: string;
}

export interface CrossplayReport {
  /** 0-based rounds on each axis, ascending. */
  generatorRounds: number[];
  evaluatorRounds: number[];
  cells: Array<{
    generatorRound: number;
    evaluatorRound: number;
    pairs: number;
    meanDifficulty: number | null;
    killRate: number | null;
  }>;
}

export interface EvalSeries {
  benchmark: string;
  /** Ordered base model first, then by training round. */
  points: EvalResultFacts[];
}

export interface ReportModel {
  campaignId: string;
  generatedAt: number;
  campaign: CampaignFacts | null;
  totals: {
    episodes: number;
    valid: number;
    invalid: number;
    failed: number;
    validRate: number | null;
    meanDifficulty: number | null;
    evaluatorAccuracy: number | null;
  };
  rounds: RoundReport[];
  outcomeCategories: OutcomeCategory[];
  episodes: EpisodeLink[];
  unreadable: UnreadableEpisode[];
  registry: RegistryFacts[] | null;
  crossplay: CrossplayReport | null;
  eval: EvalSeries[] | null;
  problems: string[];
  /** Rounds whose stored summary disagrees with the episodes in the store (should stay empty). */
  summaryMismatches: Array<{ round: number; field: string; stored: number | null; computed: number | null }>;
}

function mean(values: readonly number[]): number | null {
  return values.length === 0 ? null : values.reduce((sum, v) => sum + v, 0) / values.length;
}

function categoryKey(outcome: OutcomeCategory['outcome'], code: string | null): string {
  return outcome === 'valid' ? 'valid' : `${outcome}: ${code ?? 'unknown'}`;
}

function summaryOfFacts(episode: EpisodeFacts): EpisodeSummary {
  return {
    episodeId: episode.id,
    round: episode.round,
    taskId: episode.taskId,
    outcome: episode.outcome,
    // Reason codes in a store are open-ended (newer players add their own); summarizeRound only counts them.
    reason:
      episode.reasonCode === null
        ? null
        : { code: episode.reasonCode as EpisodeReasonCode, detail: episode.reasonDetail ?? '' },
    difficulty: episode.difficulty,
    evaluatorFound: episode.attemptsFound,
    evaluatorAttempts: episode.attemptsChecked,
  };
}

function versionCounts(versions: readonly string[]): VersionCount[] {
  const counts = new Map<string, number>();
  for (const version of versions) counts.set(version, (counts.get(version) ?? 0) + 1);
  return [...counts.entries()]
    .map(([version, episodes]) => ({ version, episodes }))
    .sort((a, b) => b.episodes - a.episodes || a.version.localeCompare(b.version));
}

function phaseMeans(episodes: readonly EpisodeFacts[]): Record<PhaseKey, number | null> {
  const result = {} as Record<PhaseKey, number | null>;
  for (const phase of episodePhases)
    result[phase] = mean(episodes.flatMap((e) => (e.phaseMs[phase] === undefined ? [] : [e.phaseMs[phase]])));
  result.other = mean(
    episodes.flatMap((e) => {
      if (e.episodeMs === null) return [];
      const inPhases = episodePhases.reduce((sum, phase: EpisodePhase) => sum + (e.phaseMs[phase] ?? 0), 0);
      return [Math.max(0, e.episodeMs - inPhases)];
    }),
  );
  return result;
}

function outcomeCategories(episodes: readonly EpisodeFacts[]): OutcomeCategory[] {
  const seen = new Map<string, OutcomeCategory>();
  for (const e of episodes) {
    const code = e.outcome === 'valid' ? null : (e.reasonCode ?? 'unknown');
    const key = categoryKey(e.outcome, code);
    if (!seen.has(key)) seen.set(key, { key, outcome: e.outcome, code });
  }
  const order = { valid: 0, invalid: 1, failed: 2 } as const;
  return [...seen.values()].sort(
    (a, b) => order[a.outcome] - order[b.outcome] || (a.code ?? '').localeCompare(b.code ?? ''),
  );
}

function mismatches(round: RoundReport, stored: StoredRoundFacts | undefined): ReportModel['summaryMismatches'] {
  if (!stored) return [];
  const fields = [
    'episodes',
    'valid',
    'invalid',
    'failed',
    'validRate',
    'meanDifficulty',
    'evaluatorAccuracy',
  ] as const;
  const close = (a: number | null, b: number | null): boolean =>
    a === null || b === null ? a === b : Math.abs(a - b) < 1e-9;
  return fields
    .filter((field) => !close(stored[field], round[field]))
    .map((field) => ({ round: round.round, field, stored: stored[field], computed: round[field] }));
}

function crossplayReport(rows: NonNullable<ReportInput['crossplay']>): CrossplayReport {
  const sorted = (values: number[]): number[] => [...new Set(values)].sort((a, b) => a - b);
  return {
    generatorRounds: sorted(rows.map((r) => r.generatorRound)),
    evaluatorRounds: sorted(rows.map((r) => r.evaluatorRound)),
    cells: rows
      .map(({ generatorRound, evaluatorRound, pairs, meanDifficulty, killRate }) => ({
        generatorRound,
        evaluatorRound,
        pairs,
        meanDifficulty,
        killRate,
      }))
      .sort((a, b) => a.generatorRound - b.generatorRound || a.evaluatorRound - b.evaluatorRound),
  };
}

function evalSeries(rows: NonNullable<ReportInput['evalResults']>): EvalSeries[] {
  const byBenchmark = new Map<string, EvalResultFacts[]>();
  for (const row of rows) byBenchmark.set(row.benchmark, [...(byBenchmark.get(row.benchmark) ?? []), row]);
  return [...byBenchmark.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([benchmark, points]) => ({
      benchmark,
      points: [...points].sort((a, b) => (a.round ?? -1) - (b.round ?? -1) || a.model.localeCompare(b.model)),
    }));
}

export function buildReportModel(input: ReportInput): ReportModel {
  const categories = outcomeCategories(input.episodes);
  const storedByRound = new Map(input.storedRounds.map((r) => [r.round, r]));
  const roundNumbers = [
    ...new Set([...input.episodes.map((e) => e.round), ...input.storedRounds.map((r) => r.round)]),
  ].sort((a, b) => a - b);
  const trained = (role: RegistryFacts['role'], round: number): string | null =>
    input.registry?.find((entry) => entry.role === role && entry.round === round)?.tag ?? null;
  const rounds: RoundReport[] = roundNumbers.map((round) => {
    const episodes = input.episodes.filter((e) => e.round === round);
    const outcomeCounts: Record<string, number> = Object.fromEntries(categories.map((c) => [c.key, 0]));
    for (const e of episodes) {
      const key = categoryKey(e.outcome, e.outcome === 'valid' ? null : (e.reasonCode ?? 'unknown'));
      outcomeCounts[key] = (outcomeCounts[key] ?? 0) + 1;
    }
    const targets = [...new Set(episodes.flatMap((e) => (e.targetDifficulty === null ? [] : [e.targetDifficulty])))];
    return {
      ...summarizeRound(round, episodes.map(summaryOfFacts)),
      label: String(round + 1),
      complete: storedByRound.has(round),
      targetDifficulty:
        targets.length === 1 ? targets[0]! : (mean(targets) ?? input.campaign?.targetDifficulty ?? null),
      outcomeCounts,
      meanGeneratorReward: mean(episodes.flatMap((e) => (e.generatorReward === null ? [] : [e.generatorReward]))),
      meanEvaluatorReward: mean(episodes.flatMap((e) => (e.evaluatorReward === null ? [] : [e.evaluatorReward]))),
      phaseMeanMs: phaseMeans(episodes),
      meanEpisodeMs: mean(episodes.flatMap((e) => (e.episodeMs === null ? [] : [e.episodeMs]))),
      generatorVersions: versionCounts(episodes.map((e) => e.generatorVersion)),
      evaluatorVersions: versionCounts(episodes.map((e) => e.evaluatorVersion)),
      trainedGenerator: trained('generator', round),
      trainedEvaluator: trained('evaluator', round),
    };
  });
  const all = summarizeRound(-1, input.episodes.map(summaryOfFacts));
  return {
    campaignId: input.campaignId,
    generatedAt: input.generatedAt,
    campaign: input.campaign,
    totals: {
      episodes: all.episodes,
      valid: all.valid,
      invalid: all.invalid,
      failed: all.failed,
      validRate: all.episodes === 0 ? null : all.validRate,
      meanDifficulty: all.meanDifficulty,
      evaluatorAccuracy: all.evaluatorAccuracy,
    },
    rounds,
    outcomeCategories: categories,
    episodes: input.episodes
      .map((e) => ({
        id: e.id,
        round: e.round,
        taskId: e.taskId,
        outcome: e.outcome,
        reasonCode: e.reasonCode,
        difficulty: e.difficulty,
        generatorReward: e.generatorReward,
        evaluatorReward: e.evaluatorReward,
        episodeMs: e.episodeMs,
        href: episodePagePath(e.id),
      }))
      .sort((a, b) => a.round - b.round || a.taskId.localeCompare(b.taskId)),
    unreadable: input.unreadable,
    registry: input.registry,
    crossplay: input.crossplay === null || input.crossplay.length === 0 ? null : crossplayReport(input.crossplay),
    eval: input.evalResults === null || input.evalResults.length === 0 ? null : evalSeries(input.evalResults),
    problems: input.problems,
    summaryMismatches: rounds.flatMap((r) => mismatches(r, storedByRound.get(r.round))),
  };
}
