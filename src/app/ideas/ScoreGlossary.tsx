/** What each number in a row means, for a researcher who has not read the paper. */
export function ScoreGlossary() {
  return (
    <details className="glossary" data-testid="glossary">
      <summary>What the numbers mean</summary>
      <dl>
        <dt>Greedy score</dt>
        <dd>
          The score the model writes in <code>\boxed{'{…}'}</code> when it answers as in the paper (temperature 0). The paper’s accuracy and its
          filter use this number.
        </dd>
        <dt>Expected ± spread</dt>
        <dd>
          The mean of the model’s whole score distribution (its probability for every score it could have written), and that distribution’s
          standard deviation. Two ideas with the same greedy score can differ here; a wide spread means the model is unsure.
        </dd>
        <dt>P(accept)</dt>
        <dd>
          The model’s probability of a score above the threshold (or at least it, as set). It is the model’s own confidence, not the odds that a
          conference would accept the idea: the Evaluate panel measures and, if asked, calibrates it on labelled ideas.
        </dd>
        <dt>Decision</dt>
        <dd>Pass or fail against the threshold, by the greedy score (the paper’s rule) or by P(accept), as chosen above.</dd>
        <dt>Distribution</dt>
        <dd>Bars over 0–10, green above the threshold (dashed line); the marker above a bar is the greedy score.</dd>
      </dl>
    </details>
  );
}
