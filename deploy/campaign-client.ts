// Client side of campaigns: connect to the engine (or any Temporal server), register the search
// attributes, start a campaign workflow, signal and query it.
import { Client, Connection, WorkflowNotFoundError } from '@temporalio/client';
import proto from '@temporalio/proto';
import type { Logger } from '../lib/log';
import type { CampaignConfig } from '../machines/campaign-config';
import {
  campaignStatusQuery,
  searchAttributeDefinitions,
  TASK_QUEUE,
  type CampaignResult,
  type CampaignStatusView,
  type CampaignWorkflowInput,
} from '../workflows/definitions';

export class CampaignClientError extends Error {
  constructor(
    readonly code: 'E_ENGINE_UNREACHABLE' | 'E_CAMPAIGN_NOT_FOUND' | 'E_CAMPAIGN_EXISTS',
    message: string,
  ) {
    super(message);
    this.name = 'CampaignClientError';
  }
}

export interface CampaignClient {
  client: Client;
  connection: Connection;
  namespace: string;
  close(): Promise<void>;
}

export async function connectCampaignClient(address: string, namespace = 'default'): Promise<CampaignClient> {
  let connection: Connection;
  try {
    connection = await Connection.connect({ address, connectTimeout: 5_000 });
  } catch (err) {
    throw new CampaignClientError('E_ENGINE_UNREACHABLE', `cannot reach the engine at ${address}: ${(err as Error).message}`);
  }
  return { client: new Client({ connection, namespace }), connection, namespace, close: () => connection.close() };
}

const indexedTypes = {
  Keyword: proto.temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
  Int: proto.temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_INT,
  Double: proto.temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_DOUBLE,
} as const;

/** True when every sinq search attribute is registered in the namespace. */
export async function searchAttributesRegistered(cc: CampaignClient): Promise<boolean> {
  try {
    const response = await cc.connection.operatorService.listSearchAttributes({ namespace: cc.namespace });
    const custom = response.customAttributes ?? {};
    return searchAttributeDefinitions.every((definition) => definition.name in custom);
  } catch {
    return false;
  }
}

/**
 * Registers the sinq search attributes through the operator service (what
 * `temporal operator search-attribute create` does). Returns false, with a warning, when the server
 * refuses: campaigns then run without them.
 */
export async function registerSearchAttributes(cc: CampaignClient, log: Logger): Promise<boolean> {
  if (await searchAttributesRegistered(cc)) return true;
  try {
    await cc.connection.operatorService.addSearchAttributes({
      namespace: cc.namespace,
      searchAttributes: Object.fromEntries(searchAttributeDefinitions.map((definition) => [definition.name, indexedTypes[definition.type]])),
    });
  } catch (err) {
    log.warn({ err: (err as Error).message }, 'could not register search attributes; campaigns run without them');
    return false;
  }
  return searchAttributesRegistered(cc);
}

export async function startCampaign(cc: CampaignClient, campaignId: string, config: CampaignConfig, taskQueue = TASK_QUEUE): Promise<void> {
  const input: CampaignWorkflowInput = { campaignId, config, searchAttributes: await searchAttributesRegistered(cc), round: 0 };
  try {
    await cc.client.workflow.start('campaignWorkflow', { workflowId: campaignId, taskQueue, args: [input], memo: { kind: 'sinq-campaign' } });
  } catch (err) {
    if ((err as Error).name === 'WorkflowExecutionAlreadyStartedError') {
      throw new CampaignClientError('E_CAMPAIGN_EXISTS', `a campaign with id '${campaignId}' is already running`);
    }
    throw err;
  }
}

/** `status` is null while the campaign cannot answer queries yet (before its first workflow task). */
export type CampaignState =
  | { running: true; status: CampaignStatusView | null }
  | { running: false; closedStatus: string; result: CampaignResult | null; failure?: string };

/** The live status of a running campaign (follows continue-as-new), or how it ended. */
export async function campaignState(cc: CampaignClient, campaignId: string): Promise<CampaignState> {
  const handle = cc.client.workflow.getHandle(campaignId);
  try {
    const description = await handle.describe();
    if (description.status.name === 'RUNNING') {
      // Bounded: a query the server cannot deliver must not freeze a progress display.
      const status = await cc.connection.withDeadline(Date.now() + 5_000, () => handle.query(campaignStatusQuery)).catch((err: unknown) => {
        if (err instanceof WorkflowNotFoundError) throw err;
        return null;
      });
      return { running: true, status };
    }
    if (description.status.name === 'COMPLETED') return { running: false, closedStatus: 'COMPLETED', result: (await handle.result()) as CampaignResult };
    const failure = await handle.result().then(
      () => undefined,
      (err: unknown) => {
        const error = err as Error & { cause?: Error & { cause?: Error } };
        return [error.message, error.cause?.message, error.cause?.cause?.message].filter(Boolean).join(': ');
      },
    );
    return { running: false, closedStatus: description.status.name, result: null, ...(failure ? { failure } : {}) };
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) throw new CampaignClientError('E_CAMPAIGN_NOT_FOUND', `no campaign '${campaignId}' on the engine`);
    throw err;
  }
}

export function newCampaignId(now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return `c${stamp}-${Math.random().toString(36).slice(2, 6)}`;
}
