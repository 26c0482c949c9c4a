import path from 'node:path';
import react from '@vitejs/plugin-react';
import { defineConfig, type Plugin } from 'vite';
import { createModelsMiddleware, ISOLATION_HEADERS } from './src/dev/models-middleware.ts';

const HOST = '127.0.0.1';

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

export default defineConfig({
  plugins: [react(), serveModelsDir()],
  // 'mpa': no SPA fallback, so a missing file is a 404 rather than index.html served as 200.
  appType: 'mpa',
  worker: { format: 'es' },
  optimizeDeps: {
    // Pre-bundling these breaks their wasm/worker URLs and triggers a mid-session reload in dev.
    exclude: ['@huggingface/transformers', 'onnxruntime-web'],
  },
  build: {
    // A second build dir lets two test runs share one checkout (e.g. REFEREE_OUT_DIR=dist-2).
    outDir: process.env.REFEREE_OUT_DIR ?? 'dist',
    rollupOptions: {
      // The app, and a bare one-forward-pass page for debugging and the browser parity tests.
      input: { main: path.resolve(import.meta.dirname, 'index.html'), probe: path.resolve(import.meta.dirname, 'probe.html') },
    },
  },
  server: { host: HOST, headers: { ...ISOLATION_HEADERS } },
  preview: { host: HOST, headers: { ...ISOLATION_HEADERS } },
});
