import type { Comparison, DecisionStatistic } from '../../scoring/score-stats';
import { ThresholdInput } from './ThresholdInput';
import { useReferee } from '../store';

export function SettingsBar() {
  const settings = useReferee((s) => s.settings);
  const setSettings = useReferee((s) => s.setSettings);
  return (
    <section className="panel settings" aria-label="Settings">
      <label>
        Threshold{' '}
        <ThresholdInput value={settings.threshold} onChange={(threshold) => setSettings({ threshold })} />
      </label>
      <label>
        Pass when score is{' '}
        <select value={settings.comparison} onChange={(e) => setSettings({ comparison: e.target.value as Comparison })}>
          <option value=">">above the threshold (&gt;, the paper's metric)</option>
          <option value=">=">at least the threshold (≥, the agent loop)</option>
        </select>
      </label>
      <label>
        Decide by{' '}
        <select value={settings.decideBy} onChange={(e) => setSettings({ decideBy: e.target.value as DecisionStatistic })}>
          <option value="greedy">greedy score (the paper's number)</option>
          <option value="expected">expected score</option>
          <option value="pAbove">P(accept) &gt; 50%</option>
        </select>
      </label>
      <label>
        Prompt{' '}
        <select value={settings.profile} onChange={(e) => setSettings({ profile: e.target.value as 'paper' | 'agent' })}>
          <option value="paper">paper (72% evaluation)</option>
          <option value="agent">agent (AlphaResearch loop)</option>
        </select>
      </label>
      <label title="Score ideas with flagged text (reviewer instructions, control tokens, a \boxed{}) again without it, and show how far it moved the score. Costs a second scoring for those ideas.">
        <input
          type="checkbox"
          checked={settings.counterfactual === true}
          onChange={(e) => setSettings({ counterfactual: e.target.checked })}
        />{' '}
        Check flagged text
      </label>
      {settings.counterfactual && (
        <label>
          moved when the score changes by ≥{' '}
          <input
            type="number"
            min={0.1}
            max={9}
            step={0.1}
            aria-label="Points that count as moved"
            value={settings.counterfactualPoints ?? 0.5}
            onChange={(e) => {
              const points = Number(e.target.value);
              if (Number.isFinite(points) && points > 0) setSettings({ counterfactualPoints: points });
            }}
          />{' '}
          points (or P(accept) by 10)
        </label>
      )}
      <label title="The paper's scripts let control-token strings in an idea act as control tokens, so an idea can close its turn and write the reviewer's answer. Only for exact replication.">
        <input
          type="checkbox"
          checked={settings.tokenizeSpecialsInText === true}
          onChange={(e) => setSettings({ tokenizeSpecialsInText: e.target.checked })}
        />{' '}
        Control tokens in ideas act as control tokens (replication only)
      </label>
    </section>
  );
}
