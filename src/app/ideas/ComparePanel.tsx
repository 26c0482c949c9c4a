import { withSettings } from '../../scoring/idea-list';
import { makeDistribution, pFirstHigher, pTie } from '../../scoring/score-stats';
import { CollapsibleText } from './CollapsibleText';
import { DistributionChart } from './DistributionChart';
import { percent, score, twoDecimals } from '../format';
import { useReferee } from '../store';

/** 2–4 chosen ideas side by side, and how likely each is to out-score each other one. */
export function ComparePanel() {
  const compare = useReferee((s) => s.compare);
  const ideas = useReferee((s) => s.ideas);
  const settings = useReferee((s) => s.settings);
  const chosen = compare.map((id) => ideas.find((i) => i.id === id)).filter((i) => i !== undefined);
  if (chosen.length < 2) {
    return (
      <section className="panel compare" aria-labelledby="compare-heading">
        <h2 id="compare-heading">Compare</h2>
        <p>Tick “Compare” on two to four ideas to see them side by side.</p>
      </section>
    );
  }
  const label = (i: number) => chosen[i]!.title ?? `Idea ${ideas.indexOf(chosen[i]!) + 1}`;
  return (
    <section className="panel compare" aria-labelledby="compare-heading" data-testid="compare">
      <h2 id="compare-heading">Compare</h2>
      <div className="compare-grid">
        {chosen.map((idea, i) => {
          const r = idea.result ? withSettings(idea.result, settings) : null;
          return (
            <article key={idea.id} data-testid="compare-card">
              <h3>{label(i)}</h3>
              {idea.stale && (
                <p className="status" data-testid="compare-stale">
                  Edited since scored: the score is of the old text.
                </p>
              )}
              <CollapsibleText text={idea.text} testId="compare-text" />
              {r ? (
                <>
                  <p>
                    Greedy {score(r.greedy.score)} · expected {twoDecimals(r.expected)} · P(accept) {percent(r.pAbove)}
                  </p>
                  <DistributionChart result={r} threshold={settings.threshold} large />
                </>
              ) : (
                <p>Not scored yet.</p>
              )}
            </article>
          );
        })}
      </div>
      <div className="table-scroll">
      <table data-testid="pairwise">
        <caption>P(row scores higher than column), and P(the two score the same), from the two score distributions</caption>
        <thead>
          <tr>
            <td />
            {chosen.map((_, j) => (
              <th key={j} scope="col">
                {label(j)}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {chosen.map((a, i) => (
            <tr key={a.id}>
              <th scope="row">{label(i)}</th>
              {chosen.map((b, j) => {
                if (i === j || !a.result || !b.result) return <td key={b.id}>{i === j ? '—' : percent(null)}</td>;
                const first = makeDistribution(a.result.distribution.entries);
                const second = makeDistribution(b.result.distribution.entries);
                return (
                  <td key={b.id}>
                    {percent(pFirstHigher(first, second))} · tie {percent(pTie(first, second))}
                  </td>
                );
              })}
            </tr>
          ))}
        </tbody>
      </table>
      </div>
    </section>
  );
}
