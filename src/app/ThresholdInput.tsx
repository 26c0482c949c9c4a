/** The 0–10 threshold field; a value that is not a number (a cleared field) leaves the setting as it was. */
export function ThresholdInput({ id, value, onChange }: { id?: string; value: number; onChange: (threshold: number) => void }) {
  return (
    <input
      id={id}
      type="number"
      min={0}
      max={10}
      step={0.5}
      value={value}
      onChange={(e) => Number.isFinite(e.target.valueAsNumber) && onChange(e.target.valueAsNumber)}
    />
  );
}
