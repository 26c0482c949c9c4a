import { useEffect } from 'react';
import { ComparePanel } from './ideas/ComparePanel';
import { ConvertPanel } from './convert/ConvertPanel';
import { EvaluatePanel } from './evaluate/EvaluatePanel';
import { IdeaComposer } from './ideas/IdeaComposer';
import { IdeasTable } from './ideas/IdeasTable';
import { ListActions } from './ideas/ListActions';
import { loadModelOnce, requestFromUrl, resumeLastModel } from './model/model-controller';
import { ModelPanel } from './model/ModelPanel';
import { ModelStatusLine } from './model/ModelStatusLine';
import { QueueStatusLine } from './ideas/QueueStatusLine';
import { SettingsBar } from './ideas/SettingsBar';
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
