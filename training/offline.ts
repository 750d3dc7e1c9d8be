// The offline players' training step: one multiplicative-weights update of each learnable player
// from a round's records, giving the next round's player specs (new state, new version). Pure.
import { parsePolicySpec } from '../actors/policies/registry';
import type { EpisodeRecord, PlayerSpec } from '../machines/types';
import { defaultLearningOptions, updateFuzzState, updateMutationState, type LearningOptions } from './learn';

export type PlayerRole = 'generator' | 'evaluator';

export interface OfflineUpdate {
  role: PlayerRole;
  /** The next round's player: same policy, learned state, new version. */
  spec: PlayerSpec;
  version: string;
  /** What the update saw and changed (stored with the state). */
  metrics: Record<string, unknown>;
}

/** Version label of an offline player's state learned from round `round` of `campaignId`. */
export function offlineVersion(policy: string, campaignId: string, round: number): string {
  return `${policy}-state:${campaignId}-r${round}`;
}

export function isLearnableOffline(role: PlayerRole, spec: PlayerSpec): boolean {
  const name = parsePolicySpec(spec.policy).name;
  return role === 'generator' ? name === 'mutation' : name === 'fuzz';
}

/** Updates whichever of the two players is an offline learner; the others are left to the LLM path. */
export function learnOfflinePlayers(
  input: {
    campaignId: string;
    round: number;
    generator: PlayerSpec;
    evaluator: PlayerSpec;
    records: readonly EpisodeRecord[];
  },
  options: LearningOptions = defaultLearningOptions,
): OfflineUpdate[] {
  const nextVersion = (role: PlayerRole, player: PlayerSpec, state: Record<string, unknown>, metrics: Record<string, unknown>): OfflineUpdate => {
    const version = offlineVersion(parsePolicySpec(player.policy).name, input.campaignId, input.round);
    return { role, spec: { ...player, model: version, policyState: state }, version, metrics };
  };
  const updates: OfflineUpdate[] = [];
  if (isLearnableOffline('generator', input.generator)) {
    const update = updateMutationState(input.generator.policyState, input.records, options);
    updates.push(
      nextVersion('generator', input.generator, update.state, {
        operators: update.stats,
        locations: update.locationStats,
        operatorWeights: update.operatorWeights,
        locationWeights: update.locationWeights,
        // The site memory itself is in the state; here, its size and this round's plays by reward.
        siteMemory: {
          programs: Object.keys(update.siteWeights).length,
          sites: Object.values(update.siteWeights).reduce((n, sites) => n + Object.keys(sites).length, 0),
        },
        sitesPlayed: update.siteStats.map((s) => ({ program: s.program, site: s.site, reward: Math.round(s.meanReward * 1000) / 1000, weight: s.weight })),
      }),
    );
  }
  if (isLearnableOffline('evaluator', input.evaluator)) {
    const update = updateFuzzState(input.evaluator.policyState, input.records, options);
    updates.push(
      nextVersion('evaluator', input.evaluator, update.state, {
        kills: update.kills,
        draws: update.draws,
        strategyWeights: update.strategyWeights,
        seedSourceWeights: update.seedSourceWeights,
      }),
    );
  }
  return updates;
}
