import { describe, expect, it } from 'vitest';
import {
  framesDecoded, fromVideoFraction, isOpenState, isPolite, joinToken, newPcId, parseDataMessage, parseSignalBody,
  pollInterval, readStoredJoin, routeOf, storageKey, toVideoFraction,
} from './protocol';

describe('isPolite', () => {
  it('makes the expert polite to the technician, never the technician', () => {
    expect(isPolite('expert', 'technician', 7, 3)).toBe(true);
    expect(isPolite('technician', 'expert', 3, 7)).toBe(false);
    expect(isPolite('supervisor', 'technician', 9, 3)).toBe(true);
    expect(isPolite('supervisor', 'expert', 9, 7)).toBe(true);
    expect(isPolite('expert', 'supervisor', 7, 9)).toBe(false);
  });
  it('is exactly one side of every pair, same sides included', () => {
    const sides = ['technician', 'expert', 'supervisor'] as const;
    for (const a of sides) for (const b of sides) expect(isPolite(a, b, 1, 2) !== isPolite(b, a, 2, 1)).toBe(true);
  });
});

describe('pollInterval', () => {
  it('polls fast while connecting and every 3 s once connected', () => {
    expect(pollInterval(false)).toBe(500);
    expect(pollInterval(true)).toBe(3000);
    expect(pollInterval(false, 750)).toBe(750);
    expect(pollInterval(false, 10)).toBe(200);
    expect(pollInterval(false, 60_000)).toBe(3000);
  });
  it('knows the open states', () => {
    expect(['ringing', 'accepted', 'live'].every((s) => isOpenState(s as never))).toBe(true);
    expect(['ended', 'cancelled', 'unanswered'].some((s) => isOpenState(s as never))).toBe(false);
  });
});

describe('parseSignalBody', () => {
  it('accepts descriptions and candidates of the right kind', () => {
    expect(parseSignalBody('offer', { pc: 'abcdef12', description: { type: 'offer', sdp: 'v=0' } })).toEqual({ pc: 'abcdef12', description: { type: 'offer', sdp: 'v=0' } });
    expect(parseSignalBody('candidate', { pc: 'abcdef12', candidate: { candidate: 'candidate:1', sdpMid: '0', sdpMLineIndex: 0 } })?.candidate?.candidate).toBe('candidate:1');
    expect(parseSignalBody('candidate', { pc: 'abcdef12', candidate: null })).toEqual({ pc: 'abcdef12', candidate: null });
    expect(parseSignalBody('hello', { pc: 'hello-abc123' })).toEqual({ pc: 'hello-abc123' });
  });
  it('refuses the malformed', () => {
    expect(parseSignalBody('offer', { pc: 'abcdef12', description: { type: 'answer', sdp: 'v=0' } })).toBeNull();
    expect(parseSignalBody('offer', { pc: 'x', description: { type: 'offer', sdp: 'v=0' } })).toBeNull();
    expect(parseSignalBody('candidate', { pc: 'abcdef12', candidate: { candidate: 5 } })).toBeNull();
    expect(parseSignalBody('weird', { pc: 'abcdef12' })).toBeNull();
    expect(parseSignalBody('hello', null)).toBeNull();
    expect(parseSignalBody('hello', { pc: '<script>' })).toBeNull();
  });
  it('makes distinct connection ids', () => {
    const a = newPcId();
    expect(a).toMatch(/^[a-z0-9]{12}$/);
    expect(newPcId()).not.toBe(a);
  });
});

describe('parseDataMessage', () => {
  it('accepts the five messages', () => {
    expect(parseDataMessage(JSON.stringify({ t: 'chat', text: '看一下 K3 端子', at: '2026-12-07T10:00:00Z' }))).toEqual({ t: 'chat', text: '看一下 K3 端子', at: '2026-12-07T10:00:00Z' });
    expect(parseDataMessage('{"t":"pointer","x":0.5,"y":1}')).toEqual({ t: 'pointer', x: 0.5, y: 1 });
    expect(parseDataMessage('{"t":"stroke","points":[[0,0],[0.2,0.3]],"color":"#22c55e"}')).toEqual({ t: 'stroke', points: [[0, 0], [0.2, 0.3]], color: '#22c55e' });
    expect(parseDataMessage('{"t":"clear"}')).toEqual({ t: 'clear' });
    expect(parseDataMessage('{"t":"freeze","on":true}')).toEqual({ t: 'freeze', on: true });
  });
  it('refuses what a peer should not send', () => {
    expect(parseDataMessage('not json')).toBeNull();
    expect(parseDataMessage(42)).toBeNull();
    expect(parseDataMessage('{"t":"chat","text":"   "}')).toBeNull();
    expect(parseDataMessage(JSON.stringify({ t: 'chat', text: 'x'.repeat(2001) }))).toBeNull();
    expect(parseDataMessage('{"t":"pointer","x":1.5,"y":0}')).toBeNull();
    expect(parseDataMessage('{"t":"pointer","x":"0.5","y":0}')).toBeNull();
    expect(parseDataMessage('{"t":"stroke","points":[[0,2]]}')).toBeNull();
    expect(parseDataMessage('{"t":"stroke","points":[]}')).toBeNull();
    expect(parseDataMessage('{"t":"eval","code":"x"}')).toBeNull();
    expect(parseDataMessage('{"t":"freeze","on":"yes"}')).toBeNull();
  });
  it('replaces a colour it does not know with the first', () => {
    expect(parseDataMessage('{"t":"stroke","points":[[0,0]],"color":"url(javascript:x)"}')).toEqual({ t: 'stroke', points: [[0, 0]], color: '#e11d48' });
  });
});

