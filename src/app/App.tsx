import { useEffect } from 'react';
import { ComparePanel } from './ComparePanel';
import { ConvertPanel } from './ConvertPanel';
import { EvaluatePanel } from './evaluate/EvaluatePanel';
import { IdeaComposer } from './IdeaComposer';
import { IdeasTable } from './IdeasTable';
import { ListActions } from './ListActions';
import { loadModelOnce, requestFromUrl, resumeLastModel } from './model-controller';
import { ModelPanel } from './ModelPanel';
import { ModelStatusLine } from './ModelStatusLine';
import { QueueStatusLine } from './QueueStatusLine';
import { SettingsBar } from './SettingsBar';
import { useReferee } from './store';

export function App() {
  const notice = useReferee((s) => s.notice);
  const setNotice = useReferee((s) => s.setNotice);
  useEffect(() => {
    // A model named in the address loads by itself, and so does the last one used when this browser keeps
    // it; otherwise nothing is downloaded until asked.
    const request = requestFromUrl(window.location.search);
    if (request.explicit) loadModelOnce(request);
    else void resumeLastModel();
  }, []);
  return (
    <div className="layout">
      <header className="top-bar">
        <h1>Referee</h1>
        <ModelStatusLine />
        <QueueStatusLine />
      </header>
      <main className="work">
        <p className="intro">
          Scores research ideas with AlphaResearch-RM, a reward model trained on ICLR reviews, entirely in your browser: the model is downloaded
          once and your ideas never leave this page.
        </p>
        <IdeaComposer />
        {notice && (
          <div className={`notice ${notice.kind}`} role={notice.kind === 'error' ? 'alert' : 'status'} data-testid="notice">
            <span>{notice.text}</span>
            <button type="button" onClick={() => setNotice(null)} aria-label="Dismiss message">
              ×
            </button>
          </div>
        )}
        <SettingsBar />
        <ListActions />
        <IdeasTable />
        <ComparePanel />
      </main>
      {/* The model first on a phone (nothing scores without one); beside the list on a wide screen. */}
      <div className="model-area">
        <ModelPanel />
      </div>
      <div className="convert-area">
        <ConvertPanel />
      </div>
      <section className="secondary" aria-label="Evaluation">
        <EvaluatePanel />
      </section>
    </div>
  );
}
