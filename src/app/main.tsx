import '../worker/trusted-types';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import { registerAppShell } from '../app-shell/register';
import { startIdeaPersistence } from './ideas/idea-persistence';
import { startScoring } from './model/model-controller';
import { useReferee } from './store';
import './app.css';

const container = document.getElementById('root');
if (!container) throw new Error('index.html has no #root element');
// One queue runner for the page, started here rather than from a component or as a side effect of a getter.
startScoring();
void startIdeaPersistence(useReferee);
registerAppShell();
createRoot(container).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
