// Access to the Temporal API message types shipped in @temporalio/proto (the same classes the SDK uses),
// plus small conversions between protobuf scalars (Long, Duration, Timestamp) and plain numbers.
import protoRoot from '@temporalio/proto';
import type { temporal as temporalTypes, google as googleTypes } from '@temporalio/proto';
import type Long from 'long';

export const api = protoRoot.temporal.api;
export const rpc = protoRoot.google.rpc;
export type { temporalTypes as T, googleTypes as G };

type ProtoType = { encode(m: object): { finish(): Uint8Array }; decode(b: Uint8Array): object };

interface ReflectionMethod {
  name: string;
  requestType: string;
  responseType: string;
  resolvedRequestType: ProtoType | null;
  resolvedResponseType: ProtoType | null;
}
interface ReflectionService {
  fullName: string;
  methods: Record<string, ReflectionMethod>;
  resolveAll(): ReflectionService;
}

/** The methods of a gRPC service as declared in the shipped protos, with their message codecs. */
export interface ServiceMethod {
  name: string;
  path: string;
  requestType: ProtoType;
  responseType: ProtoType;
}

export function serviceMethods(serviceName: string): ServiceMethod[] {
  const root = protoRoot as unknown as { lookupService(name: string): ReflectionService };
  const service = root.lookupService(serviceName).resolveAll();
  const fullName = service.fullName.replace(/^\./, '');
  return Object.values(service.methods).map((m) => {
    if (!m.resolvedRequestType || !m.resolvedResponseType) throw new Error(`unresolved types for ${fullName}.${m.name}`);
    return {
      name: m.name,
      path: `/${fullName}/${m.name}`,
      requestType: m.resolvedRequestType,
      responseType: m.resolvedResponseType,
    };
  });
}

export type Int64 = number | Long | null | undefined;

/** protobufjs encoders accept plain numbers for 64-bit fields; the generated typings only name Long. */
export function int64(n: number): Long {
  return n as unknown as Long;
}

export function num(v: Int64): number {
  if (v === null || v === undefined) return 0;
  return typeof v === 'number' ? v : v.toNumber();
}

export function durationMs(d: googleTypes.protobuf.IDuration | null | undefined): number {
  if (!d) return 0;
  return num(d.seconds) * 1000 + Math.floor((d.nanos ?? 0) / 1e6);
}

export function msDuration(ms: number): googleTypes.protobuf.IDuration {
  const seconds = Math.floor(ms / 1000);
  return { seconds: int64(seconds), nanos: Math.round((ms - seconds * 1000) * 1e6) };
}

export function timestampMs(t: googleTypes.protobuf.ITimestamp | null | undefined): number {
  if (!t) return 0;
  return num(t.seconds) * 1000 + Math.floor((t.nanos ?? 0) / 1e6);
}

export function msTimestamp(ms: number): googleTypes.protobuf.ITimestamp {
  const seconds = Math.floor(ms / 1000);
  return { seconds: int64(seconds), nanos: Math.round((ms - seconds * 1000) * 1e6) };
}

export type HistoryEvent = temporalTypes.api.history.v1.IHistoryEvent;
export type Payload = temporalTypes.api.common.v1.IPayload;
export type Payloads = temporalTypes.api.common.v1.IPayloads;
export type Failure = temporalTypes.api.failure.v1.IFailure;
export type RetryPolicy = temporalTypes.api.common.v1.IRetryPolicy;

export const EventType = api.enums.v1.EventType;
export const ExecutionStatus = api.enums.v1.WorkflowExecutionStatus;

export function encodeEvent(e: HistoryEvent): string {
  return Buffer.from(api.history.v1.HistoryEvent.encode(e).finish()).toString('base64');
}

export function decodeEvent(s: string): HistoryEvent {
  return api.history.v1.HistoryEvent.decode(Buffer.from(s, 'base64'));
}

export function encodeFailure(f: Failure): string {
  return Buffer.from(api.failure.v1.Failure.encode(f).finish()).toString('base64');
}

export function decodeFailure(s: string): Failure {
  return api.failure.v1.Failure.decode(Buffer.from(s, 'base64'));
}
