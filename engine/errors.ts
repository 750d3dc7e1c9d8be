// Typed engine errors, each carrying the gRPC status the Temporal server uses for the same condition.
import { status } from '@grpc/grpc-js';

export type EngineErrorCode =
  | 'E_NOT_FOUND'
  | 'E_NAMESPACE_NOT_FOUND'
  | 'E_ALREADY_STARTED'
  | 'E_ALREADY_EXISTS'
  | 'E_INVALID_ARGUMENT'
  | 'E_FAILED_PRECONDITION'
  | 'E_UNIMPLEMENTED'
  | 'E_DEADLINE'
  | 'E_UNAVAILABLE'
  | 'E_INTERNAL';

const grpcStatusOf: Record<EngineErrorCode, status> = {
  E_NOT_FOUND: status.NOT_FOUND,
  E_NAMESPACE_NOT_FOUND: status.NOT_FOUND,
  E_ALREADY_STARTED: status.ALREADY_EXISTS,
  E_ALREADY_EXISTS: status.ALREADY_EXISTS,
  E_INVALID_ARGUMENT: status.INVALID_ARGUMENT,
  E_FAILED_PRECONDITION: status.FAILED_PRECONDITION,
  E_UNIMPLEMENTED: status.UNIMPLEMENTED,
  E_DEADLINE: status.DEADLINE_EXCEEDED,
  E_UNAVAILABLE: status.UNAVAILABLE,
  E_INTERNAL: status.INTERNAL,
};

/** A detail message attached to the status (google.rpc.Status details), e.g. WorkflowExecutionAlreadyStartedFailure. */
export interface ErrorDetail {
  typeName: string;
  value: Uint8Array;
}

export class EngineError extends Error {
  readonly grpcStatus: status;
  constructor(
    readonly code: EngineErrorCode,
    message: string,
    readonly detail?: ErrorDetail,
  ) {
    super(message);
    this.name = 'EngineError';
    this.grpcStatus = grpcStatusOf[code];
  }
}

export const notFound = (message: string): EngineError => new EngineError('E_NOT_FOUND', message);
export const invalidArgument = (message: string): EngineError => new EngineError('E_INVALID_ARGUMENT', message);
export const failedPrecondition = (message: string): EngineError => new EngineError('E_FAILED_PRECONDITION', message);
