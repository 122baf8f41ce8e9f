// Browser sign-in (README, "Web console"): the refresh token lives only in an
// HttpOnly cookie scoped to /v1/auth/session, the access token only in this
// module's memory (never localStorage), and every cookie-authenticated call
// sends the double-submit X-CSRF-Token read from the ft_csrf cookie.
import { reactive, readonly } from 'vue';
import type { components } from '@/api/schema';

export type Me = components['schemas']['Me'];

let token: string | null = null;
let refreshTimer: ReturnType<typeof setTimeout> | undefined;
let inFlight: Promise<boolean> | null = null;

const state = reactive<{ user: Me | null; expired: boolean }>({ user: null, expired: false });
export const session = readonly(state);

export function accessToken(): string | null {
  return token;
}

function csrfCookie(): string {
  const m = document.cookie.match(/(?:^|;\s*)ft_csrf=([^;]+)/);
  return m?.[1] ? decodeURIComponent(m[1]) : '';
}

interface SessionAnswer {
  access_token: string;
  expires_in: number;
  user: Me;
}

function adopt(a: SessionAnswer): void {
  token = a.access_token;
  state.user = a.user;
  state.expired = false;
  clearTimeout(refreshTimer);
  // Refresh a minute before the access token runs out.
  const ms = Math.max(30, a.expires_in - 60) * 1000;
  refreshTimer = setTimeout(() => void refreshAccess(), ms);
}

const expiredListeners: (() => void)[] = [];

/* Called when a signed-in session ends underneath the page (expired,
 * revoked elsewhere): App.vue sends the user to sign in again. */
export function onSessionExpired(listener: () => void): void {
  expiredListeners.push(listener);
}

function drop(expired: boolean): void {
  token = null;
  state.user = null;
  state.expired = expired;
  clearTimeout(refreshTimer);
  if (expired) for (const l of expiredListeners) l();
}

export class SignInError extends Error {
  constructor(readonly status: number, readonly retryAfter: number) {
    super(`sign-in failed: ${status}`);
  }
}

export async function signIn(username: string, password: string): Promise<Me> {
  const res = await fetch('/v1/auth/session', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ username, password }),
    credentials: 'same-origin',
  });
  if (!res.ok) throw new SignInError(res.status, Number(res.headers.get('Retry-After') ?? 0));
  const a = (await res.json()) as SessionAnswer;
  adopt(a);
  return a.user;
}

/* Spends the refresh cookie for a new access token. Concurrent callers share
 * one request: the refresh token works once. */
export function refreshAccess(): Promise<boolean> {
  if (inFlight) return inFlight;
  inFlight = (async () => {
    // ft_csrf is there only while a session cookie is: a refused refresh
    // with it means the session ended (expired, or ended elsewhere), which
    // the sign-in page says, even right after a reload.
    const hadSession = state.user !== null || csrfCookie() !== '';
    try {
      const res = await fetch('/v1/auth/session/refresh', {
        method: 'POST',
        headers: { 'X-CSRF-Token': csrfCookie() },
        credentials: 'same-origin',
      });
      if (!res.ok) {
        drop(hadSession);
        return false;
      }
      adopt((await res.json()) as SessionAnswer);
      return true;
    } catch {
      return false;
    } finally {
      inFlight = null;
    }
  })();
  return inFlight;
}

export async function signOut(): Promise<void> {
  try {
    await fetch('/v1/auth/session/logout', {
      method: 'POST',
      headers: { 'X-CSRF-Token': csrfCookie() },
      credentials: 'same-origin',
    });
  } finally {
    drop(false);
  }
}

/* After the server ended every session (password change, sign out
 * everywhere): forget this one too. */
export function forget(): void {
  drop(false);
}
