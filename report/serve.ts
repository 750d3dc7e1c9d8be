// `sinq report --serve`: serves the report directory on a loopback port and rewrites the report
// whenever the campaign's store changes (a running campaign writes episodes.db and its WAL). The
// page polls version.json and reloads itself. A failed refresh keeps the last good report served.
import { createReadStream, statSync, type Stats } from 'node:fs';
import { createServer, type Server } from 'node:http';
import path from 'node:path';
import { indexFile } from './paths';

const contentTypes: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
};

export interface ServeOptions {
  dir: string;
  /** The store file whose changes trigger a refresh (its -wal companion is watched too). */
  storeFile: string;
  /** Rewrites the report; called once before serving and after each change. */
  refresh: () => Promise<void>;
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  pollMs?: number;
  onRefresh?: (error: Error | null) => void;
}

export interface ReportServer {
  url: string;
  port: number;
  /** Resolves after the refresh in progress (if any) and the server have stopped. */
  close(): Promise<void>;
}

function fingerprint(file: string): string {
  const part = (f: string): string => {
    let s: Stats;
    try {
      s = statSync(f);
    } catch {
      return '-';
    }
    return `${s.size}:${s.mtimeMs}`;
  };
  return `${part(file)}|${part(`${file}-wal`)}`;
}

function handler(dir: string) {
  const root = path.resolve(dir);
  return (
    req: { url?: string | undefined; method?: string | undefined },
    res: import('node:http').ServerResponse,
  ): void => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    let pathname: string;
    try {
      pathname = decodeURIComponent(new URL(req.url ?? '/', 'http://localhost').pathname);
    } catch {
      res.writeHead(400).end('bad path');
      return;
    }
    const file = path.resolve(root, '.' + (pathname.endsWith('/') ? pathname + indexFile : pathname));
    if (file !== root && !file.startsWith(root + path.sep)) {
      res.writeHead(403).end('outside the report');
      return;
    }
    let stats: Stats;
    try {
      stats = statSync(file);
    } catch {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    if (!stats.isFile()) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    res.writeHead(200, {
      'content-type': contentTypes[path.extname(file)] ?? 'application/octet-stream',
      'content-length': stats.size,
      'cache-control': 'no-store',
    });
    if (req.method === 'HEAD') res.end();
    else createReadStream(file).pipe(res);
  };
}

export async function serveReport(options: ServeOptions): Promise<ReportServer> {
  await options.refresh();
  let seen = fingerprint(options.storeFile);
  const server: Server = createServer(handler(options.dir));
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;

  let running: Promise<void> = Promise.resolve();
  let stopped = false;
  const timer = setInterval(() => {
    const now = fingerprint(options.storeFile);
    if (now === seen || stopped) return;
    seen = now;
    // One refresh at a time; a change during a refresh is picked up by the next tick.
    running = running.then(() =>
      options.refresh().then(
        () => options.onRefresh?.(null),
        (err: unknown) => options.onRefresh?.(err instanceof Error ? err : new Error(String(err))),
      ),
    );
  }, options.pollMs ?? 1000);

  return {
    url: `http://${host}:${port}/`,
    port,
    async close() {
      stopped = true;
      clearInterval(timer);
      await running;
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
