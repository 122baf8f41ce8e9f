// The shapes of /v1/assist/* as the lead's design (issue 19 part 1) gives
// them. Declared here because docs/openapi.json does not have them yet: once
// the sessions branch is merged these become aliases of the generated
// Schemas['AssistSession'] etc. (npm run gen:api).

export type AssistState = 'ringing' | 'accepted' | 'live' | 'ended' | 'cancelled' | 'unanswered';
export type AssistOutcome = 'fixed' | 'visit_needed' | 'escalated' | 'not_fixed';
export type AssistSide = 'technician' | 'expert' | 'supervisor';
export type SignalKind = 'hello' | 'offer' | 'answer' | 'candidate' | 'bye';

export const OUTCOMES: readonly AssistOutcome[] = ['fixed', 'visit_needed', 'escalated', 'not_fixed'];

export interface PersonRef {
  user_id: number;
  display_name: string;
}

export interface AssistOffer extends PersonRef {
  step: number;
  offered_at: string;
  answer: null | 'accepted' | 'declined' | 'withdrawn';
}

export interface AssistSession {
  id: number;
  ticket: {
    id: number;
    number: string;
    title: string;
    priority: string;
    unit: { id: number; serial: string; model: string; product_line: string } | null;
    site_city: string | null;
  };
  state: AssistState;
  problem: string;
  language: string;
  requested_by: PersonRef;
  expert: PersonRef | null;
  offers: AssistOffer[];
  requested_at: string;
  accepted_at: string | null;
  connected_at: string | null;
  ended_at: string | null;
  duration_s: number | null;
  outcome: AssistOutcome | null;
  notes: string;
  snapshots: { attachment_id: number; url: string; taken_at: string }[];
  recording: boolean;
  can: { accept: boolean; join: boolean; end: boolean };
}

export interface IceServer {
  urls: string[] | string;
  username?: string;
  credential?: string;
}

export interface AssistJoin {
  session_id: number;
  participant_key: string;
  side: AssistSide;
  user: PersonRef;
  ice_servers: IceServer[];
  ice_expires_at: string;
  ice_transport_policy?: 'relay' | 'all';
  poll_ms: number;
  session: AssistSession;
}

export interface AssistSignal {
  seq: number;
  from: number;
  side: AssistSide;
  kind: SignalKind;
  body: unknown;
  at: string;
}

export interface SignalPage {
  signals: AssistSignal[];
  next: number;
  state: AssistState;
  peers: { user_id: number; side: AssistSide; present: boolean; display_name?: string }[];
}

/* GET /v1/tickets/{id}/assists: a ticket's sessions, newest first. */
export interface TicketAssistItem {
  id: number;
  state: AssistState;
  expert: PersonRef | null;
  outcome: AssistOutcome | null;
  duration_s: number | null;
}

export interface JoinLink {
  token: string;
  url: string;
  expires_at: string;
}
