// The shapes of /v1/assist/* : the generated schema's (docs/openapi.json,
// npm run gen:api), under the names the pages use.
import type { Schemas } from '@/api/client';

export type AssistSession = Schemas['AssistSession'];
export type AssistJoin = Schemas['AssistJoin'];
export type SignalPage = Schemas['AssistSignals'];
export type AssistSignal = SignalPage['signals'][number];
export type IceServer = Schemas['AssistIce']['ice_servers'][number];
export type AssistState = AssistSession['state'];
export type AssistOutcome = NonNullable<AssistSession['outcome']>;
export type AssistSide = AssistJoin['side'];
export type SignalKind = AssistSignal['kind'];
export type PersonRef = AssistSession['requested_by'];
export type AssistOffer = AssistSession['offers'][number];

export const OUTCOMES: readonly AssistOutcome[] = ['fixed', 'visit_needed', 'escalated', 'not_fixed'];

/* GET /v1/tickets/{id}/assists: a ticket's sessions. */
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
