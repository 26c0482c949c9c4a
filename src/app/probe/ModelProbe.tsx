import { useEffect, useMemo } from 'react';
import { probeRequestFromSearch } from './probe-request';
import { useProbeStore } from './probe-store';

/**
 * Debug panel: `?model=<name>&dtype=<fp32|fp16|q4|q4f16>&device=<webgpu|wasm>&text=<string>` loads the
 * model from /models/<name>/ in a worker, runs one forward pass and shows the last position's logits.
 */
export function ModelProbe() {
  const request = useMemo(() => probeRequestFromSearch(window.location.search), []);
  const probe = useProbeStore((s) => s.probe);
  const startProbe = useProbeStore((s) => s.startProbe);
  const failProbe = useProbeStore((s) => s.failProbe);

  useEffect(() => {
    if (request instanceof Error) failProbe(request.message);
    else if (request) startProbe(request);
  }, [request, startProbe, failProbe]);

  return (
    <section className="probe" aria-labelledby="probe-heading">
      <h2 id="probe-heading">Model probe</h2>
      {request === null ? (
        <p>
          Add <code>?model=&lt;name&gt;&amp;dtype=fp32&amp;device=wasm</code> to the address to load a model served at{' '}
          <code>/models/&lt;name&gt;/</code> and run one forward pass.
        </p>
      ) : null}
      {probe.status === 'running' ? (
        <p data-testid="probe-status" role="status">
          Probing <code>{probe.request.model}</code> ({probe.request.dtype}, {probe.request.device}): {probe.stage}…
        </p>
      ) : null}
      {probe.status === 'done' ? (
        <>
          <p data-testid="probe-status" role="status">
            {probe.result.model} on {probe.result.device} ({probe.result.dtype}): {probe.result.inputIds.length} tokens,
            logits [{probe.result.logitsDims.join(', ')}], argmax {probe.result.argmax}; load{' '}
            {Math.round(probe.result.loadMs)} ms, forward {Math.round(probe.result.runMs)} ms, {probe.result.numThreads}{' '}
            WASM thread(s).
          </p>
          <pre className="probe-json" data-testid="probe-result">
            {JSON.stringify(probe.result)}
          </pre>
        </>
      ) : null}
      {probe.status === 'error' ? (
        <pre className="probe-error" data-testid="probe-error" role="alert">
          {probe.message}
        </pre>
      ) : null}
    </section>
  );
}
