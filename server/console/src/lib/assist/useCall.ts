// What both call pages share: the camera, the AssistCall, and the state the
// pages show (remote pictures, chat, the expert's marks, the connection).
import { onBeforeUnmount, reactive, ref, shallowRef } from 'vue';
import { AssistCall, type CallStatus } from './call';
import type { Credential } from './http';
import type { DataMessage, Point } from './protocol';
import type { AssistSide, IceServer } from './types';

export interface Remote {
  userId: number;
  side: AssistSide;
  stream: MediaStream;
}

export interface CallSetup {
  sessionId: number;
  cred: Credential;
  me: { user_id: number; side: AssistSide; display_name: string };
  iceServers: IceServer[];
  iceExpiresAt?: string;
  relayOnly: boolean;
  pollMs?: number;
}

/* Opens camera and microphone: the back camera on a phone (the technician
 * shows the equipment), video only when the microphone is refused. */
export async function openMedia(side: AssistSide): Promise<{ stream: MediaStream | null; warning: string | null; error: string | null }> {
  if (side === 'supervisor') return { stream: null, warning: null, error: null };
  const video: MediaTrackConstraints = side === 'technician' ? { facingMode: { ideal: 'environment' } } : { facingMode: 'user' };
  if (!navigator.mediaDevices?.getUserMedia) return { stream: null, warning: null, error: 'mediaDevices unavailable' };
  try {
    return { stream: await navigator.mediaDevices.getUserMedia({ video, audio: true }), warning: null, error: null };
  } catch {
    try {
      return { stream: await navigator.mediaDevices.getUserMedia({ video }), warning: 'assist.audioOnlyFailed', error: null };
    } catch (e) {
      return { stream: null, warning: null, error: e instanceof Error ? e.name : String(e) };
    }
  }
}

export function useCall(fallbackName: (userId: number) => string) {
  const knownNames = new Map<number, string>();
  const names = (id: number) => knownNames.get(id) ?? fallbackName(id);
  const call = shallowRef<AssistCall | null>(null);
  const local = shallowRef<MediaStream | null>(null);
  const remotes = ref<Remote[]>([]);
  const status = ref<CallStatus | null>(null);
  const chat = ref<{ mine: boolean; who: string; text: string; at: string }[]>([]);
  const marks = reactive<{ strokes: { points: Point[]; color: string }[]; pointer: Point | null; frozen: boolean }>({
    strokes: [], pointer: null, frozen: false,
  });

  function onMessage(userId: number, m: DataMessage): void {
    switch (m.t) {
      case 'chat': chat.value.push({ mine: false, who: names(userId), text: m.text, at: m.at }); break;
      case 'pointer': marks.pointer = [m.x, m.y]; break;
      case 'stroke': marks.strokes.push({ points: m.points, color: m.color }); break;
      case 'clear': marks.strokes = []; marks.pointer = null; break;
      case 'freeze': marks.frozen = m.on; if (!m.on) marks.strokes = []; break;
    }
  }

  async function start(setup: CallSetup, stream: MediaStream | null): Promise<void> {
    local.value = stream;
    const c = new AssistCall({
      sessionId: setup.sessionId,
      cred: setup.cred,
      me: { user_id: setup.me.user_id, side: setup.me.side },
      iceServers: setup.iceServers,
      iceExpiresAt: setup.iceExpiresAt,
      relayOnly: setup.relayOnly,
      fastPollMs: setup.pollMs,
      local: stream,
      onRemote(userId, side, s) {
        remotes.value = [...remotes.value.filter((r) => r.userId !== userId), { userId, side, stream: s }];
      },
      onMessage,
      onStatus(s) {
        status.value = s;
        for (const p of s.peers) if (p.display_name) knownNames.set(p.user_id, p.display_name);
        // A peer that left or started over takes its picture with it.
        const live = new Set(s.peers.filter((p) => p.connection !== 'none' && p.connection !== 'closed').map((p) => p.user_id));
        if (remotes.value.some((r) => !live.has(r.userId))) remotes.value = remotes.value.filter((r) => live.has(r.userId));
      },
    });
    call.value = c;
    await c.start();
  }

  function send(m: DataMessage): void {
    call.value?.sendMessage(m);
  }

  function say(text: string, who: string): void {
    const at = new Date().toISOString();
    send({ t: 'chat', text, at });
    chat.value.push({ mine: true, who, text, at });
  }

  async function stop(sayBye = true): Promise<void> {
    const c = call.value;
    call.value = null;
    await c?.stop(sayBye);
    local.value?.getTracks().forEach((t) => t.stop());
    local.value = null;
    remotes.value = [];
  }

  onBeforeUnmount(() => void stop());

  return { call, local, remotes, status, chat, marks, start, send, say, stop };
}
