// A call's WebRTC glue: one RTCPeerConnection per other participant (a mesh;
// at most three people), signalled through the server's mailbox by short
// polls (GET /v1/assist/{id}/signals every 500 ms, 3 s once connected).
// Perfect negotiation (the expert is the polite peer: lib/assist/protocol.ts),
// an ICE restart when a connection fails, and a fresh connection when the
// other side says hello again (a reloaded phone page). Chat, pointer and
// strokes go over a negotiated data channel, never through the server.
import { ApiError } from '@/api/client';
import { assistApi, type Credential } from './http';
import {
  framesDecoded, isOpenState, isPolite, newPcId, parseDataMessage, parseSignalBody, pollInterval, routeOf,
  type DataMessage, type SignalBody,
} from './protocol';
import type { AssistSide, AssistSignal, AssistState, IceServer, SignalPage } from './types';

export interface CallOptions {
  sessionId: number;
  cred: Credential;
  me: { user_id: number; side: AssistSide };
  iceServers: IceServer[];
  relayOnly: boolean;
  iceExpiresAt?: string;
  fastPollMs?: number;
  local: MediaStream | null;
  onRemote(userId: number, side: AssistSide, stream: MediaStream): void;
  onMessage(userId: number, msg: DataMessage): void;
  onStatus(s: CallStatus): void;
}

export interface CallStatus {
  state: AssistState | null;
  connected: boolean;
  route: 'relay' | 'direct' | null;
  framesDecoded: number;
  peers: { user_id: number; side: AssistSide; present: boolean; display_name?: string; connection: RTCPeerConnectionState | 'none' }[];
  firstFrameMs: number | null;
}

interface Peer {
  userId: number;
  side: AssistSide;
  pc: RTCPeerConnection;
  pcId: string;
  remotePcId: string | null;
  channel: RTCDataChannel;
  polite: boolean;
  makingOffer: boolean;
  ignoreOffer: boolean;
  pending: RTCIceCandidateInit[];
}

export class AssistCall {
  private peers = new Map<number, Peer>();
  private cursor = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private statsTimer: ReturnType<typeof setInterval> | undefined;
  private iceTimer: ReturnType<typeof setTimeout> | undefined;
  private stopped = false;
  private reportedConnected = false;
  private startedAt = performance.now();
  private status: CallStatus = { state: null, connected: false, route: null, framesDecoded: 0, peers: [], firstFrameMs: null };
  private lastPeers: { user_id: number; side: AssistSide; present: boolean; display_name?: string }[] = [];

  constructor(private o: CallOptions) {}

  /* Skips what was said before this page arrived (it belongs to connections
   * that no longer exist), says hello, and starts polling. */
  async start(): Promise<void> {
    // The mailbox answers a page at a time: read to its end.
    for (let i = 0; i < 100; i++) {
      const page = await assistApi.signals(this.o.sessionId, this.o.cred, this.cursor);
      this.cursor = Math.max(this.cursor, page.next);
      this.applyPage(page.state, page.peers);
      if (!page.signals.length) break;
    }
    await this.send('hello', { pc: 'hello-' + newPcId() });
    this.statsTimer = setInterval(() => void this.readStats(), 1000);
    this.scheduleIceRefresh();
    this.loop(0);
  }

  sendMessage(msg: DataMessage): void {
    const raw = JSON.stringify(msg);
    for (const p of this.peers.values()) if (p.channel.readyState === 'open') p.channel.send(raw);
  }

  /* The local tracks changed (camera switched): replace them on every
   * connection without renegotiating. */
  async replaceVideo(track: MediaStreamTrack): Promise<void> {
    for (const p of this.peers.values())
      for (const s of p.pc.getSenders()) if (s.track?.kind === 'video') await s.replaceTrack(track);
  }

