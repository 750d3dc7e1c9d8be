// WorkflowService and OperatorService handlers: each turns one request into engine calls inside a unit of
// work and answers once that work is durable. Methods without a handler answer UNIMPLEMENTED.
import { EngineError, invalidArgument, notFound } from './errors';
import type { Engine } from './engine';
import { api, durationMs, int64, msDuration, msTimestamp, type HistoryEvent, type T } from './proto';
import { decodeSearchAttribute, enumOf, systemSearchAttributes, typeNameOf, type SearchAttributeTypeName } from './search-attributes';
import { isOpen, type Run } from './state';
import { expectToken } from './tokens';
import { listRuns } from './visibility-adapter';

export interface CallContext {
  /** Registers a callback run when the client goes away (long polls stop waiting). */
  onCancel(cb: () => void): void;
}

type Handler = (req: never, ctx: CallContext) => Promise<object>;
type WS = typeof api.workflowservice.v1;
type Req<K extends keyof WS> = WS[K] extends { decode(...args: never[]): infer R } ? R : never;

const ENGINE_VERSION = '1.24.0-sinq';
const QUERY_TIMEOUT_MS = 30_000;

function requireField(value: string | null | undefined, name: string): string {
  if (!value) throw invalidArgument(`${name} is not set on request.`);
  return value;
}

function identityOf(r: { identity?: string | null }): string {
  return r.identity ?? '';
}

