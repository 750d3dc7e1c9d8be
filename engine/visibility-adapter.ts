// Visibility over the engine's runs: builds the records the query language filters and orders.
import { invalidArgument } from './errors';
import type { Engine, NamespaceState } from './engine';
import { ExecutionStatus } from './proto';
import { declaredType, decodeSearchAttribute } from './search-attributes';
import { isOpen, type Run } from './state';
import { parseVisibilityQuery, VisibilityQueryError, type SearchAttributeType, type VisibilityRecord, type WorkflowStatusName } from './visibility';

const statusNames: Partial<Record<number, WorkflowStatusName>> = {
  [ExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING]: 'Running',
  [ExecutionStatus.WORKFLOW_EXECUTION_STATUS_COMPLETED]: 'Completed',
  [ExecutionStatus.WORKFLOW_EXECUTION_STATUS_FAILED]: 'Failed',
  [ExecutionStatus.WORKFLOW_EXECUTION_STATUS_CANCELED]: 'Canceled',
  [ExecutionStatus.WORKFLOW_EXECUTION_STATUS_TERMINATED]: 'Terminated',
  [ExecutionStatus.WORKFLOW_EXECUTION_STATUS_CONTINUED_AS_NEW]: 'ContinuedAsNew',
  [ExecutionStatus.WORKFLOW_EXECUTION_STATUS_TIMED_OUT]: 'TimedOut',
};

export function buildVisibilityRecord(ns: NamespaceState, run: Run, types: Record<string, SearchAttributeType> = ns.searchAttributes): VisibilityRecord {
  const searchAttributes: VisibilityRecord['searchAttributes'] = {};
  for (const [name, payload] of Object.entries(run.searchAttributes)) {
    const value = decodeSearchAttribute(payload, types[name]);
    if (value !== undefined) searchAttributes[name] = value;
  }
  return {
    workflowId: run.workflowId,
    runId: run.runId,
    workflowType: run.workflowType,
    status: statusNames[run.status] ?? 'Running',
    startTime: new Date(run.startTimeMs),
    ...(isOpen(run) ? {} : { closeTime: new Date(run.closeTimeMs) }),
    taskQueue: run.taskQueue,
    searchAttributes,
  };
}

/** The namespace's runs that match `query`, in the query's order (default StartTime DESC). */
export function listRuns(engine: Engine, ns: NamespaceState, query: string): Run[] {
  const runs = engine.allRuns(ns.name);
  // Registered attributes, plus unregistered ones typed by their payloads (the SDKs' typed search attributes).
  const types: Record<string, SearchAttributeType> = {};
  for (const run of runs) {
    for (const [name, payload] of Object.entries(run.searchAttributes)) {
      const declared = declaredType(payload);
      if (declared && !types[name]) types[name] = declared;
    }
  }
  Object.assign(types, ns.searchAttributes);
  let parsed;
  try {
    parsed = parseVisibilityQuery(query, types);
  } catch (err) {
    if (err instanceof VisibilityQueryError) throw invalidArgument(`invalid query: ${err.message}`);
    throw err;
  }
  const rows = runs.map((run) => ({ run, record: buildVisibilityRecord(ns, run, types) }));
  return rows
    .filter((r) => parsed.matches(r.record))
    .sort((a, b) => parsed.compare(a.record, b.record))
    .map((r) => r.run);
}
