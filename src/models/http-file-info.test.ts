import { describe, expect, it } from 'vitest';
import { fileSizeFrom, publishedSha256, rangeStartFrom } from './http-file-info';

const headers = (h: Record<string, string>) => new Headers(h);
const SHA = 'a'.repeat(40) + '0123456789abcdef01234567';

describe('HTTP file info', () => {
  it('reads the whole size from a 206 Content-Range, else Content-Length', () => {
    expect(fileSizeFrom(206, headers({ 'content-range': 'bytes 100-199/5000', 'content-length': '100' }))).toBe(5000);
    expect(fileSizeFrom(200, headers({ 'content-length': '5000' }))).toBe(5000);
    expect(fileSizeFrom(200, headers({}))).toBeNull();
    expect(fileSizeFrom(206, headers({ 'content-range': 'bytes 0-1/*' }))).toBeNull();
    expect(rangeStartFrom(headers({ 'content-range': 'bytes 4096-8191/9000' }))).toBe(4096);
    expect(rangeStartFrom(headers({}))).toBeNull();
  });

  it('takes a 64-hex LFS etag as the published SHA-256, and nothing else', () => {
    expect(publishedSha256(headers({ 'x-linked-etag': `"${SHA.toUpperCase()}"`, etag: '"abc"' }))).toBe(SHA);
    expect(publishedSha256(headers({ etag: `W/"${SHA}"` }))).toBe(SHA);
    expect(publishedSha256(headers({ etag: '"5d41402abc4b2a76b9719d911017c592aaaaaaaa"' }))).toBeNull(); // a git blob id
    expect(publishedSha256(headers({ etag: 'W/"1f3a-18c2"' }))).toBeNull();
    expect(publishedSha256(headers({}))).toBeNull();
  });
});