export function workflowServiceHandlers(engine: Engine): Record<string, Handler> {
  const pollTimeoutFor = (ctx: CallContext, poll: { result: Promise<unknown>; cancel(): void }): void => ctx.onCancel(() => poll.cancel());

  const handlers = {
    GetSystemInfo: async () => ({
      serverVersion: ENGINE_VERSION,
      capabilities: {
        signalAndQueryHeader: true,
        internalErrorDifferentiation: true,
        activityFailureIncludeHeartbeat: true,
        supportsSchedules: false,
        encodedFailureAttributes: true,
        sdkMetadata: true,
        upsertMemo: true,
        eagerWorkflowStart: true,
        countGroupByExecutionStatus: false,
        buildIdBasedVersioning: false,
      },
    }),

    GetClusterInfo: async () => ({
      supportedClients: {},
      serverVersion: ENGINE_VERSION,
      clusterId: 'sinq-engine',
      clusterName: 'sinq-engine',
      historyShardCount: 1,
      persistenceStore: 'journal',
      visibilityStore: 'memory',
    }),

    RegisterNamespace: async (req: Req<'RegisterNamespaceRequest'>) => {
      const name = requireField(req.namespace, 'Namespace');
      if (engine.namespaces.has(name)) {
        throw new EngineError('E_ALREADY_EXISTS', 'Namespace already exists.', {
          typeName: 'temporal.api.errordetails.v1.NamespaceAlreadyExistsFailure',
          value: api.errordetails.v1.NamespaceAlreadyExistsFailure.encode({}).finish(),
        });
      }
      await engine.commit(() => engine.registerNamespace(name, req.description ?? '', durationMs(req.workflowExecutionRetentionPeriod) || 86_400_000));
      return {};
    },

    DescribeNamespace: async (req: Req<'DescribeNamespaceRequest'>) => {
      const ns = req.namespace ? engine.namespace(req.namespace) : [...engine.namespaces.values()].find((n) => n.id === req.id);
      if (!ns) throw new EngineError('E_NAMESPACE_NOT_FOUND', `Namespace ${req.id ?? ''} is not found.`);
      return describeNamespace(ns);
    },

    ListNamespaces: async () => ({ namespaces: [...engine.namespaces.values()].map(describeNamespace) }),

    StartWorkflowExecution: async (req: Req<'StartWorkflowExecutionRequest'>) => {
      const params = { ...startParams(engine, req), requestEagerExecution: req.requestEagerExecution === true };
      const outcome = await engine.commit(() => engine.start(params));
      return { runId: outcome.runId, started: outcome.started, eagerWorkflowTask: outcome.eagerWorkflowTask ?? null };
    },

    SignalWithStartWorkflowExecution: async (req: Req<'SignalWithStartWorkflowExecutionRequest'>) => {
      const params = startParams(engine, req);
      params.signal = { name: requireField(req.signalName, 'SignalName'), input: req.signalInput ?? null, header: req.header ?? null };
      const outcome = await engine.commit(() => engine.start(params));
      return { runId: outcome.runId, started: outcome.started };
    },

    SignalWorkflowExecution: async (req: Req<'SignalWorkflowExecutionRequest'>) => {
      const ns = engine.namespace(req.namespace).name;
      const workflowId = requireField(req.workflowExecution?.workflowId, 'WorkflowId');
      const signalName = requireField(req.signalName, 'SignalName');
      await engine.commit(() => {
        const run = engine.findRun(ns, workflowId, req.workflowExecution?.runId);
        engine.signal(run, signalName, req.input, identityOf(req), req.header);
      });
      return {};
    },

    RequestCancelWorkflowExecution: async (req: Req<'RequestCancelWorkflowExecutionRequest'>) => {
      const ns = engine.namespace(req.namespace).name;
      const workflowId = requireField(req.workflowExecution?.workflowId, 'WorkflowId');
      await engine.commit(() => {
        const run = engine.findRun(ns, workflowId, req.workflowExecution?.runId);
        engine.requestCancel(run, req.reason ?? '', identityOf(req));
      });
      return {};
    },

    TerminateWorkflowExecution: async (req: Req<'TerminateWorkflowExecutionRequest'>) => {
      const ns = engine.namespace(req.namespace).name;
      const workflowId = requireField(req.workflowExecution?.workflowId, 'WorkflowId');
      await engine.commit(() => {
        const run = engine.findRun(ns, workflowId, req.workflowExecution?.runId);
        engine.terminate(run, req.reason ?? '', identityOf(req), req.details);
      });
      return {};
    },

    PollWorkflowTaskQueue: async (req: Req<'PollWorkflowTaskQueueRequest'>, ctx: CallContext) => {
      const ns = engine.namespace(req.namespace).name;
      const queue = requireField(req.taskQueue?.name, 'TaskQueue');
      const poll = engine.workflowTasks.poll(engine.queueKey(ns, queue), { identity: identityOf(req) });
      pollTimeoutFor(ctx, poll);
      return (await poll.result) ?? {};
    },

    RespondWorkflowTaskCompleted: async (req: Req<'RespondWorkflowTaskCompletedRequest'>) => {
      const token = expectToken(req.taskToken, 'w');
      const activityTasks = await engine.commit(() => engine.completeWorkflowTask(token, req));
      return { activityTasks };
    },

    RespondWorkflowTaskFailed: async (req: Req<'RespondWorkflowTaskFailedRequest'>) => {
      const token = expectToken(req.taskToken, 'w');
      await engine.commit(() => engine.failWorkflowTask(token, req));
      return {};
    },

    RespondQueryTaskCompleted: async (req: Req<'RespondQueryTaskCompletedRequest'>) => {
      const token = expectToken(req.taskToken, 'q');
      const answered = req.completedType === api.enums.v1.QueryResultType.QUERY_RESULT_TYPE_ANSWERED;
      engine.answerQuery(token.id, answered ? { ok: true, payloads: req.queryResult ?? null } : { ok: false, message: req.errorMessage || req.failure?.message || 'query failed' });
      return {};
    },

    PollActivityTaskQueue: async (req: Req<'PollActivityTaskQueueRequest'>, ctx: CallContext) => {
      const ns = engine.namespace(req.namespace).name;
      const queue = requireField(req.taskQueue?.name, 'TaskQueue');
      const poll = engine.activityTasks.poll(engine.queueKey(ns, queue), { identity: identityOf(req) });
      pollTimeoutFor(ctx, poll);
      return (await poll.result) ?? {};
    },

    RespondActivityTaskCompleted: async (req: Req<'RespondActivityTaskCompletedRequest'>) => {
      const token = expectToken(req.taskToken, 'a');
      await engine.commit(() => engine.completeActivity(token, req.result, identityOf(req)));
      return {};
    },

    RespondActivityTaskFailed: async (req: Req<'RespondActivityTaskFailedRequest'>) => {
      const token = expectToken(req.taskToken, 'a');
      await engine.commit(() => engine.failActivity(token, req.failure, identityOf(req), req.lastHeartbeatDetails));
      return {};
    },

    RespondActivityTaskCanceled: async (req: Req<'RespondActivityTaskCanceledRequest'>) => {
      const token = expectToken(req.taskToken, 'a');
      await engine.commit(() => engine.canceledActivity(token, req.details, identityOf(req)));
      return {};
    },

    RecordActivityTaskHeartbeat: async (req: Req<'RecordActivityTaskHeartbeatRequest'>) => {
      const token = expectToken(req.taskToken, 'a');
      const { cancelRequested } = engine.heartbeat(token, req.details);
      return { cancelRequested, activityPaused: false, activityReset: false };
    },

    ShutdownWorker: async (req: Req<'ShutdownWorkerRequest'>) => {
      const ns = engine.namespace(req.namespace).name;
      if (req.stickyTaskQueue) engine.mutate(() => engine.dropStickyQueue(ns, req.stickyTaskQueue!));
      return {};
    },

    ResetStickyTaskQueue: async (req: Req<'ResetStickyTaskQueueRequest'>) => {
      const ns = engine.namespace(req.namespace).name;
      const run = engine.findRun(ns, requireField(req.execution?.workflowId, 'WorkflowId'), req.execution?.runId);
      engine.mutate(() => engine.unstick(run));
      return {};
    },

    GetWorkflowExecutionHistory: async (req: Req<'GetWorkflowExecutionHistoryRequest'>, ctx: CallContext) => {
      const ns = engine.namespace(req.namespace).name;
      const workflowId = requireField(req.execution?.workflowId, 'WorkflowId');
      const run = engine.findRun(ns, workflowId, req.execution?.runId);
      const response = await history(engine, run, req, ctx);
      await engine.durable();
      return response;
    },

    QueryWorkflow: async (req: Req<'QueryWorkflowRequest'>) => {
      const ns = engine.namespace(req.namespace).name;
      const workflowId = requireField(req.execution?.workflowId, 'WorkflowId');
      if (!req.query?.queryType) throw invalidArgument('QueryType is not set on request.');
      const run = engine.findRun(ns, workflowId, req.execution?.runId);
      const rejectNotOpen = req.queryRejectCondition === api.enums.v1.QueryRejectCondition.QUERY_REJECT_CONDITION_NOT_OPEN;
      if (rejectNotOpen && !isOpen(run)) return { queryRejected: { status: run.status } };
      const result = await engine.query(run, req.query, QUERY_TIMEOUT_MS);
      return { queryResult: result };
    },

    DescribeWorkflowExecution: async (req: Req<'DescribeWorkflowExecutionRequest'>) => {
      const ns = engine.namespace(req.namespace).name;
      const workflowId = requireField(req.execution?.workflowId, 'WorkflowId');
      const run = engine.findRun(ns, workflowId, req.execution?.runId);
      const response = describeExecution(engine, run);
      await engine.durable();
      return response;
    },

    ListWorkflowExecutions: async (req: Req<'ListWorkflowExecutionsRequest'>) => {
      const ns = engine.namespace(req.namespace);
      const offset = req.nextPageToken?.length ? Number(Buffer.from(req.nextPageToken).toString('utf8')) || 0 : 0;
      const pageSize = req.pageSize && req.pageSize > 0 ? req.pageSize : 1000;
      const runs = listRuns(engine, ns, req.query ?? '');
      const page = runs.slice(offset, offset + pageSize);
      const next = offset + pageSize < runs.length ? Buffer.from(String(offset + pageSize)) : new Uint8Array();
      return { executions: page.map((r) => executionInfo(engine, r)), nextPageToken: next };
    },

    ScanWorkflowExecutions: async (req: Req<'ScanWorkflowExecutionsRequest'>) => {
      const ns = engine.namespace(req.namespace);
      return { executions: listRuns(engine, ns, req.query ?? '').map((r) => executionInfo(engine, r)), nextPageToken: new Uint8Array() };
    },

    CountWorkflowExecutions: async (req: Req<'CountWorkflowExecutionsRequest'>) => {
      const ns = engine.namespace(req.namespace);
      return { count: int64(listRuns(engine, ns, req.query ?? '').length), groups: [] };
    },

    GetSearchAttributes: async () => {
      const keys: Record<string, number> = {};
      for (const [name, type] of Object.entries(systemSearchAttributes)) keys[name] = enumOf(type);
      for (const ns of engine.namespaces.values()) for (const [name, type] of Object.entries(ns.searchAttributes)) keys[name] = enumOf(type);
      return { keys };
    },
  };
  return handlers as unknown as Record<string, Handler>;
}

