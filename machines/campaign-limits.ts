// Bounds shared by the campaign config and the signals that change a running campaign. Free of
// imports so that the workflow bundle can use them.

/** Most episodes a campaign runs at once: the config field and the concurrency signal both stop here. */
export const MAX_CAMPAIGN_CONCURRENCY = 256;

/** A concurrency a campaign accepts: an integer in [1, MAX_CAMPAIGN_CONCURRENCY]. */
export function isCampaignConcurrency(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 1 && value <= MAX_CAMPAIGN_CONCURRENCY;
}
