// The gRPC server: serves Temporal's WorkflowService and OperatorService with the message codecs from
// @temporalio/proto, so payload bytes pass through unchanged. Opens the journal, recovers, compacts.
import * as grpc from '@grpc/grpc-js';
import { CompactionScheduler } from './compaction';
import { Engine } from './engine';
import { EngineError } from './errors';
import { installFastGzip } from './grpc-gzip';
import { DEFAULT_LIMITS, type EngineLimits } from './limits';
import { openJournal, type Journal, type JournalFileSystem } from './journal';
import { rpc, serviceMethods } from './proto';
import { parseRecords, type JournalRecord } from './records';
import { operatorServiceHandlers, workflowServiceHandlers, type CallContext } from './service';

export interface EngineServerOptions {
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  /** Journal directory; omitted = in-memory only (nothing survives a restart). */
  dataDir?: string;
  fsyncIntervalMs?: number;
  /** Compact once this many bytes were appended since the last compaction. */
  compactAfterBytes?: number;
  pollTimeoutMs?: number;
  /** How often closed runs past retention are dropped (followed by a compaction). */
  sweepIntervalMs?: number;
  log?: (event: Record<string, unknown>) => void;
  /** Count calls per method and log them (`rpc_counts`) on close; a profiling aid. */
  countRpcs?: boolean;
  /** Called once when the journal fails: the server has already stopped serving. */
  onFatal?: (err: unknown) => void;
  /** First retry delay of a failed background compaction (doubles up to a minute). Default 1000. */
  compactionRetryMs?: number;
  /** Size limits (Temporal's self-hosted defaults where omitted; see engine/limits.ts). */
  limits?: Partial<EngineLimits>;
  /** File-system operations of the journal; tests inject failures through it. */
  journalFileSystem?: JournalFileSystem;
}

export interface EngineServer {
  address: string;
  port: number;
  engine: Engine;
  /** Drops closed runs past retention and rewrites the journal from the live state. */
  compact(): Promise<void>;
  close(): Promise<void>;
}

type Handler = (req: never, ctx: CallContext) => Promise<object>;

/** protobufjs already writes into a Buffer under Node; wrap other arrays without copying. */
function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function toServiceError(err: unknown): grpc.ServiceError {
  if (err instanceof EngineError) {
    const metadata = new grpc.Metadata();
    if (err.detail) {
      const status = rpc.Status.encode({
        code: err.grpcStatus,
        message: err.message,
        details: [{ type_url: `type.googleapis.com/${err.detail.typeName}`, value: err.detail.value }],
      }).finish();
      metadata.set('grpc-status-details-bin', Buffer.from(status));
    }
    return Object.assign(new Error(err.message), { code: err.grpcStatus, details: err.message, metadata });
  }
  const message = err instanceof Error ? err.message : String(err);
  return Object.assign(new Error(message), { code: grpc.status.INTERNAL, details: `internal error: ${message}`, metadata: new grpc.Metadata() });
}

function serviceDefinition(
  serviceName: string,
  handlers: Record<string, Handler>,
  log: (event: Record<string, unknown>) => void,
  rpcCounts: Map<string, number> | null,
): { definition: grpc.ServiceDefinition; implementation: grpc.UntypedServiceImplementation } {
  const definition: Record<string, grpc.MethodDefinition<object, object>> = {};
  const implementation: grpc.UntypedServiceImplementation = {};
  for (const m of serviceMethods(serviceName)) {
    definition[m.name] = {
      path: m.path,
      requestStream: false,
      responseStream: false,
      requestSerialize: (v: object) => asBuffer(m.requestType.encode(v).finish()),
      requestDeserialize: (b: Buffer) => m.requestType.decode(b),
      responseSerialize: (v: object) => asBuffer(m.responseType.encode(v).finish()),
      responseDeserialize: (b: Buffer) => m.responseType.decode(b),
    };
    const handler = handlers[m.name];
    implementation[m.name] = (call: grpc.ServerUnaryCall<object, object>, callback: grpc.sendUnaryData<object>) => {
      if (rpcCounts) rpcCounts.set(m.name, (rpcCounts.get(m.name) ?? 0) + 1);
      if (!handler) {
        callback({ code: grpc.status.UNIMPLEMENTED, details: `${m.name} is not implemented by the sinq engine` });
        return;
      }
      const cancelCallbacks: (() => void)[] = [];
      let cancelled = false;
      call.on('cancelled', () => {
        cancelled = true;
        for (const cb of cancelCallbacks) cb();
      });
      const ctx: CallContext = {
        onCancel: (cb) => {
          if (cancelled) cb();
          else cancelCallbacks.push(cb);
        },
      };
      handler(call.request as never, ctx).then(
        (response) => callback(null, response),
        (err: unknown) => {
          if (!(err instanceof EngineError)) log({ event: 'rpc_error', method: m.name, error: err instanceof Error ? (err.stack ?? err.message) : String(err) });
          callback(toServiceError(err));
        },
      );
    };
  }
  return { definition: definition as grpc.ServiceDefinition, implementation };
}

