// The configured SLA warning shares (GET /v1/escalation/levels), read once
// per session; the defaults (50, 80, 100 %) if they cannot be read.
import { api } from '@/api/client';
import { DEFAULT_WARNINGS, normaliseWarnings } from './sla';

let cached: Promise<number[]> | null = null;

export function warningLevels(): Promise<number[]> {
  cached ??= api
    .GET('/v1/escalation/levels')
    .then((r) => normaliseWarnings(r.data?.warnings?.map((w) => w.percent)))
    .catch(() => [...DEFAULT_WARNINGS]);
  return cached;
}
