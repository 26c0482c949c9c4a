/**
 * Shared Playwright fixtures for Referee's browser tests:
 * - every request to a host other than 127.0.0.1 is blocked and fails the test (the app must work offline);
 * - console errors and uncaught errors from the page and its workers are collected in `consoleErrors`;
 * - any Content-Security-Policy or Trusted Types violation, in the page or a worker, fails the test (the
 *   policy must hold for everything the app does), unless the test sets `cspViolationsExpected`;
 * - the `webgpu` option says whether this project launched Chromium with a (SwiftShader) WebGPU adapter.
 */
import { test as base, expect, type ConsoleMessage } from '@playwright/test';

export interface RefereeOptions {
  /** True in the project that launches Chromium with --enable-unsafe-webgpu. */
  webgpu: boolean;
  /** The test provokes violations on purpose (e2e/csp.spec.ts) and checks them itself. */
  cspViolationsExpected: boolean;
  /**
   * Whether the page measures each model on this device after it loads (off unless a test asks: on SwiftShader
   * the measurement costs as much as scoring an idea, and only e2e/app.spec.ts's device test is about it).
   */
  measureDevice: boolean;
}

interface RefereeFixtures {
  /** Turns the page's device measurement off unless `measureDevice` (a context init script). */
  deviceMeasurementSwitch: void;
  /** Requests that left 127.0.0.1 (blocked); checked after each test. */
  offHostRequests: string[];
  /** Console errors and uncaught exceptions seen so far, page and workers alike. */
  consoleErrors: string[];
  /** Content-Security-Policy and Trusted Types violations reported so far, page and workers alike. */
  cspViolations: string[];
}

const VIOLATION = /Content Security Policy|Trusted ?Type|TrustedScriptURL|TrustedHTML|TrustedScript/i;

const ALLOWED_HOST = '127.0.0.1';

function isOffHost(url: string): boolean {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  if (!['http:', 'https:', 'ws:', 'wss:'].includes(parsed.protocol)) return false; // data:, blob:, chrome-extension:
  return parsed.hostname !== ALLOWED_HOST;
}

export const test = base.extend<RefereeFixtures & RefereeOptions>({
  webgpu: [false, { option: true }],
  cspViolationsExpected: [false, { option: true }],
  measureDevice: [false, { option: true }],

  deviceMeasurementSwitch: [
    async ({ context, measureDevice }, use) => {
      if (!measureDevice) {
        await context.addInitScript(() => {
          const w = window as { refereeDiagnostics?: object };
          w.refereeDiagnostics = { ...w.refereeDiagnostics, measureDevice: false };
        });
      }
      await use();
    },
    { auto: true },
  ],

  cspViolations: [
    async ({ context, cspViolationsExpected }, use) => {
      const violations: string[] = [];
      context.on('console', (message) => {
        if (VIOLATION.test(message.text())) violations.push(`${message.text()}${message.worker() ? ` [worker ${message.worker()?.url()}]` : ''}`);
      });
      context.on('weberror', (webError) => {
        if (VIOLATION.test(webError.error().message)) violations.push(`uncaught: ${webError.error().message}`);
      });
      await use(violations);
      if (!cspViolationsExpected) expect(violations, 'Content-Security-Policy violations').toEqual([]);
    },
    { auto: true },
  ],

  offHostRequests: [
    async ({ context }, use) => {
      const offHost: string[] = [];
      const record = (method: string, url: string) => {
        const entry = `${method} ${url}`;
        if (!offHost.includes(entry)) offHost.push(entry);
      };
      await context.route(
        (url) => isOffHost(url.href),
        async (route) => {
          record(route.request().method(), route.request().url());
          await route.abort('blockedbyclient');
        },
      );
      // Anything that slipped past routing (e.g. a service worker's own fetches) still counts.
      context.on('request', (request) => {
        if (isOffHost(request.url())) record(request.method(), request.url());
      });
      await use(offHost);
      expect(offHost, `requests to hosts other than ${ALLOWED_HOST}`).toEqual([]);
    },
    { auto: true },
  ],

  consoleErrors: [
    async ({ context }, use) => {
      const errors: string[] = [];
      const onConsole = (message: ConsoleMessage) => {
        if (message.type() !== 'error') return;
        const where = message.location();
        const origin = message.worker() ? ` [worker ${message.worker()?.url()}]` : '';
        errors.push(`${message.text()}${where.url ? ` (${where.url}:${where.lineNumber})` : ''}${origin}`);
      };
      context.on('console', onConsole);
      context.on('weberror', (webError) => errors.push(`uncaught: ${webError.error().message}`));
      await use(errors);
    },
    { auto: true },
  ],
});

export { expect };

/** Asks the page's engine a diagnostic (src/engine/diagnostics.ts) through the page's one diagnostics global. */
export { diagnosePage as diagnose } from '../src/engine/diagnostics';
