// The workflows a sinq worker registers (its `workflowsPath`).
export { campaignWorkflow } from './campaign';
export { episodeWorkflow } from './episode';
