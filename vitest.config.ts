import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 180_000,
    hookTimeout: 300_000,
    globalSetup: ['test/support/global-setup.ts'],
    // onnxruntime-node and the generated models are memory- and CPU-hungry; two cores here.
    maxWorkers: 2,
  },
});