export function operatorServiceHandlers(engine: Engine): Record<string, Handler> {
  type OS = typeof api.operatorservice.v1;
  type OReq<K extends keyof OS> = OS[K] extends { decode(...args: never[]): infer R } ? R : never;
  const handlers = {
    AddSearchAttributes: async (req: OReq<'AddSearchAttributesRequest'>) => {
      const ns = engine.namespace(req.namespace || 'default').name;
      const entries: [string, SearchAttributeTypeName][] = [];
      for (const [name, type] of Object.entries(req.searchAttributes ?? {})) {
        const typeName = typeNameOf(type);
        if (!typeName) throw invalidArgument(`Unknown search attribute type for ${name}.`);
        if (systemSearchAttributes[name]) throw invalidArgument(`Search attribute ${name} is reserved by the system.`);
        entries.push([name, typeName]);
      }
      await engine.commit(() => {
        for (const [name, type] of entries) engine.addSearchAttribute(ns, name, type);
      });
      return {};
    },
    RemoveSearchAttributes: async (req: OReq<'RemoveSearchAttributesRequest'>) => {
      const ns = engine.namespace(req.namespace || 'default');
      for (const name of req.searchAttributes ?? []) if (!ns.searchAttributes[name]) throw notFound(`Search attribute ${name} doesn't exist.`);
      await engine.commit(() => {
        for (const name of req.searchAttributes ?? []) engine.removeSearchAttribute(ns.name, name);
      });
      return {};
    },
    ListSearchAttributes: async (req: OReq<'ListSearchAttributesRequest'>) => {
      const ns = engine.namespace(req.namespace || 'default');
      const custom: Record<string, number> = {};
      for (const [name, type] of Object.entries(ns.searchAttributes)) custom[name] = enumOf(type);
      const system: Record<string, number> = {};
      for (const [name, type] of Object.entries(systemSearchAttributes)) system[name] = enumOf(type);
      return { customAttributes: custom, systemAttributes: system, storageSchema: {} };
    },
  };
  return handlers as unknown as Record<string, Handler>;
}

