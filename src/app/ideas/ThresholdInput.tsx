import { useEffect, useId, useState } from 'react';
import { THRESHOLD_RANGE } from '../../scoring/score-stats';

const inScoreRange = (value: number) => Number.isFinite(value) && value >= THRESHOLD_RANGE.min && value <= THRESHOLD_RANGE.max;

/**
 * The threshold field. What the user types stays in the field; only a number inside the score range becomes
 * the setting, and anything else is refused with a message (the setting keeps its last good value).
 */
export function ThresholdInput({ id, value, onChange }: { id?: string; value: number; onChange: (threshold: number) => void }) {
  const [draft, setDraft] = useState(String(value));
  const messageId = useId();
  useEffect(() => {
    // A change from elsewhere (another field, an import) shows here, unless the draft already says it.
    setDraft((current) => (Number(current) === value ? current : String(value)));
  }, [value]);
  const refused = draft.trim() !== '' && !inScoreRange(Number(draft));
  return (
    <>
      <input
        id={id}
        type="number"
        min={THRESHOLD_RANGE.min}
        max={THRESHOLD_RANGE.max}
        step={0.5}
        value={draft}
        aria-invalid={refused}
        aria-describedby={refused ? messageId : undefined}
        onChange={(e) => {
          setDraft(e.target.value);
          if (inScoreRange(e.target.valueAsNumber)) onChange(e.target.valueAsNumber);
        }}
      />
      {refused && (
        <span className="field-error" id={messageId} role="alert" data-testid="threshold-error">
          The threshold is a score: {THRESHOLD_RANGE.min} to {THRESHOLD_RANGE.max}. Still using {value}.
        </span>
      )}
    </>
  );
}
