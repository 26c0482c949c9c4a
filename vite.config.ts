import path from 'node:path';
import react from '@vitejs/plugin-react';
import { defineConfig, type Plugin } from 'vite';
import { createHash, randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { connectSourcesFrom, contentSecurityPolicy } from './src/site/content-security-policy.ts';
import { createModelsMiddleware, ISOLATION_HEADERS } from './src/site/models-middleware.ts';

const HOST = '127.0.0.1';

const ORT_RUNTIME = path.resolve(import.meta.dirname, 'src/engine/browser/ort-runtime.ts');

/**
 * Transformers.js's `onnxruntime-web/webgpu` becomes src/engine/browser/ort-runtime.ts, which runs the JSPI
 * build where the browser has JSPI (weights read tensor by tensor) and that asyncify build elsewhere.
 */
function ortRuntimeChoice(): Plugin {
  return {
    name: 'referee:ort-runtime-choice',
    enforce: 'pre',
    resolveId(source, importer) {
      if (source !== 'onnxruntime-web/webgpu' || importer === ORT_RUNTIME) return null;
      return ORT_RUNTIME;
    },
  };
}

/** When REFEREE_MODELS_DIR is set, serve that folder at /models/ in both `vite` and `vite preview`. */
function serveModelsDir(): Plugin {
  const dir = process.env.REFEREE_MODELS_DIR;
  return {
      name: 'referee:serve-models-dir',
      configureServer(server) {
        if (dir) server.middlewares.use('/models', createModelsMiddleware(dir));
      },
      configurePreviewServer(server) {
        if (dir) server.middlewares.use('/models', createModelsMiddleware(dir));
      },
    };
  }

  /** Origins a self-hosted model or server lives at, allowed in connect-src (see the README's Security section). */
  const CONNECT = connectSourcesFrom(process.env.REFEREE_CONNECT_SRC);

  /**
   * The Content-Security-Policy on every response of `vite` and `vite preview` (the worker scripts too: a
   * worker takes its policy from its own response), and in a <meta> of the built pages for hosts that send no
   * headers. The dev server adds a per-start nonce for what Vite injects inline (React Refresh, HMR styles).
   * Violations are reported to the console by the browser; the browser tests fail on any.
   */
  function contentSecurityPolicyPlugin(nonce: string): Plugin {
    const devPolicy = contentSecurityPolicy({ delivery: 'header', connect: CONNECT, nonce });
    const builtPolicy = contentSecurityPolicy({ delivery: 'header', connect: CONNECT });
    const send = (policy: string) => (_req: unknown, res: { setHeader(name: string, value: string): void }, next: () => void) => {
      res.setHeader('Content-Security-Policy', policy);
      next();
    };
  return {
      name: 'referee:content-security-policy',
      configureServer(server) {
        server.middlewares.use(send(devPolicy));
      },
      configurePreviewServer(server) {
        server.middlewares.use(send(builtPolicy));
      },
      transformIndexHtml: {
        order: 'post',
        handler(_html, context) {
          if (context.server) return [];
          return [{ tag: 'meta', attrs: { 'http-equiv': 'Content-Security-Policy', content: contentSecurityPolicy({ delivery: 'meta', connect: CONNECT }) }, injectTo: 'head-prepend' }];
        },
      },
    };
  }

  /**
   * The offline app shell: builds src/app-shell/service-worker.ts as /sw.js and writes into it this build's
   * file list and a version that changes whenever any of those files does (hashed names, public files' bytes).
   */
  function appShellPlugin(): Plugin {
    const publicDir = path.resolve(import.meta.dirname, 'public');
    const PLACEHOLDER = '__REFEREE_SHELL_MANIFEST__';
    return {
      name: 'referee:app-shell',
      apply: 'build',
      // After Vite has emitted the HTML pages, so that they are in the list.
      enforce: 'post',
      generateBundle(_options, bundle) {
        const worker = Object.values(bundle).find((file) => file.type === 'chunk' && file.fileName === 'sw.js');
        if (!worker || worker.type !== 'chunk') return;
        const hash = createHash('sha256');
        const files = new Set<string>();
        for (const file of Object.values(bundle)) {
          if (file.fileName === 'sw.js' || file.fileName.endsWith('.map')) continue;
          files.add(file.fileName === 'index.html' ? '/' : `/${file.fileName}`);
          hash.update(file.fileName);
          if (file.type === 'asset' && file.fileName.endsWith('.html')) hash.update(file.source);
        }
        for (const name of readdirSync(publicDir)) {
          if (name.startsWith('_')) continue; // host configuration (_headers), not served as a file
          files.add(`/${name}`);
          hash.update(name).update(readFileSync(path.join(publicDir, name)));
        }
        const manifest = { version: hash.digest('hex').slice(0, 16), files: [...files].sort() };
        if (!worker.code.includes(PLACEHOLDER)) throw new Error('app shell: the service worker lost its manifest placeholder');
        worker.code = worker.code.replace(PLACEHOLDER, JSON.stringify(manifest));
      },
    };
  }

/**
 * `vite build --mode library`: Referee as a Node library (src/lib.ts) in dist-lib/referee.js, its dependencies
 * left to the package's own (what `npm pack` ships, with the declarations tsc writes beside it).
 */
const LIBRARY_BUILD = {
  publicDir: false as const,
  build: {
    ssr: 'src/lib.ts',
    outDir: 'dist-lib',
    emptyOutDir: true,
    target: 'node20',
    rollupOptions: { output: { format: 'es' as const, entryFileNames: 'referee.js' } },
  },
};

export default defineConfig(({ command, mode }) => {
  if (mode === 'library') return LIBRARY_BUILD;
  const nonce = randomBytes(16).toString('base64');
  return {
    plugins: [ortRuntimeChoice(), react(), serveModelsDir(), contentSecurityPolicyPlugin(nonce), appShellPlugin()],
    // The dev server marks what Vite injects inline with the policy's nonce; the build injects nothing inline.
    ...(command === 'serve' ? { html: { cspNonce: nonce } } : {}),
    // 'mpa': no SPA fallback, so a missing file is a 404 rather than index.html served as 200.
    appType: 'mpa',
    // config.plugins reach workers only in dev; a build bundles workers with these.
    worker: { format: 'es', plugins: () => [ortRuntimeChoice()] },
    optimizeDeps: {
      // Scan the workers too: a dependency only a worker imports (onnx-proto, in the converter) is otherwise
      // found on first use, and Vite then reloads the page mid-session (losing what the user typed).
      entries: ['index.html', 'probe.html', 'src/worker/*.worker.ts'],
      // Pre-bundling these breaks their wasm/worker URLs and triggers a mid-session reload in dev.
      exclude: ['@huggingface/transformers', 'onnxruntime-web'],
    },
    build: {
      // A second build dir lets two test runs share one checkout (e.g. REFEREE_OUT_DIR=dist-2).
      outDir: process.env.REFEREE_OUT_DIR ?? 'dist',
      rollupOptions: {
        // The app, and a bare one-forward-pass page for debugging and the browser parity tests.
        input: {
          main: path.resolve(import.meta.dirname, 'index.html'),
          probe: path.resolve(import.meta.dirname, 'probe.html'),
          // The offline app shell's service worker, at the root so that its scope is the whole site.
          sw: path.resolve(import.meta.dirname, 'src/app-shell/service-worker.ts'),
        },
        output: { entryFileNames: (chunk) => (chunk.name === 'sw' ? 'sw.js' : 'assets/[name]-[hash].js') },
      },
    },
    server: { host: HOST, headers: { ...ISOLATION_HEADERS } },
    preview: { host: HOST, headers: { ...ISOLATION_HEADERS } },
  };
});
