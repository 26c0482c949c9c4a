import { ModelProbe } from './ModelProbe';

export function App() {
  return (
    <main>
      <header>
        <h1>Referee</h1>
        <p>
          Scores research ideas with a reward model that runs entirely in your browser: the model is downloaded once and
          your ideas never leave this page.
        </p>
      </header>
      <ModelProbe />
    </main>
  );
}
