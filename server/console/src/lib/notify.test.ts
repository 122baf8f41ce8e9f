import { describe, expect, it } from 'vitest';
import {
  ackToken,
  channelsPatch,
  COMMON_ZONES,
  deliveryTone,
  draftOf,
  effective,
  errorsByField,
  escalationState,
  fieldForPointer,
  formatLatency,
  gridOf,
  quietHoursErrors,
  settingsPatch,
  spansMidnight,
  zoneChoices,
  type Settings,
} from './notify';

const flags = (push: boolean, email: boolean, sms: boolean) => ({ push, email, sms });

function settings(over: Partial<Settings> = {}): Settings {
  const channels = {
    'ticket.assigned': flags(true, false, false),
    'sla.warning': flags(true, false, false),
    'sla.escalation': flags(true, true, true),
    'warranty.digest': flags(false, false, false),
    'problem.opened': flags(false, false, false),
  };
  return {
    language: 'zh',
    time_zone: 'Asia/Shanghai',
    quiet_hours: null,
    email: '',
    phone_on_file: true,
    digest: 'off',
    digest_is_default: true,
    digest_default: 'off',
    channels,
    chosen: {},
    defaults: structuredClone(channels),
    available: flags(false, false, false),
    ...over,
  };
}

describe('the channel grid', () => {
  it('sends nothing when nothing changed', () => {
    const s = settings();
    expect(channelsPatch(gridOf(s.channels), s.channels)).toBeUndefined();
    expect(settingsPatch(draftOf(s), s)).toEqual({});
  });

  it('sends only the cells that changed, and null for those sent back to the default', () => {
    const s = settings();
    const g = gridOf(s.channels);
    g['sla.warning'].sms = true;
    g['ticket.assigned'].push = null;
    expect(channelsPatch(g, s.channels)).toEqual({
      'ticket.assigned': { push: null },
      'sla.warning': { sms: true },
    });
  });

  it('shows a cell sent back to its default as the default', () => {
    expect(effective(null, true)).toBe(true);
    expect(effective(false, true)).toBe(false);
  });
});

describe('the whole PATCH body', () => {
  it('carries the members that changed only', () => {
    const s = settings();
    const d = draftOf(s);
    d.language = 'en';
    d.email = 'li.wei@example.com';
    d.quietOn = true;
    d.quietStart = '22:30';
    d.quietEnd = '06:45';
    expect(settingsPatch(d, s)).toEqual({
      language: 'en',
      email: 'li.wei@example.com',
      quiet_hours: { start: '22:30', end: '06:45' },
    });
  });

  it('turns quiet hours off with null, and sends changed times only', () => {
    const s = settings({ quiet_hours: { start: '22:00', end: '07:00' } });
    const d = draftOf(s);
    expect(settingsPatch(d, s)).toEqual({});
    d.quietEnd = '08:00';
    expect(settingsPatch(d, s)).toEqual({ quiet_hours: { start: '22:00', end: '08:00' } });
    d.quietOn = false;
    expect(settingsPatch(d, s)).toEqual({ quiet_hours: null });
  });

  it('sends the digest as chosen, or null back to the role default', () => {
    const s = settings({ digest: 'weekly', digest_is_default: true });
    const d = draftOf(s);
    expect(d.digest).toBeNull();
    d.digest = 'weekly'; // the same as the default, but now chosen
    expect(settingsPatch(d, s)).toEqual({ digest: 'weekly' });
    const chosen = settings({ digest: 'daily', digest_is_default: false });
    const d2 = draftOf(chosen);
    expect(settingsPatch(d2, chosen)).toEqual({});
    d2.digest = null;
    expect(settingsPatch(d2, chosen)).toEqual({ digest: null });
  });

  it('leaves the e-mail address to the server to judge', () => {
    const s = settings();
    const d = draftOf(s);
    d.email = 'ops@localhost';
    expect(settingsPatch(d, s)).toEqual({ email: 'ops@localhost' });
  });
});

describe('quiet hours', () => {
  it('accepts HH:MM, also over midnight', () => {
    expect(quietHoursErrors(true, '22:00', '07:00')).toEqual({});
    expect(spansMidnight('22:00', '07:00')).toBe(true);
    expect(spansMidnight('12:00', '14:00')).toBe(false);
  });

  it('names the bad time and equal ends', () => {
    expect(quietHoursErrors(true, '24:00', '07:00')).toEqual({ '/quiet_hours/start': 'notify.quiet.badTime' });
    expect(quietHoursErrors(true, '22:00', '7:00')).toEqual({ '/quiet_hours/end': 'notify.quiet.badTime' });
    expect(quietHoursErrors(true, '08:00', '08:00')).toEqual({ '/quiet_hours/end': 'notify.quiet.same' });
    expect(quietHoursErrors(false, 'x', 'y')).toEqual({});
  });
});

