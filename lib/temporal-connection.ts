// Options for the SDK's native connection to a Temporal frontend. On a loopback address (the embedded
// engine, or a dev server on the same machine) gzip only burns CPU on both ends: every request is
// compressed by the worker and inflated by the server to save bytes that never leave the host.
import type { NativeConnectionOptions } from '@temporalio/worker';

/** Whether `address` (host:port) names this machine. */
export function isLoopbackAddress(address: string): boolean {
  const host = (address.startsWith('[') ? address.slice(1, address.indexOf(']')) : address.replace(/:\d+$/, '')).toLowerCase();
  return host === 'localhost' || host === '::1' || /^127(\.\d{1,3}){3}$/.test(host);
}

export function nativeConnectionOptions(address: string): NativeConnectionOptions {
  return isLoopbackAddress(address) ? { address, grpcCompression: { codec: 'none' } } : { address };
}
