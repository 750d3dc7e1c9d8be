// The public surface of the game rules (pure functions, no I/O).
export type * from './types';
export {
  compareValues,
  compareOutcomes,
  isInfrastructureFailure,
  pyValueKey,
  withoutAddresses,
  type OutcomeComparison,
  type OutcomeRelation,
} from './compare';
export {
  parseGeneratorReply,
  parseEvaluatorReply,
  renderGeneratorReply,
  renderEvaluatorReply,
  parseAnswer,
  normalizeProgram,
  MAX_REPLY_CHARS,
  type ParseOptions,
} from './reply';
export { extractDictLiteral, canonicalInput, inputKeys } from './input';
export { parsePyLiteral, formatPyLiteral, type LiteralParse, type LiteralFormat } from './literal';
export {
  episodeTimeoutMs,
  timeoutForEpisode,
  finishedWellWithin,
  EPISODE_TIMEOUT_MIN_MS,
  EPISODE_TIMEOUT_MAX_MS,
  DEFAULT_TIMEOUT_MS,
  CLEAN_FINISH_FRACTION,
  type TimeoutPolicy,
} from './timeouts';
export { createRng, mulberry32, hashSeed, deriveSeed, seedToUint32, type Rng } from './random';
export {
  verifyPlay,
  checkStability,
  checkSignature,
  parseFailureVerdict,
  type PlayVerdict,
  type PlayEvidence,
  type InvalidPlayReason,
  type DrawOutcomes,
  type StabilityCheck,
  type Signature,
  type SignatureCheck,
} from './verify';
export {
  scoreAttempts,
  difficultyFromAttempts,
  distinctAttemptInputs,
  type AttemptToScore,
  type AttemptScore,
  type AttemptsScore,
  type AttemptIncorrectReason,
  type InputGroup,
} from './difficulty';
export { rewards, defaultRewardConfig, type RewardConfig, type EpisodeRewardValues } from './rewards';
export { encodeBase64, decodeBase64 } from './base64';
