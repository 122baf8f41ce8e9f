// The pure parts of a call (no browser objects here, so they are unit
// tested): who is the polite peer, how often to poll, what a signal's body
// and a data-channel message may contain, and the join link's token.
import type { AssistSide, AssistState } from './types';

/* Perfect negotiation needs exactly one polite side per pair. The expert is
 * polite to the technician (the design); a supervisor, who only watches, is
 * polite to both; the technician never is. */
const RANK: Record<AssistSide, number> = { technician: 0, expert: 1, supervisor: 2 };
export function isPolite(mine: AssistSide, theirs: AssistSide, myId: number, theirId: number): boolean {
  if (RANK[mine] !== RANK[theirs]) return RANK[mine] > RANK[theirs];
  return myId > theirId; // two supervisors: still exactly one polite
}

/* 500 ms while a call is being set up (offers and candidates must cross
 * quickly), 3 s once connected (only hang-ups, a rejoining peer or an ICE
 * restart remain to be seen). The server's poll_ms replaces the fast rate. */
export function pollInterval(connected: boolean, fastMs = 500): number {
  return connected ? 3000 : Math.max(200, Math.min(fastMs, 3000));
}

export function isOpenState(s: AssistState): boolean {
  return s === 'ringing' || s === 'accepted' || s === 'live';
}

/* Every signal this console sends names the peer connection it belongs to
 * (`pc`, random per RTCPeerConnection): a peer that reloads makes a new one,
 * and its old offers and candidates are then told apart and dropped. */
export interface SignalBody {
  pc: string;
  description?: { type: 'offer' | 'answer'; sdp: string };
  candidate?: { candidate: string; sdpMid: string | null; sdpMLineIndex: number | null; usernameFragment?: string | null } | null;
}

export function parseSignalBody(kind: string, body: unknown): SignalBody | null {
  if (!body || typeof body !== 'object') return null;
  const b = body as Record<string, unknown>;
  if (typeof b.pc !== 'string' || !/^[A-Za-z0-9_-]{6,64}$/.test(b.pc)) return null;
  if (kind === 'hello' || kind === 'bye') return { pc: b.pc };
  if (kind === 'offer' || kind === 'answer') {
    const d = b.description as Record<string, unknown> | undefined;
    if (!d || d.type !== kind || typeof d.sdp !== 'string') return null;
    return { pc: b.pc, description: { type: kind, sdp: d.sdp } };
  }
  if (kind === 'candidate') {
    if (b.candidate === null) return { pc: b.pc, candidate: null };
    const c = b.candidate as Record<string, unknown> | undefined;
    if (!c || typeof c.candidate !== 'string') return null;
    return {
      pc: b.pc,
      candidate: {
        candidate: c.candidate,
        sdpMid: typeof c.sdpMid === 'string' ? c.sdpMid : null,
        sdpMLineIndex: typeof c.sdpMLineIndex === 'number' ? c.sdpMLineIndex : null,
        usernameFragment: typeof c.usernameFragment === 'string' ? c.usernameFragment : null,
      },
    };
  }
  return null;
}

export function newPcId(random: () => number = Math.random): string {
  const abc = 'abcdefghijklmnopqrstuvwxyz0123456789';
  let s = '';
  for (let i = 0; i < 12; i++) s += abc[Math.floor(random() * abc.length)];
  return s;
}

/* What crosses the data channel, peer to peer (never the server). Points
 * are fractions of the video's width and height, so they land on the same
 * spot of the picture whatever size each side shows it at. */
export type Point = [number, number];
export type DataMessage =
  | { t: 'chat'; text: string; at: string }
  | { t: 'pointer'; x: number; y: number }
  | { t: 'stroke'; points: Point[]; color: string }
  | { t: 'clear' }
  | { t: 'freeze'; on: boolean };

export const CHAT_MAX = 2000;
export const STROKE_MAX_POINTS = 2000;
export const COLORS = ['#e11d48', '#f59e0b', '#22c55e', '#3b82f6'] as const;

const unit = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v) && v >= 0 && v <= 1;

/* A message from the peer, checked (it is another person's browser): null
 * for anything malformed, oversized or of an unknown type. */
