/** Page side of the model probe: one worker per probe, terminated when it answers. */
import type { ProbeMessage, ProbeRequest, ProbeResult, ProbeStage } from './probe-protocol';

export function runProbeInWorker(request: ProbeRequest, onStage?: (stage: ProbeStage) => void): Promise<ProbeResult> {
  return new Promise<ProbeResult>((resolve, reject) => {
    const worker = new Worker(new URL('./probe.worker.ts', import.meta.url), { type: 'module', name: 'referee-probe' });
    const finish = () => worker.terminate();
    worker.addEventListener('message', (event: MessageEvent<ProbeMessage>) => {
      const message = event.data;
      switch (message.type) {
        case 'stage':
          onStage?.(message.stage);
          break;
        case 'result':
          finish();
          resolve(message.result);
          break;
        case 'error': {
          finish();
          const error = new Error(message.message);
          if (message.stack) error.stack = message.stack;
          reject(error);
          break;
        }
      }
    });
    worker.addEventListener('error', (event: ErrorEvent) => {
      finish();
      reject(new Error(`Probe worker failed to start or crashed: ${event.message || 'unknown error'}`));
    });
    worker.addEventListener('messageerror', () => {
      finish();
      reject(new Error('Probe worker sent a message that could not be deserialized'));
    });
    worker.postMessage(request);
  });
}
