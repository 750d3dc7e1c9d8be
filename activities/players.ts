// How activities reach the players: through NATS actors in a deployment, or in-process policies in
// the benchmark's baseline and unit tests. Both satisfy this gateway.
import type { AttackRequest, AttackResult, ProposeRequest, ProposeResult } from '../actors/policies/types';

export interface PlayerGateway {
  propose(request: ProposeRequest & { policy: string }, signal: AbortSignal): Promise<ProposeResult>;
  attack(request: AttackRequest & { policy: string }, signal: AbortSignal): Promise<AttackResult>;
  close(): Promise<void>;
}

/** A player call failed; `retryable` says whether trying again may help (unavailable, timeout). */
export class PlayerCallError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly retryable: boolean,
  ) {
    super(message);
    this.name = 'PlayerCallError';
  }
}
