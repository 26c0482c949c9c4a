import { useState, type ReactNode } from 'react';

/** Ideas longer than this show their first lines, with a button to show the rest. */
const COLLAPSE_AT = 600;

/** A paragraph of idea text that a long idea collapses to its first lines (whole lines, never cut mid-line). */
export function CollapsibleText({ text, children, testId }: { text: string; children?: ReactNode; testId: string }) {
  const [expanded, setExpanded] = useState(false);
  const long = text.length > COLLAPSE_AT;
  return (
    <>
      <p data-testid={testId} className={`idea-body${long && !expanded ? ' collapsed' : ''}`}>
        {children ?? text}
      </p>
      {long && (
        <button type="button" className="link" onClick={() => setExpanded(!expanded)} aria-expanded={expanded}>
          {expanded ? 'Show less' : `Show all (${text.trim().split(/\s+/).length} words)`}
        </button>
      )}
    </>
  );
}
