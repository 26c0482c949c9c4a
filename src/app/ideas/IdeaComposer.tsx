import { restoreInto } from '../../scoring/idea-list';
import { useId, useState, type FormEvent } from 'react';
import { parseIdeas } from '../../scoring/idea-input';
import { describeProblems, problemSummary } from '../../scoring/list-file';
import { listFiles } from './list-files-instance';
import { FileInput } from './FileInput';
import { useReferee } from '../store';

/** What "Paste many" would add, in words, before it is added. */
function pastePreview(content: string): string {
  try {
    const { ideas, problems } = parseIdeas(content);
    const titled = ideas.filter((i) => i.title).length;
    return `${ideas.length} ${ideas.length === 1 ? 'idea' : 'ideas'} will be added${titled ? ` (${titled} with a title)` : ''}${problems.length ? `; ${problems.length} skipped` : ''}.`;
  } catch (error) {
    return `Nothing can be added yet: ${(error as Error).message}`;
  }
}

/** Add one idea, paste many (a blank line between ideas), or import a file (ideas, or a Referee export). */
export function IdeaComposer() {
  const addIdeas = useReferee((s) => s.addIdeas);
  const setNotice = useReferee((s) => s.setNotice);
  const [mode, setMode] = useState<'one' | 'many'>('one');
  const [title, setTitle] = useState('');
  const [text, setText] = useState('');
  const [many, setMany] = useState('');
  /** The file being read, while it is. */
  const [importing, setImporting] = useState<string | null>(null);
  const ids = { title: useId(), text: useId(), many: useId() };

  /** Queued ideas wait for a model: say so, and how to get one, when none is loaded or loading. */
  const waitingNote = (score: boolean): string => {
    const model = useReferee.getState().model.state;
    if (!score || model === 'ready' || model === 'loading') return '';
    return ' They wait in the queue: load a model in the Model panel above (the AlphaResearch-RM repo, a converted folder, or one this site serves) and scoring starts by itself.';
  };

  const submit = (event: FormEvent<HTMLFormElement>, score: boolean) => {
    event.preventDefault();
    if (mode === 'one') {
      if (!text.trim()) {
        setNotice({ kind: 'error', text: 'The idea is empty: write its text (an abstract or proposal) first.' });
        return;
      }
      addIdeas([{ ...(title.trim() ? { title: title.trim() } : {}), text: text.trim() }], score);
      setTitle('');
      setText('');
      const waiting = waitingNote(score);
      setNotice(waiting ? { kind: 'info', text: `Added 1 idea.${waiting}` } : null);
      return;
    }
    try {
      const parsed = parseIdeas(many);
      addIdeas(parsed.ideas, score);
      setMany('');
      setNotice(
        parsed.problems.length
          ? { kind: 'error', text: `Added ${parsed.ideas.length} ideas; skipped ${describeProblems(problemSummary(parsed.problems))}` }
          : { kind: 'info', text: `Added ${parsed.ideas.length} ideas.${waitingNote(score)}` },
      );
    } catch (error) {
      setNotice({ kind: 'error', text: `Nothing added: ${(error as Error).message}` });
    }
  };

  /** The sample ideas the app ships (public/sample-ideas.jsonl), added as drafts to score when a model is ready. */
  const addSampleIdeas = async () => {
    try {
      const response = await fetch('/sample-ideas.jsonl');
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      const parsed = parseIdeas(await response.text(), { format: 'jsonl' });
      addIdeas(parsed.ideas, false);
      setNotice({ kind: 'info', text: `Added ${parsed.ideas.length} sample ideas. Score them with “Score” on each row, or load a model and queue them.` });
    } catch (error) {
      setNotice({ kind: 'error', text: `The sample ideas could not be read (${(error as Error).message}). Your list is unchanged.` });
    }
  };

  const importFile = async (file: File) => {
    setImporting(file.name);
    try {
      const content = await listFiles().read(file);
      const { ideas, replaceIdeas } = useReferee.getState();
      if (content.kind === 'export') {
        const restored = restoreInto(ideas, content.entries);
        replaceIdeas(restored.entries);
        setNotice({
          kind: 'info',
          text:
            `Restored ${content.entries.length} ideas from ${file.name}: ${restored.added} added, ${restored.updated} updated ` +
            `(the same idea in the list, replaced by the file's version), ${restored.kept} already in the list kept as they were.`,
        });
        return;
      }
      addIdeas(content.ideas, false);
      setNotice(
        content.problemCount
          ? { kind: 'error', text: `Imported ${content.ideas.length} ideas from ${file.name}; skipped ${describeProblems(content)}` }
          : { kind: 'info', text: `Imported ${content.ideas.length} ideas from ${file.name}.` },
      );
    } catch (error) {
      setNotice({ kind: 'error', text: `Could not import ${(error as Error).message}. Your list is unchanged.` });
    } finally {
      setImporting(null);
    }
  };

  return (
    <section className="panel composer" aria-labelledby="composer-heading">
      <h2 id="composer-heading">Add ideas</h2>
      <div role="radiogroup" aria-label="How to add" className="modes">
        <label>
          <input type="radio" name="mode" checked={mode === 'one'} onChange={() => setMode('one')} /> One idea
        </label>
        <label>
          <input type="radio" name="mode" checked={mode === 'many'} onChange={() => setMode('many')} /> Paste many
        </label>
      </div>
      <form onSubmit={(e) => submit(e, true)}>
        {mode === 'one' ? (
          <>
            <label htmlFor={ids.title}>Title (optional)</label>
            <input id={ids.title} value={title} onChange={(e) => setTitle(e.target.value)} />
            <label htmlFor={ids.text}>Idea (abstract or proposal)</label>
            <textarea id={ids.text} rows={6} value={text} onChange={(e) => setText(e.target.value)} />
          </>
        ) : (
          <>
            <label htmlFor={ids.many}>Ideas, a blank line between each (or JSON lines, or CSV with a header)</label>
            <textarea id={ids.many} rows={10} value={many} onChange={(e) => setMany(e.target.value)} aria-describedby={`${ids.many}-how`} />
            <p className="hint" id={`${ids.many}-how`}>
              A multi-paragraph abstract stays one idea when the ideas are marked: a <code>Title: …</code> line starting
              each, or a <code>---</code> line between them.
            </p>
            {many.trim() && (
              <p data-testid="paste-preview" role="status">
                {pastePreview(many)}
              </p>
            )}
          </>
        )}
        <div className="actions">
          <button type="submit">Add and score</button>
          <button type="button" onClick={(e) => submit(e as unknown as FormEvent<HTMLFormElement>, false)}>
            Add without scoring
          </button>
          {importing && <span data-testid="importing" role="status">Reading {importing}…</span>}
          <FileInput
            label="Import a file (JSON, JSONL, CSV, text, or a Referee export)"
            accept=".json,.jsonl,.ndjson,.csv,.txt,.md"
            onFile={(file) => void importFile(file)}
          />
          <button type="button" onClick={() => void addSampleIdeas()}>
            Try three sample ideas
          </button>
        </div>
      </form>
    </section>
  );
}
