import '../../worker/trusted-types.ts';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { ModelProbe } from './ModelProbe';
import '../app.css';

// A debugging page: one forward pass of a served model, shown raw (the browser half of the parity tests).
const container = document.getElementById('root');
if (!container) throw new Error('probe.html has no #root element');
createRoot(container).render(
  <StrictMode>
    <main>
      <h1>Referee model probe</h1>
      <ModelProbe />
    </main>
  </StrictMode>,
);
