/** Ideas the browser tests score; e2e/global-setup.ts scores the same ones in Node for comparison. */
export const FIVE_IDEAS = [
  'Graph neural networks for medium-range weather forecasting with learned mesh refinement.',
  'A curvature-aware optimizer that adapts per-layer learning rates from cheap Hessian-trace estimates.',
  'Sparse mixture-of-experts routing that sends each token to two of sixty-four experts.',
  'Self-supervised pretraining of protein language models on evolutionary couplings.',
  'Scaling laws for small models trained on synthetic curricula.',
];

/** The dtype both Node and the page use for the varied model (SwiftShader WebGPU has no shader-f16). */
export const VARIED_DTYPE = 'q4';

/** An idea of a title and three sentences, explained (leave-one-out attribution) in the page and in Node. */
export const ATTRIBUTION_IDEA = {
  title: 'Sparse experts',
  text: 'Route each token to 2 of 64 small experts. A 1B model then keeps the compute of a 300M one. We test on C4 and on code.',
};
