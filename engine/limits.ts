// Size limits, with Temporal's self-hosted defaults and the statuses and messages Temporal answers with
// (temporalio/temporal: common/dynamicconfig/constants.go, common/util.go, service/frontend/
// workflow_handler.go, service/history/api/respondworkflowtaskcompleted, service/history/workflow/context.go).
import { invalidArgument } from './errors';
import { api, type Failure, type Payload, type Payloads, type T } from './proto';

export interface EngineLimits {
  /** Largest gRPC message the server accepts (gRPC's default, which Temporal keeps). */
  maxMessageBytes: number;
  /** limit.blobSize.warn / limit.blobSize.error: one payload field of a request or command. */
  blobSizeWarnBytes: number;
  blobSizeErrorBytes: number;
  /** limit.historySize.warn / limit.historySize.error: a run's history, in encoded bytes. */
  historySizeWarnBytes: number;
  historySizeErrorBytes: number;
  /** limit.historyCount.warn / limit.historyCount.error: a run's history, in events. */
  historyCountWarn: number;
  historyCountError: number;
}

export const DEFAULT_LIMITS: EngineLimits = {
  maxMessageBytes: 4 * 1024 * 1024,
  blobSizeWarnBytes: 256 * 1024,
  blobSizeErrorBytes: 2 * 1024 * 1024,
  historySizeWarnBytes: 10 * 1024 * 1024,
  historySizeErrorBytes: 50 * 1024 * 1024,
  historyCountWarn: 10 * 1024,
  historyCountError: 50 * 1024,
};

/** common.ErrBlobSizeExceedsLimit (INVALID_ARGUMENT). */
export const BLOB_SIZE_EXCEEDS_LIMIT = 'Blob data size exceeds limit.';
/** The failure reasons Temporal records (common/util.go). */
export const FailureReason = {
  completeResult: 'Complete result exceeds size limit.',
  failure: 'Failure exceeds size limit.',
  cancelDetails: 'Cancel details exceed size limit.',
  heartbeat: 'Heartbeat details exceed size limit.',
  historySize: 'Workflow history size exceeds limit.',
  historyCount: 'Workflow history count exceeds limit.',
} as const;
/** The identity Temporal's history service writes into the events it adds itself. */
export const HISTORY_SERVICE_IDENTITY = 'history-service';

/** Bytes of a payload as protobuf carries it: its data and metadata plus their framing. */
function payloadBytes(p: Payload | null | undefined): number {
  if (!p) return 0;
  let size = (p.data?.length ?? 0) + 4;
  for (const [key, value] of Object.entries(p.metadata ?? {})) size += key.length + (value?.length ?? 0) + 6;
  return size;
}

export function payloadsBytes(p: Payloads | null | undefined): number {
  let size = 0;
  for (const payload of p?.payloads ?? []) size += payloadBytes(payload) + 4;
  return size;
}

export function failureBytes(f: Failure | null | undefined): number {
  return f ? api.failure.v1.Failure.encode(f).finish().length : 0;
}

/** A ServerFailure as Temporal builds one (failure.NewServerFailure). */
export function serverFailure(message: string, nonRetryable: boolean, cause?: Failure): Failure {
  return { message, source: '', serverFailureInfo: { nonRetryable }, ...(cause ? { cause } : {}) };
}

export type BlobWarning = (event: { operation: string; bytes: number; limit: number }) => void;

/**
 * common.CheckEventBlobSizeLimit: warns past the warn limit; past the error limit, true (the caller
 * decides what Temporal does for its operation).
 */
export function blobExceeds(bytes: number, limits: EngineLimits, operation: string, warn?: BlobWarning): boolean {
  if (bytes <= limits.blobSizeWarnBytes) return false;
  warn?.({ operation, bytes, limit: limits.blobSizeWarnBytes });
  return bytes > limits.blobSizeErrorBytes;
}

/** For requests Temporal refuses outright (start, signal, signal-with-start): INVALID_ARGUMENT. */
export function checkBlob(bytes: number, limits: EngineLimits, operation: string, warn?: BlobWarning): void {
  if (blobExceeds(bytes, limits, operation, warn)) throw invalidArgument(BLOB_SIZE_EXCEEDS_LIMIT);
}

const Cause = api.enums.v1.WorkflowTaskFailedCause;
const CommandType = api.enums.v1.CommandType;

export interface OversizedCommand {
  cause: number;
  /** Temporal's message: "<WorkflowTaskFailedCause name>: <what exceeded>". */
  message: string;
}

