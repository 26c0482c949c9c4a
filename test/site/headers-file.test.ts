import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { connectSourcesFrom, contentSecurityPolicy } from '../../src/site/content-security-policy';
import { ISOLATION_HEADERS } from '../../src/site/models-middleware';

function headersFile(): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const line of readFileSync('public/_headers', 'utf8').split('\n')) {
    const match = /^\s+([A-Za-z-]+):\s*(.*)$/.exec(line);
    if (match) headers[match[1]!] = match[2]!;
  }
  return headers;
}

describe('the headers static hosts get (public/_headers)', () => {
  it('are the servers’ own: cross-origin isolation and the same Content-Security-Policy', () => {
    expect(headersFile()).toEqual({ ...ISOLATION_HEADERS, 'Content-Security-Policy': contentSecurityPolicy({ delivery: 'header' }) });
  });
});

describe('the Content-Security-Policy', () => {
  it('allows no inline script, no eval, no plugins, no <base>, no framing, and requires Trusted Types', () => {
    const policy = contentSecurityPolicy({ delivery: 'header' });
    const scripts = /script-src ([^;]*)/.exec(policy)![1]!;
    expect(scripts.split(' ')).toEqual(["'self'", "'wasm-unsafe-eval'", 'blob:']);
    expect(policy).not.toMatch(/unsafe-inline|'unsafe-eval'/);
    expect(policy).toContain("object-src 'none'");
    expect(policy).toContain("base-uri 'none'");
    expect(policy).toContain("frame-ancestors 'none'");
    expect(policy).toContain("require-trusted-types-for 'script'");
  });

  it('names extra origins in connect-src only, and a <meta> leaves out what browsers ignore there', () => {
    const policy = contentSecurityPolicy({ delivery: 'meta', connect: connectSourcesFrom('https://models.example.org, http://10.0.0.5:8080') });
    expect(/connect-src ([^;]*)/.exec(policy)![1]).toBe("'self' https://huggingface.co https://*.huggingface.co https://*.hf.co https://models.example.org http://10.0.0.5:8080");
    expect(policy).not.toContain('frame-ancestors');
  });

  it('refuses REFEREE_CONNECT_SRC entries that are not origins', () => {
    expect(() => connectSourcesFrom("https://ok.example.org 'unsafe-inline'")).toThrow(/not an origin/);
    expect(() => connectSourcesFrom('https://example.org/path')).toThrow(/not an origin/);
    expect(connectSourcesFrom(undefined)).toEqual([]);
    expect(connectSourcesFrom('http://127.0.0.1:*')).toEqual(['http://127.0.0.1:*']);
  });
});
