// Reads a workflow's full history over the WorkflowService API (from this engine or any Temporal server)
// and renders it as the proto3 JSON that `temporal workflow show --output json` prints.
import { Connection } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import type { HistoryEvent } from './proto';

export interface ExportHistoryOptions {
  address: string;
  namespace: string;
  workflowId: string;
  runId?: string;
}

export async function fetchHistory(options: ExportHistoryOptions): Promise<{ events: HistoryEvent[] }> {
  const connection = await Connection.connect({ address: options.address });
  try {
    const events: HistoryEvent[] = [];
    let nextPageToken: Uint8Array | undefined;
    do {
      const page = await connection.workflowService.getWorkflowExecutionHistory({
        namespace: options.namespace,
        execution: { workflowId: options.workflowId, runId: options.runId ?? '' },
        nextPageToken,
      });
      events.push(...(page.history?.events ?? []));
      nextPageToken = page.nextPageToken && page.nextPageToken.length > 0 ? page.nextPageToken : undefined;
    } while (nextPageToken);
    return { events };
  } finally {
    await connection.close();
  }
}

export async function exportHistoryJson(options: ExportHistoryOptions): Promise<string> {
  return historyToJSON(await fetchHistory(options));
}
