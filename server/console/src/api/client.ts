// The typed API client: openapi-fetch over the types generated from
// docs/openapi.json (schema.d.ts), so a path, parameter or field the API does
// not have is a compile error. Every call carries the in-memory access token;
// a 401 triggers one cookie refresh (auth/session.ts) and one retry.
import createClient from 'openapi-fetch';
import type { paths, components } from './schema';
import { accessToken, refreshAccess } from '@/auth/session';

export type Schemas = components['schemas'];

export interface FieldProblem {
  pointer?: string;
  parameter?: string;
  header?: string;
  field?: string;
  detail?: string;
}

/* An answer the API refused, from its application/problem+json body. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    readonly detail: string,
    readonly field: string | undefined,
    readonly type: string,
    /* Every invalid member the problem names (400), by JSON pointer,
     * parameter or header, with its detail. */
    readonly errors: readonly FieldProblem[] = [],
  ) {
    super(detail || title || `HTTP ${status}`);
  }
}

async function authFetch(input: Request): Promise<Response> {
  const retry = input.clone();
  const token = accessToken();
  if (token) input.headers.set('Authorization', `Bearer ${token}`);
  const res = await fetch(input);
  if (res.status !== 401 || !token) return res;
  if (!(await refreshAccess())) return res;
  retry.headers.set('Authorization', `Bearer ${accessToken()}`);
  return fetch(retry);
}

export const api = createClient<paths>({ baseUrl: '', fetch: authFetch });

interface ProblemBody {
  title?: string;
  detail?: string;
  type?: string;
  errors?: FieldProblem[];
  field?: string;
}

/* Unwraps an openapi-fetch result: the data, or an ApiError built from the
 * problem document (so pages show the server's own words). */
export function ok<T>(r: { data?: T; error?: unknown; response: Response }): T {
  if (r.response.ok && r.data !== undefined) return r.data;
  if (r.response.ok) return undefined as T;
  throw problemError(r.response, r.error);
}

export function problemError(res: Response, body: unknown): ApiError {
  const p = (body && typeof body === 'object' ? body : {}) as ProblemBody;
  const first = p.errors?.[0];
  const field = p.field ?? first?.field ?? first?.pointer;
  return new ApiError(res.status, p.title ?? res.statusText, first?.detail ?? p.detail ?? '', field, p.type ?? '', Array.isArray(p.errors) ? p.errors : []);
}
