import { describe, expect, it } from 'vitest';
import type { ScoreOutcome } from '../../engine/scorer-types';
import { startQueueRunner, type QueueJob, type ScoringQueue } from './queue-runner';

type Status = 'queued' | 'scoring' | 'scored' | 'failed';

/** An in-memory queue with the same bookkeeping the page's stores do. */
function memoryQueue(name: string, texts: string[]) {
  const statuses: Status[] = texts.map(() => 'queued');
  const listeners = new Set<() => void>();
  const changed = () => listeners.forEach((l) => l());
  const queue: ScoringQueue = {
    next(): QueueJob | null {
      const index = statuses.indexOf('queued');
      if (index < 0) return null;
      return {
        key: `${name}:${index}`,
        idea: { text: texts[index]! },
        options: {},
        markScoring: () => ((statuses[index] = 'scoring'), changed()),
        requeue: () => ((statuses[index] = 'queued'), changed()),
        finish: (outcome) => ((statuses[index] = outcome.ok ? 'scored' : 'failed'), changed()),
      };
    },
    subscribe: (listener) => (listeners.add(listener), () => listeners.delete(listener)),
  };
  return { queue, statuses };
}

const SCORED = { ok: true, result: {} } as unknown as ScoreOutcome;
const BROKEN = { ok: false, error: { code: 'model-error', message: 'device lost' } } as const;

function settle(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 10));
}

describe('the page’s one queue runner', () => {
  it('serves the queues in order, one idea at a time', async () => {
    const ideas = memoryQueue('ideas', ['a', 'b']);
    const labelled = memoryQueue('labelled', ['c']);
    const order: string[] = [];
    let concurrent = 0;
    const engine = {
      score: async (idea: { text: string }) => {
        order.push(idea.text);
        expect(++concurrent).toBe(1);
        await settle();
        concurrent--;
        return SCORED;
      },
    };
    startQueueRunner(engine, [ideas.queue, labelled.queue], { modelReady: () => true, subscribeModel: () => () => {}, onRuntimeFailure: () => {} });
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(order).toEqual(['a', 'b', 'c']);
    expect([...ideas.statuses, ...labelled.statuses]).toEqual(['scored', 'scored', 'scored']);
  });

  it.each(['ideas', 'labelled'])('gives a %s idea one more try after a runtime failure, then marks it failed', async (which) => {
    const ideas = memoryQueue('ideas', which === 'ideas' ? ['a'] : []);
    const labelled = memoryQueue('labelled', which === 'labelled' ? ['a'] : []);
    let ready = true;
    const modelListeners = new Set<() => void>();
    const failures: string[] = [];
    const engine = { score: async () => BROKEN as ScoreOutcome };
    startQueueRunner(engine, [ideas.queue, labelled.queue], {
      modelReady: () => ready,
      subscribeModel: (listener) => (modelListeners.add(listener), () => modelListeners.delete(listener)),
      // What the page does: the model is marked as loading again at once.
      onRuntimeFailure: (message) => {
        failures.push(message);
        ready = false;
      },
    });
    await settle();
    const statuses = which === 'ideas' ? ideas.statuses : labelled.statuses;
    expect(statuses).toEqual(['queued']);
    expect(failures).toEqual(['device lost']);
    ready = true; // reloaded
    modelListeners.forEach((l) => l());
    await settle();
    expect(statuses).toEqual(['failed']);
    expect(failures).toHaveLength(1);
  });
});
