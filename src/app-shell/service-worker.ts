/// <reference lib="webworker" />
/**
 * The offline app shell: after one visit the page opens and scores with the network off. Each build has
 * its own cache (`referee-shell-<version>`, filled at install); pages come from the network first, so a new
 * version is used as soon as it is online, and the old caches are deleted once the new worker takes over.
 * Models are never touched here: they have their own cache and their own download.
 */
import { hasJspi } from '../engine/browser/jspi';
import { precacheFiles, assetResponse, isOldShellCache, pageFile, pageResponse, shellCacheName, shellRoute, type ShellCache, type ShellManifest } from './shell-policy';

declare const self: ServiceWorkerGlobalScope;

// Replaced by the build (vite.config.ts, appShellPlugin) with this build's version and file list.
declare const __REFEREE_SHELL_MANIFEST__: ShellManifest;
const MANIFEST = __REFEREE_SHELL_MANIFEST__;
const CACHE = shellCacheName(MANIFEST.version);

async function openShell(): Promise<ShellCache> {
  const cache = await caches.open(CACHE);
  return {
    match: (path) => cache.match(path, { ignoreSearch: true }),
    put: (path, response) => cache.put(path, response),
  };
}

self.addEventListener('install', (event) => {
  event.waitUntil(
    (async () => {
      const cache = await caches.open(CACHE);
      const files = precacheFiles(MANIFEST.files, hasJspi());
      await cache.addAll(files.map((file) => new Request(file, { cache: 'reload' })));
      // A new version takes over at once: pages come from the network first, so none is left on an old one.
      await self.skipWaiting();
    })(),
  );
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    (async () => {
      for (const name of await caches.keys()) if (isOldShellCache(name, MANIFEST.version)) await caches.delete(name);
      await self.clients.claim();
    })(),
  );
});

self.addEventListener('fetch', (event) => {
  const route = shellRoute(event.request, self.location.origin, MANIFEST);
  if (route === 'network') return;
  const path = route === 'page' ? pageFile(new URL(event.request.url).pathname) : new URL(event.request.url).pathname;
  event.respondWith(
    openShell().then((cache) => (route === 'page' ? pageResponse(path, event.request, cache, fetch) : assetResponse(path, event.request, cache, fetch))),
  );
});