describe('video fractions', () => {
  const box = { width: 800, height: 400 };
  const video = { width: 640, height: 480 }; // letterboxed: 533x400 centred
  it('maps a point on the picture both ways', () => {
    const p = toVideoFraction(400, 200, box, video);
    expect(p).toEqual([0.5, 0.5]);
    const [x, y] = fromVideoFraction([0, 1], box, video);
    expect(Math.round(x)).toBe(133);
    expect(y).toBe(400);
    const back = toVideoFraction(x, y, box, video)!;
    expect(back[0]).toBeCloseTo(0);
    expect(back[1]).toBeCloseTo(1);
  });
  it('is null outside the picture or before it has a size', () => {
    expect(toVideoFraction(10, 200, box, video)).toBeNull();
    expect(toVideoFraction(400, 200, box, { width: 0, height: 0 })).toBeNull();
  });
});

describe('join token and stored key', () => {
  it('reads the token from the query', () => {
    expect(joinToken('a'.repeat(43))).toBe('a'.repeat(43));
    expect(joinToken(['Abc_def-0123456789xyz'])).toBe('Abc_def-0123456789xyz');
    expect(joinToken('short')).toBeNull();
    expect(joinToken('a b'.repeat(10))).toBeNull();
    expect(joinToken(undefined)).toBeNull();
  });
  it('rejoins only the same session with a whole record', () => {
    const rec = { session_id: 4, participant_key: 'k', side: 'technician', user_id: 5, display_name: 'T', ice_transport_policy: 'relay' };
    expect(readStoredJoin(JSON.stringify(rec), 4)).toEqual(rec);
    expect(readStoredJoin(JSON.stringify(rec), 5)).toBeNull();
    expect(readStoredJoin(JSON.stringify({ ...rec, side: 'admin' }), 4)).toBeNull();
    expect(readStoredJoin(JSON.stringify({ ...rec, participant_key: '' }), 4)).toBeNull();
    expect(readStoredJoin('{', 4)).toBeNull();
    expect(readStoredJoin(null, 4)).toBeNull();
    expect(storageKey(4)).toBe('fieldtrace.assist.4');
  });
});

describe('stats', () => {
  it('sums inbound video frames and tells relay from direct', () => {
    const stats = new Map<string, Record<string, unknown>>([
      ['v', { type: 'inbound-rtp', kind: 'video', framesDecoded: 12 }],
      ['a', { type: 'inbound-rtp', kind: 'audio' }],
      ['p', { type: 'candidate-pair', state: 'succeeded', nominated: true, localCandidateId: 'l', remoteCandidateId: 'r' }],
      ['l', { type: 'local-candidate', candidateType: 'relay' }],
      ['r', { type: 'remote-candidate', candidateType: 'host' }],
    ]);
    expect(framesDecoded(stats.values())).toBe(12);
    expect(routeOf(stats)).toBe('relay');
    stats.set('l', { type: 'local-candidate', candidateType: 'srflx' });
    stats.set('r', { type: 'remote-candidate', candidateType: 'host' });
    expect(routeOf(stats)).toBe('direct');
    expect(routeOf(new Map())).toBeNull();
    // The transport's selected pair wins over a nominated one.
    stats.set('t', { type: 'transport', selectedCandidatePairId: 'p2' });
    stats.set('p2', { type: 'candidate-pair', state: 'succeeded', localCandidateId: 'l2', remoteCandidateId: 'r' });
    stats.set('l2', { type: 'local-candidate', candidateType: 'relay' });
    expect(routeOf(stats)).toBe('relay');
  });
});
