// The Temporal CLI dev server (`temporal server start-dev`, with its web UI) started through
// @temporalio/testing from an existing binary. Its SQLite file lives in the sinq directory, so
// campaigns survive a restart as they do on the embedded engine.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import type { Logger } from '../lib/log';
import { freePort } from '../lib/net';
import { searchAttributeDefinitions } from '../workflows/definitions';

export interface DevServerOptions {
  /** The `temporal` executable. */
  cliPath: string;
  /** The sinq directory; the server's database file goes there. */
  dir: string;
  namespace?: string;
  /** 0 or omitted: a free port. */
  port?: number;
  uiPort?: number;
  log: Logger;
}

export interface DevServerHandle {
  /** host:port of the frontend gRPC service. */
  address: string;
  /** The web UI. */
  uiUrl: string;
  dbFile: string;
  /** Kills the server and closes the connections. Idempotent. */
  stop(): Promise<void>;
}

export class DevServerError extends Error {
  readonly code = 'E_DEV_SERVER_START';
  constructor(message: string) {
    super(message);
    this.name = 'DevServerError';
  }
}

const attributeTypes = {
  Keyword: SearchAttributeType.KEYWORD,
  Int: SearchAttributeType.INT,
  Double: SearchAttributeType.DOUBLE,
} as const;

export function devServerDbFile(dir: string): string {
  return path.join(dir, 'temporal-dev.db');
}

export async function startDevServer(options: DevServerOptions): Promise<DevServerHandle> {
  const ip = '127.0.0.1';
  mkdirSync(options.dir, { recursive: true });
  const dbFile = devServerDbFile(options.dir);
  const port = options.port || (await freePort());
  let uiPort = options.uiPort || (await freePort());
  // Two free-port probes can return the same port once the first is released.
  while (uiPort === port) uiPort = await freePort();
  // Loaded only in this mode: it brings the native core runtime with it.
  const { TestWorkflowEnvironment } = await import('@temporalio/testing');
  let env;
  try {
    env = await TestWorkflowEnvironment.createLocal({
      server: {
        executable: { type: 'existing-path', path: options.cliPath },
        ip,
        port,
        ui: true,
        uiPort,
        dbFilename: dbFile,
        namespace: options.namespace ?? 'default',
        log: { format: 'json', level: 'warn' },
        searchAttributes: searchAttributeDefinitions.map((definition) => defineSearchAttributeKey(definition.name, attributeTypes[definition.type])),
      },
    });
  } catch (err) {
    throw new DevServerError(`the temporal dev server (${options.cliPath}) did not start: ${(err as Error).message}`);
  }
  const started = env;
  const uiUrl = `http://${ip}:${uiPort}`;
  options.log.info({ address: started.address, ui: uiUrl, db: dbFile }, 'temporal dev server started');
  let stopping: Promise<void> | undefined;
  return {
    address: started.address,
    uiUrl,
    dbFile,
    stop() {
      stopping ??= started.teardown();
      return stopping;
    },
  };
}