export async function startEngineServer(options: EngineServerOptions = {}): Promise<EngineServer> {
  const log = options.log ?? (() => {});
  let journal: Journal | undefined;
  let recovered: JournalRecord[] = [];
  if (options.dataDir) {
    const opened = await openJournal({
      dir: options.dataDir,
      fsyncIntervalMs: options.fsyncIntervalMs ?? 2,
      fileSystem: options.journalFileSystem,
    });
    journal = opened.journal;
    const { records, invalid } = parseRecords(opened.records);
    if (invalid > 0) log({ event: 'journal_invalid_records', count: invalid });
    recovered = records;
  }
  const compactAfter = options.compactAfterBytes ?? 64 * 1024 * 1024;
  let compaction: CompactionScheduler | undefined;
  let fatal: unknown = null;
  const engine: Engine = new Engine({
    pollTimeoutMs: options.pollTimeoutMs,
    limits: options.limits,
    log,
    persist: journal
      ? async (records) => {
          await journal.append(records);
          if (journal.bytesSinceCompaction > compactAfter) compaction?.request('journal size');
        }
      : undefined,
    onFatal: (err) => {
      // A failed journal write means acknowledged state might not be durable: stop serving.
      if (fatal) return;
      fatal = err;
      log({ event: 'fatal', error: err instanceof Error ? (err.stack ?? err.message) : String(err) });
      server.forceShutdown();
      options.onFatal?.(err);
    },
  });
  engine.recover(recovered);
  if (!engine.namespaces.has('default')) await engine.commit(() => engine.registerNamespace('default', 'default namespace', 86_400_000));
  if (journal) {
    compaction = new CompactionScheduler(journal, engine, log, { retryBaseMs: options.compactionRetryMs });
    // Recovery cost stays proportional to live state, but start-up never waits for (or fails on) it.
    if (recovered.length > 0) compaction.request('start-up');
  }

  installFastGzip();
  const server = new grpc.Server({ 'grpc.max_receive_message_length': options.limits?.maxMessageBytes ?? DEFAULT_LIMITS.maxMessageBytes, 'grpc.max_send_message_length': 128 * 1024 * 1024 });
  const rpcCounts = options.countRpcs ? new Map<string, number>() : null;
  const ws = serviceDefinition('temporal.api.workflowservice.v1.WorkflowService', workflowServiceHandlers(engine), log, rpcCounts);
  server.addService(ws.definition, ws.implementation);
  const os = serviceDefinition('temporal.api.operatorservice.v1.OperatorService', operatorServiceHandlers(engine), log, rpcCounts);
  server.addService(os.definition, os.implementation);
  const host = options.host ?? '127.0.0.1';
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync(`${host}:${options.port ?? 0}`, grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p)));
  });
  const sweeper = setInterval(() => {
    if (engine.dropExpired() > 0) compaction?.request('retention sweep');
  }, options.sweepIntervalMs ?? 60_000);
  sweeper.unref();
  let closed = false;
  return {
    address: `${host}:${port}`,
    port,
    engine,
    compact: async () => {
      engine.dropExpired();
      await compaction?.now();
    },
    close: async () => {
      if (closed) return;
      closed = true;
      clearInterval(sweeper);
      if (rpcCounts) log({ event: 'rpc_counts', counts: Object.fromEntries(rpcCounts), workflowTasks: engine.workflowTaskStats });
      engine.shutdown();
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          server.forceShutdown();
          resolve();
        }, 2000);
        server.tryShutdown(() => {
          clearTimeout(timer);
          resolve();
        });
      });
      await compaction?.close();
      await journal?.close();
    },
  };
}
