import { useId, useState } from 'react';
import { loadModel } from './model-controller';

/**
 * Scoring through an OpenAI-compatible completions server (vLLM, `npm run serve`) instead of a model in this
 * page. The API key stays in this tab's memory only: it is never stored.
 */
export function ServerSource({ busy }: { busy: boolean }) {
  const [url, setUrl] = useState('http://127.0.0.1:8000/v1');
  const [model, setModel] = useState('');
  const [tokenizer, setTokenizer] = useState('');
  const [apiKey, setApiKey] = useState('');
  const ids = { url: useId(), model: useId(), tokenizer: useId(), key: useId(), warning: useId() };
  return (
    <details className="server-source">
      <summary>Score with a server instead (vLLM, npm run serve)</summary>
      <p className="notice-inline" id={ids.warning} data-testid="server-warning">
        Ideas you score this way leave this browser: each is sent to the server you name. The server must allow this
        page's origin (CORS: <code>Access-Control-Allow-Origin</code>; <code>npm run serve -- --cors-origin {location.origin}</code>), and the
        page's Content-Security-Policy must name its origin (<code>REFEREE_CONNECT_SRC</code>, see the README's Security section).
      </p>
      <form
        aria-describedby={ids.warning}
        onSubmit={(e) => {
          e.preventDefault();
          void loadModel({
            source: model.trim(),
            server: { url: url.trim(), ...(apiKey ? { apiKey } : {}), ...(tokenizer.trim() ? { tokenizer: tokenizer.trim() } : {}) },
          });
        }}
      >
        <label htmlFor={ids.url}>Server URL</label>
        <input id={ids.url} value={url} onChange={(e) => setUrl(e.target.value)} required />
        <label htmlFor={ids.model}>Served model name</label>
        <input id={ids.model} value={model} onChange={(e) => setModel(e.target.value)} required />
        <label htmlFor={ids.tokenizer}>Tokenizer (optional: a repo, a URL or a folder this site serves; default the model name)</label>
        <input id={ids.tokenizer} value={tokenizer} onChange={(e) => setTokenizer(e.target.value)} />
        <label htmlFor={ids.key}>API key (optional; kept for this tab only)</label>
        <input id={ids.key} type="password" autoComplete="off" value={apiKey} onChange={(e) => setApiKey(e.target.value)} />
        <button type="submit" disabled={busy || !model.trim() || !url.trim()}>
          Connect to the server
        </button>
      </form>
    </details>
  );
}