function describeNamespace(ns: { name: string; id: string; description: string; retentionMs: number }): object {
  return {
    namespaceInfo: {
      name: ns.name,
      id: ns.id,
      description: ns.description,
      state: api.enums.v1.NamespaceState.NAMESPACE_STATE_REGISTERED,
      capabilities: { eagerWorkflowStart: true, syncUpdate: false, asyncUpdate: false },
    },
    config: { workflowExecutionRetentionTtl: msDuration(ns.retentionMs) },
    replicationConfig: { activeClusterName: 'active', clusters: [{ clusterName: 'active' }] },
    isGlobalNamespace: false,
  };
}

type StartLike = Req<'StartWorkflowExecutionRequest'> | Req<'SignalWithStartWorkflowExecutionRequest'>;

function startParams(engine: Engine, req: StartLike): Parameters<Engine['start']>[0] {
  const ns = engine.namespace(req.namespace);
  const workflowId = requireField(req.workflowId, 'WorkflowId');
  const workflowType = requireField(req.workflowType?.name, 'WorkflowType');
  const taskQueue = requireField(req.taskQueue?.name, 'TaskQueue');
  for (const [label, d] of [
    ['WorkflowExecutionTimeout', req.workflowExecutionTimeout],
    ['WorkflowRunTimeout', req.workflowRunTimeout],
    ['WorkflowTaskTimeout', req.workflowTaskTimeout],
  ] as const) {
    if (durationMs(d) < 0) throw invalidArgument(`Invalid ${label}.`);
  }
  for (const [name, payload] of Object.entries(req.searchAttributes?.indexedFields ?? {})) {
    const type = ns.searchAttributes[name] ?? systemSearchAttributes[name];
    if (decodeSearchAttribute(payload, type) === undefined) throw invalidArgument(`invalid value for search attribute ${name}`);
  }
  return {
    namespace: ns.name,
    workflowId,
    workflowType,
    taskQueue,
    input: req.input ?? null,
    executionTimeoutMs: durationMs(req.workflowExecutionTimeout),
    runTimeoutMs: durationMs(req.workflowRunTimeout),
    taskTimeoutMs: Math.min(durationMs(req.workflowTaskTimeout) || 10_000, 120_000),
    identity: identityOf(req),
    requestId: req.requestId ?? '',
    reusePolicy: req.workflowIdReusePolicy ?? 0,
    conflictPolicy: req.workflowIdConflictPolicy ?? 0,
    retryPolicy: req.retryPolicy ?? null,
    memo: req.memo ?? null,
    searchAttributes: req.searchAttributes ?? null,
    header: req.header ?? null,
    startDelayMs: durationMs(req.workflowStartDelay),
  };
}

