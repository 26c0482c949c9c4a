import type { Comparison, DecisionStatistic } from '../scoring/score-stats';
import { ThresholdInput } from './ThresholdInput';
import { useReferee } from './store';

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
    </section>
  );
}
