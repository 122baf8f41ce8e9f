// The first script the page runs (async, a few hundred bytes, fetched beside
// the app's own code): when a session cookie is there, it starts restoring
// the session at once, so that round trip overlaps the app's download
// instead of following it (docs/BENCHMARKS.md, "Web console").
// src/auth/session.ts takes the answer over. A refresh token works once, so
// exactly one of the two may send it: whichever runs first decides, and the
// page runs one script at a time.
const csrf = document.cookie.match(/(?:^|;\s*)ft_csrf=([^;]+)/);
if (csrf && !window.__ftAppRefreshed)
  window.__ftEarlyRefresh = fetch('/v1/auth/session/refresh', {
    method: 'POST',
    headers: { 'X-CSRF-Token': decodeURIComponent(csrf[1]) },
    credentials: 'same-origin',
  });