const PAGE_SIZE = 1000;

async function history(engine: Engine, run: Run, req: Req<'GetWorkflowExecutionHistoryRequest'>, ctx: CallContext): Promise<object> {
  const closeOnly = req.historyEventFilterType === api.enums.v1.HistoryEventFilterType.HISTORY_EVENT_FILTER_TYPE_CLOSE_EVENT;
  if (closeOnly) {
    if (isOpen(run) && req.waitNewEvent) await engine.waitForHistory(run, 0, true, engine.historyPollTimeoutMs, ctx);
    if (isOpen(run)) return { history: { events: [] }, nextPageToken: Buffer.from('close') };
    return { history: { events: [run.history[run.history.length - 1]!] }, nextPageToken: new Uint8Array() };
  }
  let from = 0;
  if (req.nextPageToken?.length) {
    const parsed = Number(Buffer.from(req.nextPageToken).toString('utf8'));
    if (!Number.isInteger(parsed) || parsed < 0) throw invalidArgument('invalid next page token');
    from = parsed;
  }
  if (req.waitNewEvent && isOpen(run) && from >= run.history.length) {
    await engine.waitForHistory(run, from, false, engine.historyPollTimeoutMs, ctx);
  }
  const pageSize = req.maximumPageSize && req.maximumPageSize > 0 ? req.maximumPageSize : PAGE_SIZE;
  const events: HistoryEvent[] = run.history.slice(from, from + pageSize);
  const next = from + events.length;
  const more = next < run.history.length || (req.waitNewEvent === true && isOpen(run));
  return { history: { events }, nextPageToken: more ? Buffer.from(String(next)) : new Uint8Array(), archived: false };
}