export function parseDataMessage(raw: unknown): DataMessage | null {
  if (typeof raw !== 'string' || raw.length > 100_000) return null;
  let m: Record<string, unknown>;
  try {
    const v: unknown = JSON.parse(raw);
    if (!v || typeof v !== 'object') return null;
    m = v as Record<string, unknown>;
  } catch {
    return null;
  }
  switch (m.t) {
    case 'chat':
      if (typeof m.text !== 'string' || !m.text.trim() || m.text.length > CHAT_MAX) return null;
      return { t: 'chat', text: m.text, at: typeof m.at === 'string' ? m.at.slice(0, 40) : new Date().toISOString() };
    case 'pointer':
      return unit(m.x) && unit(m.y) ? { t: 'pointer', x: m.x, y: m.y } : null;
    case 'stroke': {
      if (!Array.isArray(m.points) || m.points.length < 1 || m.points.length > STROKE_MAX_POINTS) return null;
      const points: Point[] = [];
      for (const p of m.points) {
        if (!Array.isArray(p) || p.length !== 2 || !unit(p[0]) || !unit(p[1])) return null;
        points.push([p[0], p[1]]);
      }
      const color = (COLORS as readonly string[]).includes(m.color as string) ? (m.color as string) : COLORS[0];
      return { t: 'stroke', points, color };
    }
    case 'clear':
      return { t: 'clear' };
    case 'freeze':
      return typeof m.on === 'boolean' ? { t: 'freeze', on: m.on } : null;
  }
  return null;
}

/* A pointer position on an element showing a video with object-fit:
 * contain, as fractions of the video picture (null outside the picture). */
export function toVideoFraction(
  x: number, y: number, box: { width: number; height: number }, video: { width: number; height: number },
): Point | null {
  if (!box.width || !box.height || !video.width || !video.height) return null;
  const scale = Math.min(box.width / video.width, box.height / video.height);
  const w = video.width * scale;
  const h = video.height * scale;
  const fx = (x - (box.width - w) / 2) / w;
  const fy = (y - (box.height - h) / 2) / h;
  if (fx < 0 || fx > 1 || fy < 0 || fy > 1) return null;
  return [fx, fy];
}

/* The inverse: where a fraction of the picture is on the element. */
export function fromVideoFraction(
  p: Point, box: { width: number; height: number }, video: { width: number; height: number },
): [number, number] {
  if (!video.width || !video.height) return [p[0] * box.width, p[1] * box.height];
  const scale = Math.min(box.width / video.width, box.height / video.height);
  const w = video.width * scale;
  const h = video.height * scale;
  return [(box.width - w) / 2 + p[0] * w, (box.height - h) / 2 + p[1] * h];
}

/* The join link's token from the query string (a string of URL-safe
 * characters), or null. */
export function joinToken(q: unknown): string | null {
  const v = Array.isArray(q) ? q[0] : q;
  return typeof v === 'string' && /^[A-Za-z0-9_-]{16,128}$/.test(v) ? v : null;
}

/* The phone page keeps its participant key for the session in
 * sessionStorage (the link itself works once): a reload rejoins with it. */
export interface StoredJoin {
  session_id: number;
  participant_key: string;
  side: AssistSide;
  user_id: number;
  display_name: string;
  ice_transport_policy?: 'relay' | 'all';
}

export const storageKey = (sessionId: number) => `fieldtrace.assist.${sessionId}`;

export function readStoredJoin(raw: string | null, sessionId: number): StoredJoin | null {
  if (!raw) return null;
  try {
    const v = JSON.parse(raw) as Partial<StoredJoin>;
    if (v.session_id !== sessionId || typeof v.participant_key !== 'string' || !v.participant_key) return null;
    if (v.side !== 'technician' && v.side !== 'expert' && v.side !== 'supervisor') return null;
    if (typeof v.user_id !== 'number') return null;
    return {
      session_id: sessionId,
      participant_key: v.participant_key,
      side: v.side,
      user_id: v.user_id,
      display_name: typeof v.display_name === 'string' ? v.display_name : '',
      ice_transport_policy: v.ice_transport_policy === 'relay' ? 'relay' : 'all',
    };
  } catch {
    return null;
  }
}

/* The inbound video's decoded frames from a getStats() report. */
export function framesDecoded(stats: Iterable<Record<string, unknown>>): number {
  let n = 0;
  for (const r of stats) if (r.type === 'inbound-rtp' && r.kind === 'video' && typeof r.framesDecoded === 'number') n += r.framesDecoded;
  return n;
}

/* Which way the media goes, for the status line: "relay" (through TURN),
 * "direct", or null before a pair is chosen. */
export function routeOf(stats: Map<string, Record<string, unknown>> | Iterable<[string, Record<string, unknown>]>): 'relay' | 'direct' | null {
  const byId = stats instanceof Map ? stats : new Map(stats);
  const kind = (pair: Record<string, unknown> | undefined): 'relay' | 'direct' | null => {
    if (!pair) return null;
    const local = byId.get(pair.localCandidateId as string);
    const remote = byId.get(pair.remoteCandidateId as string);
    return local?.candidateType === 'relay' || remote?.candidateType === 'relay' ? 'relay' : 'direct';
  };
  // The transport names the pair in use; else the nominated, succeeded one.
  for (const r of byId.values())
    if (r.type === 'transport' && typeof r.selectedCandidatePairId === 'string') {
      const k = kind(byId.get(r.selectedCandidatePairId));
      if (k) return k;
    }
  for (const r of byId.values())
    if (r.type === 'candidate-pair' && r.state === 'succeeded' && r.nominated) return kind(r);
  return null;
}
