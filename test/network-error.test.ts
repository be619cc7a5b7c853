import { describe, expect, it } from 'vitest';
import { errors } from 'undici';
import { describeNetworkError } from '../src/util/network-error.js';

const coded = (message: string, code: string) => Object.assign(new Error(message), { code });

describe('network errors are worded once, for vendors and receivers alike', () => {
  it('names a reset, keeping undici\'s code and words, and says when it came mid-body', () => {
    expect(describeNetworkError(coded('other side closed', 'UND_ERR_SOCKET'), { peer: 'the receiver' })).toBe(
      'connection reset by the receiver (UND_ERR_SOCKET: other side closed)',
    );
    expect(describeNetworkError(coded('read ECONNRESET', 'ECONNRESET'), { peer: 'the vendor', phase: 'body' })).toBe(
      'connection reset by the vendor mid-body (read ECONNRESET)',
    );
  });
  it('names a refused connection', () => {
    expect(describeNetworkError(coded('connect ECONNREFUSED 127.0.0.1:9', 'ECONNREFUSED'), { peer: 'the vendor' })).toBe(
      'connection refused (connect ECONNREFUSED 127.0.0.1:9)',
    );
  });
  it('reads a wrapping error\'s cause, and names the timeout setting', () => {
    const wrapped = Object.assign(new Error('fetch failed'), { cause: coded('self-signed certificate', 'DEPTH_ZERO_SELF_SIGNED_CERT') });
    expect(describeNetworkError(wrapped, { peer: 'the receiver' })).toBe('DEPTH_ZERO_SELF_SIGNED_CERT: self-signed certificate');
    expect(describeNetworkError(new errors.HeadersTimeoutError(), { peer: 'the vendor', timeoutSetting: 'requestTimeout' })).toBe(
      'timed out waiting for the response (requestTimeout)',
    );
    expect(describeNetworkError(new Error('boom'), { peer: 'the vendor', phase: 'body' })).toBe('response body failed: boom');
  });
});
