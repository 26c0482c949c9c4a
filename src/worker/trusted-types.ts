/**
 * The Trusted Types default policy (the Content-Security-Policy requires Trusted Types for script sinks):
 * script URLs from this origin and blob: are let through (the app's workers, onnxruntime's threads), anything
 * else and every HTML or script string is refused. Imported first by each entry point (the pages and the
 * workers), so it exists before any library touches a sink.
 */
interface TrustedTypesFactory {
  readonly defaultPolicy: unknown;
  createPolicy(name: string, rules: Record<string, (input: string) => string>): unknown;
}

const factory = (globalThis as { trustedTypes?: TrustedTypesFactory }).trustedTypes;

if (factory && !factory.defaultPolicy) {
  factory.createPolicy('default', {
    createScriptURL(input: string): string {
      const url = new URL(input, globalThis.location.href);
      if (url.origin === globalThis.location.origin) return input;
      throw new TypeError(`Trusted Types: refused a script from ${url.origin}`);
    },
    createHTML(): string {
      throw new TypeError('Trusted Types: HTML strings are refused (ideas are rendered as text)');
    },
    createScript(): string {
      throw new TypeError('Trusted Types: script strings are refused');
    },
  });
}

export {};
