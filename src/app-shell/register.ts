/** Registers the offline app shell (built apps only: the dev server's modules change on every edit). */
export function registerAppShell(): void {
  if (!import.meta.env.PROD || !('serviceWorker' in navigator)) return;
  navigator.serviceWorker.register('/sw.js', { type: 'module', scope: '/' }).catch((error: unknown) => {
    // The app works without it, online; say why offline use is unavailable.
    console.warn(`Referee works online only here: the offline app shell did not register (${(error as Error).message}).`);
  });
}