function executionInfo(engine: Engine, run: Run): T.api.workflow.v1.IWorkflowExecutionInfo {
  const started = run.history[0]?.workflowExecutionStartedEventAttributes;
  return {
    execution: { workflowId: run.workflowId, runId: run.runId },
    type: { name: run.workflowType },
    startTime: msTimestamp(run.startTimeMs),
    closeTime: isOpen(run) ? null : msTimestamp(run.closeTimeMs),
    status: run.status,
    historyLength: int64(run.history.length),
    parentNamespaceId: run.parent ? (engine.namespaces.get(run.parent.namespace)?.id ?? '') : '',
    parentExecution: run.parent ? { workflowId: run.parent.workflowId, runId: run.parent.runId } : null,
    executionTime: msTimestamp(run.executionTimeMs || run.startTimeMs),
    memo: { fields: run.memo },
    searchAttributes: { indexedFields: run.searchAttributes },
    taskQueue: run.taskQueue,
    stateTransitionCount: int64(run.history.length),
    historySizeBytes: int64(0),
    rootExecution: started?.rootWorkflowExecution ?? { workflowId: run.workflowId, runId: run.runId },
    firstRunId: run.firstRunId,
    executionDuration: isOpen(run) ? null : msDuration(Math.max(0, run.closeTimeMs - run.startTimeMs)),
  };
}

function describeExecution(engine: Engine, run: Run): object {
  const started = run.history[0]?.workflowExecutionStartedEventAttributes;
  const PendingActivityState = api.enums.v1.PendingActivityState;
  return {
    executionConfig: {
      taskQueue: { name: run.taskQueue, kind: api.enums.v1.TaskQueueKind.TASK_QUEUE_KIND_NORMAL },
      workflowExecutionTimeout: started?.workflowExecutionTimeout ?? null,
      workflowRunTimeout: started?.workflowRunTimeout ?? null,
      defaultWorkflowTaskTimeout: msDuration(run.workflowTaskTimeoutMs),
    },
    workflowExecutionInfo: executionInfo(engine, run),
    pendingActivities: [...run.activities.values()]
      .filter((a) => a.phase !== 'closed')
      .map((a) => ({
        activityId: a.attrs.activityId ?? '',
        activityType: a.attrs.activityType ?? null,
        state: a.cancelRequested
          ? PendingActivityState.PENDING_ACTIVITY_STATE_CANCEL_REQUESTED
          : a.phase === 'started'
            ? PendingActivityState.PENDING_ACTIVITY_STATE_STARTED
            : PendingActivityState.PENDING_ACTIVITY_STATE_SCHEDULED,
        heartbeatDetails: a.heartbeatDetails ?? null,
        lastHeartbeatTime: a.lastHeartbeatMs ? msTimestamp(a.lastHeartbeatMs) : null,
        lastStartedTime: a.startedTimeMs ? msTimestamp(a.startedTimeMs) : null,
        attempt: a.attempt,
        maximumAttempts: a.attrs.retryPolicy?.maximumAttempts ?? 0,
        scheduledTime: msTimestamp(a.currentAttemptScheduledMs),
        lastFailure: a.lastFailure ?? null,
        lastWorkerIdentity: a.startedIdentity,
        nextAttemptScheduleTime: a.phase === 'backoff' ? msTimestamp(a.retryAtMs) : null,
      })),
    pendingChildren: [...run.children.values()]
      .filter((c) => c.phase !== 'closed')
      .map((c) => ({
        workflowId: c.workflowId,
        runId: c.runId,
        workflowTypeName: c.workflowType,
        initiatedId: int64(c.initiatedEventId),
        parentClosePolicy: c.parentClosePolicy,
      })),
    pendingWorkflowTask:
      run.wft.phase === 'none' || !isOpen(run)
        ? null
        : {
            state: run.wft.phase === 'started' ? 2 : 1,
            scheduledTime: msTimestamp(run.wft.scheduledTimeMs),
            startedTime: run.wft.phase === 'started' ? msTimestamp(run.wft.startedTimeMs) : null,
            attempt: run.wft.attempt,
          },
  };
}