function markerBytes(details: Record<string, Payloads> | null | undefined): number {
  let size = 0;
  for (const [key, value] of Object.entries(details ?? {})) size += key.length + payloadsBytes(value) + 6;
  return size;
}

/**
 * The size checks of RespondWorkflowTaskCompleted's command handlers: a command whose payload is over
 * the error limit fails the workflow task and terminates the run, with the cause Temporal uses (its
 * CompleteWorkflowExecution check does use BAD_SCHEDULE_ACTIVITY_ATTRIBUTES).
 */
export function oversizedCommand(
  c: T.api.command.v1.ICommand,
  limits: EngineLimits,
  warn?: BlobWarning,
): OversizedCommand | undefined {
  const check = (bytes: number, cause: number, what: string): OversizedCommand | undefined => {
    const operation = CommandType[c.commandType ?? 0] ?? 'COMMAND_TYPE_UNSPECIFIED';
    if (!blobExceeds(bytes, limits, operation, warn)) return undefined;
    return { cause, message: `${Cause[cause] ?? String(cause)}: ${what}` };
  };
  switch (c.commandType) {
    case CommandType.COMMAND_TYPE_SCHEDULE_ACTIVITY_TASK:
      return check(
        payloadsBytes(c.scheduleActivityTaskCommandAttributes?.input),
        Cause.WORKFLOW_TASK_FAILED_CAUSE_BAD_SCHEDULE_ACTIVITY_ATTRIBUTES,
        'ScheduleActivityTaskCommandAttributes.Input exceeds size limit.',
      );
    case CommandType.COMMAND_TYPE_COMPLETE_WORKFLOW_EXECUTION:
      return check(
        payloadsBytes(c.completeWorkflowExecutionCommandAttributes?.result),
        Cause.WORKFLOW_TASK_FAILED_CAUSE_BAD_SCHEDULE_ACTIVITY_ATTRIBUTES,
        'CompleteWorkflowExecutionCommandAttributes.Result exceeds size limit.',
      );
    case CommandType.COMMAND_TYPE_FAIL_WORKFLOW_EXECUTION:
      return check(
        failureBytes(c.failWorkflowExecutionCommandAttributes?.failure),
        Cause.WORKFLOW_TASK_FAILED_CAUSE_BAD_FAIL_WORKFLOW_EXECUTION_ATTRIBUTES,
        'FailWorkflowExecutionCommandAttributes.Failure exceeds size limit.',
      );
    case CommandType.COMMAND_TYPE_RECORD_MARKER:
      return check(
        markerBytes(c.recordMarkerCommandAttributes?.details),
        Cause.WORKFLOW_TASK_FAILED_CAUSE_BAD_RECORD_MARKER_ATTRIBUTES,
        'RecordMarkerCommandAttributes.Details exceeds size limit.',
      );
    case CommandType.COMMAND_TYPE_CONTINUE_AS_NEW_WORKFLOW_EXECUTION:
      return check(
        payloadsBytes(c.continueAsNewWorkflowExecutionCommandAttributes?.input),
        Cause.WORKFLOW_TASK_FAILED_CAUSE_BAD_CONTINUE_AS_NEW_ATTRIBUTES,
        'ContinueAsNewWorkflowExecutionCommandAttributes. Input exceeds size limit.',
      );
    case CommandType.COMMAND_TYPE_START_CHILD_WORKFLOW_EXECUTION:
      return check(
        payloadsBytes(c.startChildWorkflowExecutionCommandAttributes?.input),
        Cause.WORKFLOW_TASK_FAILED_CAUSE_BAD_START_CHILD_EXECUTION_ATTRIBUTES,
        'StartChildWorkflowExecutionCommandAttributes. Input exceeds size limit.',
      );
    case CommandType.COMMAND_TYPE_SIGNAL_EXTERNAL_WORKFLOW_EXECUTION:
      return check(
        payloadsBytes(c.signalExternalWorkflowExecutionCommandAttributes?.input),
        Cause.WORKFLOW_TASK_FAILED_CAUSE_BAD_SIGNAL_WORKFLOW_EXECUTION_ATTRIBUTES,
        'SignalExternalWorkflowExecutionCommandAttributes.Input exceeds size limit.',
      );
    default:
      return undefined;
  }
}

/** Bytes of an event encoded as the journal keeps it (base64 of its protobuf). */
export function encodedEventBytes(base64: string): number {
  const padding = base64.endsWith('==') ? 2 : base64.endsWith('=') ? 1 : 0;
  return (base64.length * 3) / 4 - padding;
}
