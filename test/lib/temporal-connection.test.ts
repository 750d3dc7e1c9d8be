import { describe, expect, it } from 'vitest';
import { isLoopbackAddress, nativeConnectionOptions } from '../../lib/temporal-connection';

describe('native connection options', () => {
  it('recognises loopback addresses', () => {
    for (const a of ['127.0.0.1:7233', 'localhost:7233', 'LOCALHOST:1', '[::1]:7233', '127.3.2.1:80']) expect(isLoopbackAddress(a)).toBe(true);
    for (const a of ['10.0.0.5:7233', 'temporal.example.com:7233', '[2001:db8::1]:7233', 'localhost.example.com:7233', '128.0.0.1:7233']) {
      expect(isLoopbackAddress(a)).toBe(false);
    }
  });

  it('turns gzip off only on this machine', () => {
    expect(nativeConnectionOptions('127.0.0.1:7233')).toEqual({ address: '127.0.0.1:7233', grpcCompression: { codec: 'none' } });
    expect(nativeConnectionOptions('temporal.example.com:7233')).toEqual({ address: 'temporal.example.com:7233' });
  });
});