  async stop(say = true): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    clearTimeout(this.timer);
    clearInterval(this.statsTimer);
    clearTimeout(this.iceTimer);
    if (say) {
      await this.send('bye', { pc: 'bye-' + newPcId() }).catch(() => undefined);
      await assistApi.leave(this.o.sessionId, this.o.cred).catch(() => undefined);
    }
    for (const p of this.peers.values()) p.pc.close();
    this.peers.clear();
  }

  private loop(delay: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(async () => {
      try {
        const page = await assistApi.signals(this.o.sessionId, this.o.cred, this.cursor);
        this.cursor = Math.max(this.cursor, page.next);
        for (const s of page.signals) await this.handle(s);
        this.applyPage(page.state, page.peers);
        if (!isOpenState(page.state)) {
          await this.stop(false);
          return;
        }
      } catch (e) {
        // The server no longer takes this participant: the session closed
        // (a participant key answers 401 then, a console user 409).
        if (e instanceof ApiError && (e.status === 401 || e.status === 409 || e.status === 403 || e.status === 404)) {
          this.status.state = this.status.state && !isOpenState(this.status.state) ? this.status.state : 'ended';
          this.publish();
          await this.stop(false);
          return;
        }
        // Otherwise a lost poll is retried on the next tick; the page shows
        // the connection's own state meanwhile.
      }
      this.loop(pollInterval(this.status.connected, this.o.fastPollMs));
    }, delay);
  }

  private applyPage(state: AssistState, peers: SignalPage['peers']): void {
    this.lastPeers = peers.filter((p) => p.user_id !== this.o.me.user_id);
    this.status.state = state;
    this.publish();
  }

  private publish(): void {
    const states = [...this.peers.values()].map((p) => p.pc.connectionState);
    this.status.connected = states.includes('connected');
    this.status.peers = this.lastPeers.map((p) => ({
      ...p,
      connection: this.peers.get(p.user_id)?.pc.connectionState ?? 'none',
    }));
    this.o.onStatus({ ...this.status, peers: [...this.status.peers] });
  }

  private async send(kind: 'hello' | 'offer' | 'answer' | 'candidate' | 'bye', body: SignalBody, to?: number): Promise<void> {
    await assistApi.signal(this.o.sessionId, this.o.cred, kind, body, to);
  }

  private config(): RTCConfiguration {
    return {
      iceServers: this.o.iceServers.map((s) => ({ urls: s.urls, username: s.username, credential: s.credential })),
      iceTransportPolicy: this.o.relayOnly ? 'relay' : 'all',
    };
  }

  /* `initiate`: this side will offer (it heard the other say hello). A
   * supervisor sends nothing, so it asks to receive both; answering an offer
   * it takes the offer's own lines instead. */
  private makePeer(userId: number, side: AssistSide, initiate: boolean): Peer {
    const pc = new RTCPeerConnection(this.config());
    const channel = pc.createDataChannel('assist', { negotiated: true, id: 0 });
    const peer: Peer = {
      userId, side, pc, channel, pcId: newPcId(), remotePcId: null,
      polite: isPolite(this.o.me.side, side, this.o.me.user_id, userId),
      makingOffer: false, ignoreOffer: false, pending: [],
    };
    if (this.o.local) for (const track of this.o.local.getTracks()) pc.addTrack(track, this.o.local);
    else if (initiate) {
      // A supervisor only watches: receive both, send nothing.
      pc.addTransceiver('video', { direction: 'recvonly' });
      pc.addTransceiver('audio', { direction: 'recvonly' });
    }
    pc.ontrack = (e) => {
      const stream = e.streams[0] ?? new MediaStream([e.track]);
      this.o.onRemote(userId, side, stream);
    };
    pc.onicecandidate = (e) => {
      if (this.peers.get(userId) !== peer) return;
      void this.send('candidate', { pc: peer.pcId, candidate: e.candidate ? e.candidate.toJSON() as SignalBody['candidate'] : null }, userId).catch(() => undefined);
    };
    pc.onnegotiationneeded = async () => {
      try {
        peer.makingOffer = true;
        await pc.setLocalDescription();
        const d = pc.localDescription;
        if (d && this.peers.get(userId) === peer)
          await this.send('offer', { pc: peer.pcId, description: { type: 'offer', sdp: d.sdp } }, userId);
      } catch {
        // The next negotiationneeded or the peer's offer settles it.
      } finally {
        peer.makingOffer = false;
      }
    };
    pc.onconnectionstatechange = () => {
      if (pc.connectionState === 'failed') pc.restartIce();
      this.publish();
    };
    channel.onmessage = (e) => {
      const msg = parseDataMessage(e.data);
      if (msg) this.o.onMessage(userId, msg);
    };
    this.peers.set(userId, peer);
    return peer;
  }

  private resetPeer(userId: number, side: AssistSide, initiate: boolean): Peer {
    this.peers.get(userId)?.pc.close();
    this.peers.delete(userId);
    return this.makePeer(userId, side, initiate);
  }

  private async handle(s: AssistSignal): Promise<void> {
    if (s.from === this.o.me.user_id) return;
    const body = parseSignalBody(s.kind, s.body);
    if (!body) return;
    if (s.kind === 'hello') {
      // A new page on the other side: start afresh with it.
      this.resetPeer(s.from, s.side, true);
      this.publish();
      return;
    }
    if (s.kind === 'bye') {
      this.peers.get(s.from)?.pc.close();
      this.peers.delete(s.from);
      this.publish();
      return;
    }
    let peer = this.peers.get(s.from);
    if (s.kind === 'offer') {
      // An offer from a connection other than the one ours talks to: the
      // other side started over, so do we.
      if (!peer || (peer.remotePcId && peer.remotePcId !== body.pc)) peer = this.resetPeer(s.from, s.side, false);
      peer.remotePcId = body.pc;
      const pc = peer.pc;
      const collision = peer.makingOffer || pc.signalingState !== 'stable';
      peer.ignoreOffer = !peer.polite && collision;
      if (peer.ignoreOffer) return;
      await pc.setRemoteDescription(body.description!);
      for (const c of peer.pending.splice(0)) await pc.addIceCandidate(c).catch(() => undefined);
      await pc.setLocalDescription();
      const d = pc.localDescription;
      if (d) await this.send('answer', { pc: peer.pcId, description: { type: 'answer', sdp: d.sdp } }, s.from);
      return;
    }
    if (!peer) return;
    if (peer.remotePcId && peer.remotePcId !== body.pc) return; // an old connection's
    if (s.kind === 'answer') {
      if (peer.pc.signalingState !== 'have-local-offer') return;
      peer.remotePcId = body.pc;
      await peer.pc.setRemoteDescription(body.description!);
      for (const c of peer.pending.splice(0)) await peer.pc.addIceCandidate(c).catch(() => undefined);
      return;
    }
    if (s.kind === 'candidate' && body.candidate !== undefined) {
      if (!peer.remotePcId) peer.remotePcId = body.pc;
      const c = body.candidate ?? undefined;
      if (!peer.pc.remoteDescription) {
        if (c) peer.pending.push(c);
        return;
      }
      try {
        await peer.pc.addIceCandidate(c);
      } catch {
        if (!peer.ignoreOffer) {
          /* a candidate of an offer we ignored: harmless */
        }
      }
    }
  }

  private async readStats(): Promise<void> {
    let frames = 0;
    let route: CallStatus['route'] = null;
    for (const p of this.peers.values()) {
      if (p.pc.connectionState === 'closed') continue;
      const report = await p.pc.getStats().catch(() => null);
      if (!report) continue;
      const entries = new Map<string, Record<string, unknown>>();
      report.forEach((v: Record<string, unknown>, k: string) => entries.set(k, v));
      frames += framesDecoded(entries.values());
      route = route ?? routeOf(entries);
    }
    this.status.framesDecoded = frames;
    this.status.route = route;
    if (frames > 0 && !this.reportedConnected) {
      this.reportedConnected = true;
      this.status.firstFrameMs = Math.round(performance.now() - this.startedAt);
      void assistApi.connected(this.o.sessionId, this.o.cred).catch(() => (this.reportedConnected = false));
    }
    this.publish();
  }

  /* TURN credentials expire (turn-ttl-s): fetch fresh ones a minute ahead
   * and give them to every connection (used by the next ICE restart). */
  private scheduleIceRefresh(): void {
    if (!this.o.iceExpiresAt) return;
    const ms = Date.parse(this.o.iceExpiresAt) - Date.now() - 60_000;
    if (!Number.isFinite(ms)) return;
    this.iceTimer = setTimeout(async () => {
      try {
        const fresh = await assistApi.ice(this.o.sessionId, this.o.cred);
        this.o.iceServers = fresh.ice_servers;
        this.o.iceExpiresAt = fresh.ice_expires_at;
        for (const p of this.peers.values()) p.pc.setConfiguration(this.config());
      } catch {
        /* retried by the next schedule */
      }
      this.scheduleIceRefresh();
    }, Math.max(5_000, ms));
  }
}