describe("a problem's pointer at its field", () => {
  it('lands on the field, or its nearest parent, or above the form', () => {
    expect(fieldForPointer('/quiet_hours/start')).toBe('/quiet_hours/start');
    expect(fieldForPointer('/channels/sla.warning/sms')).toBe('/channels/sla.warning/sms');
    expect(fieldForPointer('/channels/sla.warning/fax')).toBe('/channels/sla.warning');
    expect(fieldForPointer('/channels/pager.duty')).toBe('/channels');
    expect(fieldForPointer('/email')).toBe('/email');
    expect(fieldForPointer('/colour')).toBe('');
    expect(fieldForPointer('')).toBe('');
    expect(fieldForPointer(undefined)).toBe('');
  });

  it('groups several errors by field', () => {
    expect(
      errorsByField([
        { pointer: '/email', detail: 'must be an e-mail address, or ""' },
        { pointer: '/quiet_hours/end', detail: 'must differ from start' },
        { pointer: '/nope', detail: 'is not a setting' },
        { pointer: '/email', detail: 'again' },
      ]),
    ).toEqual({
      '/email': 'must be an e-mail address, or ""; again',
      '/quiet_hours/end': 'must differ from start',
      '': 'is not a setting',
    });
  });
});

describe('time zones', () => {
  it("puts China's first and adds the person's own", () => {
    expect(COMMON_ZONES[0]).toBe('Asia/Shanghai');
    expect(COMMON_ZONES).toContain('UTC');
    const z = zoneChoices('America/Sao_Paulo', 'Asia/Tokyo', undefined);
    expect(z.at(-1)).toBe('America/Sao_Paulo');
    expect(z.filter((x) => x === 'Asia/Tokyo')).toHaveLength(1);
  });
});

describe('the acknowledgement link', () => {
  const hex = 'a1'.repeat(24);
  it('takes 48 hex digits, in any case', () => {
    expect(ackToken(hex)).toBe(hex);
    expect(ackToken(hex.toUpperCase())).toBe(hex);
    expect(ackToken([hex])).toBe(hex);
  });
  it('refuses anything else', () => {
    expect(ackToken(hex.slice(1))).toBeNull();
    expect(ackToken(`${hex}0`)).toBeNull();
    expect(ackToken('z'.repeat(48))).toBeNull();
    expect(ackToken(undefined)).toBeNull();
    expect(ackToken(null)).toBeNull();
  });
});

describe('deliveries', () => {
  it('colours the states', () => {
    expect(deliveryTone('sent')).toBe('ok');
    expect(deliveryTone('dead')).toBe('bad');
    expect(deliveryTone('pending')).toBe('warn');
    expect(deliveryTone('sending')).toBe('info');
    expect(deliveryTone('cancelled')).toBe('muted');
  });
  it('writes latencies', () => {
    expect(formatLatency(850)).toBe('850 ms');
    expect(formatLatency(4230)).toBe('4.2 s');
    expect(formatLatency(185_000)).toBe('3 min 05 s');
    expect(formatLatency(null)).toBe('—');
    expect(formatLatency(-1)).toBe('—');
  });
});

describe('the grid with the person\'s own choices', () => {
  it('starts at null where nothing was chosen and sends exactly the changed choices', () => {
    const s = settings({ chosen: { 'ticket.assigned': { sms: true } } });
    const d = draftOf(s);
    expect(d.grid['ticket.assigned'].sms).toBe(true);
    expect(d.grid['ticket.assigned'].push).toBeNull();
    expect(settingsPatch(d, s)).toEqual({});
    d.grid['ticket.assigned'].sms = null; // back to the default
    d.grid['sla.warning'].sms = false; // a choice equal to the default is still a choice
    expect(settingsPatch(d, s)).toEqual({ channels: { 'ticket.assigned': { sms: null }, 'sla.warning': { sms: false } } });
  });
});

describe("a ticket's escalation", () => {
  it('waits for an acknowledgement above the levels acknowledged', () => {
    expect(escalationState({ status: 'assigned', sla: { escalation_level: 0 } })).toEqual({ level: 0, acknowledged: 0, waiting: false });
    expect(escalationState({ status: 'assigned', sla: { escalation_level: 2 }, history: [] }).waiting).toBe(true);
    const acked = escalationState({
      status: 'assigned',
      sla: { escalation_level: 2 },
      history: [{ action: 'escalation_acknowledged', detail: { level: 2, target: 'response' } }],
    });
    expect(acked).toEqual({ level: 2, acknowledged: 2, waiting: false });
  });
  it("follows the server's escalation_waiting over the history", () => {
    // Level 2 acknowledged, but level 1 of another target is still open.
    const open = escalationState({
      status: 'assigned',
      sla: { escalation_level: 2, escalation_waiting: true },
      history: [{ action: 'escalation_acknowledged', detail: { level: 2, target: 'response' } }],
    });
    expect(open.waiting).toBe(true);
    expect(escalationState({ status: 'assigned', sla: { escalation_level: 2, escalation_waiting: false } }).waiting).toBe(false);
  });
  it('waits for nothing once the work is done', () => {
    expect(escalationState({ status: 'closed', sla: { escalation_level: 3 } }).waiting).toBe(false);
  });
});
