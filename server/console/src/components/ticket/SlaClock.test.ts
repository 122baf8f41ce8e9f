import { describe, expect, it } from 'vitest';
import { mount } from '@vue/test-utils';
import { i18n, setLocale } from '@/i18n';
import SlaClock from './SlaClock.vue';
import type { ClockView } from '@/lib/sla';

function view(over: Partial<ClockView>): ClockView {
  return { target: 'response', secondsLeft: 3 * 3600 + 300, percent: 40, level: 'ok', threshold: 0, escalation: 0, ...over };
}

const render = (v: ClockView, compact = false) => mount(SlaClock, { props: { view: v, compact }, global: { plugins: [i18n] } });

describe('SlaClock', () => {
  it('says each level in colour, icon and words', () => {
    setLocale('en');
    const ok = render(view({}));
    expect(ok.classes()).toContain('clock--ok');
    expect(ok.text()).toContain('Response');
    expect(ok.text()).toContain('3h 05m left');
    expect(ok.text()).toContain('On track');
    expect(ok.find('svg').exists()).toBe(true);

    const warn = render(view({ level: 'warn2', threshold: 80, percent: 85 }));
    expect(warn.classes()).toContain('clock--warn2');
    expect(warn.text()).toContain('80% used');

    const late = render(view({ level: 'overdue', threshold: 100, secondsLeft: -90, escalation: 2 }));
    expect(late.classes()).toContain('clock--overdue');
    expect(late.text()).toContain('overdue 1m 30s');
    expect(late.get('[data-testid="sla-escalation"]').text()).toContain('L2');
    expect(late.get('[data-testid="sla-escalation"]').text()).toContain('Escalation level 2');
  });
  it('keeps a compact clock short where the time says enough', () => {
    setLocale('en');
    expect(render(view({}), true).text()).not.toContain('On track');
    expect(render(view({ level: 'warn1', threshold: 50 }), true).text()).toContain('50% used');
  });
  it('speaks Chinese', () => {
    setLocale('zh-CN');
    const w = render(view({ level: 'paused' }));
    expect(w.text()).toContain('响应');
    expect(w.text()).toContain('剩余 3小时05分');
    expect(w.text()).toContain('计时暂停');
    setLocale('en');
  });
  it('shows no countdown when no target runs', () => {
    setLocale('en');
    const w = render(view({ target: null, secondsLeft: null, level: 'none' }));
    expect(w.text()).toBe('No target running');
  });
});
