// make bench-console, part 2: what N open dispatcher boards cost the server.
// Each simulated console is what the board does in a browser: one keep-alive
// HTTPS connection, a snapshot of GET /v1/board, then a conditional poll
// (If-None-Match) every INTERVAL ms, applying `since` deltas. Meanwhile a
// writer moves a ticket every few seconds (as the app would) and every
// console's delay to see it is recorded, and a probe measures what an
// ordinary API call costs while the boards are open. The server process is
// sampled from /proc: CPU, RSS, threads.
//   node bench-consoles.mjs --url https://127.0.0.1:8443 --pid PID
//        [--consoles 200] [--seconds 60] [--interval 2000] [--keepalive 1]
import https from 'node:https';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

const { values: o } = parseArgs({
  options: {
    url: { type: 'string' },
    pid: { type: 'string' },
    consoles: { type: 'string', default: '200' },
    seconds: { type: 'string', default: '60' },
    interval: { type: 'string', default: '2000' },
    keepalive: { type: 'string', default: '1' },
    user: { type: 'string', default: 'dispatcher.sz' },
    password: { type: 'string', default: 'fieldtrace-demo' },
  },
});
const N = Number(o.consoles), SECONDS = Number(o.seconds), INTERVAL = Number(o.interval);
const KEEPALIVE = o.keepalive !== '0';
const base = new URL(o.url);

function request(agent, method, path, { headers = {}, body } = {}) {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const req = https.request(
      { host: base.hostname, port: base.port, method, path, agent, rejectUnauthorized: false,
        headers: { ...headers, ...(body ? { 'Content-Type': 'application/json' } : {}) } },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode, headers: res.headers,
          body: Buffer.concat(chunks).toString(), ms: performance.now() - t0 }));
      });
    req.on('error', reject);
    if (body) req.write(JSON.stringify(body));
    req.end();
  });
}

function pct(list, p) {
  if (!list.length) return NaN;
  const s = [...list].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
}

function sample(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (k) => Number(status.match(new RegExp(`${k}:\\s+(\\d+)`))[1]);
  return { cpuTicks: Number(stat[11]) + Number(stat[12]), rssKb: kb('VmRSS'), threads: kb('Threads'), at: performance.now() };
}

async function login(agent) {
  const r = await request(agent, 'POST', '/v1/auth/login', { body: { username: o.user, password: o.password } });
  if (r.status !== 200) throw new Error(`login ${r.status} ${r.body}`);
  return JSON.parse(r.body).access_token;
}

const main = async () => {
  const adminAgent = new https.Agent({ keepAlive: true, maxSockets: 1 });
  const token = await login(adminAgent);
  const auth = { Authorization: `Bearer ${token}` };

  // The consoles.
  const polls = [], statuses = {};
  const seen = new Map(); // change number -> [delay ms per console]
  let changeAt = new Map(); // ticket status marker -> time written
  let stop = false;
  const consoles = [];
  for (let i = 0; i < N; i++) {
    consoles.push((async () => {
      const agent = new https.Agent({ keepAlive: KEEPALIVE, maxSockets: 1 });
      await new Promise((r) => setTimeout(r, Math.random() * INTERVAL));
      let etag = '', cursor = '';
      const seenHere = new Set();
      while (!stop) {
        const path = cursor ? `/v1/board?since=${encodeURIComponent(cursor)}` : '/v1/board';
        const r = await request(agent, 'GET', path, { headers: { ...auth, ...(etag ? { 'If-None-Match': etag } : {}) } })
          .catch((e) => ({ status: 'error:' + e.code, ms: 0, headers: {}, body: '' }));
        polls.push(r.ms);
        statuses[r.status] = (statuses[r.status] ?? 0) + 1;
        if (r.status === 200) {
          etag = r.headers.etag ?? '';
          const b = JSON.parse(r.body);
          cursor = b.cursor ?? cursor;
          const now = performance.now();
          for (const [mark, t] of changeAt)
            if (!seenHere.has(mark) && r.body.includes(mark)) {
              seenHere.add(mark);
              (seen.get(mark) ?? seen.set(mark, []).get(mark)).push(now - t);
            }
        } else if (r.status === 410) {
          cursor = ''; etag = '';
        }
        await new Promise((res) => setTimeout(res, INTERVAL));
      }
      agent.destroy();
    })());
  }

  // The probe: an ordinary API call every 250 ms on its own connection.
  const probeAgent = new https.Agent({ keepAlive: true, maxSockets: 1 });
  const probe = [];
  const probing = (async () => {
    while (!stop) {
      const r = await request(probeAgent, 'GET', '/v1/me', { headers: auth });
      probe.push(r.ms);
      await new Promise((res) => setTimeout(res, 250));
    }
  })();

  // The writer: a new ticket title every 5 s on an open ticket of the
  // centre; the title is the marker the consoles look for.
  const board = JSON.parse((await request(adminAgent, 'GET', '/v1/board', { headers: auth })).body);
  const rows = board.tickets ?? board.items ?? [];
  const writing = (async () => {
    let n = 0;
    await new Promise((r) => setTimeout(r, 10_000)); // let every console connect
    while (!stop && rows.length) {
      const mark = `bench-mark-${Date.now()}-${n++}`;
      const t = rows[n % rows.length];
      const created = await request(adminAgent, 'POST', '/v1/tickets', {
        headers: { ...auth, 'Idempotency-Key': mark },
        body: { asset_id: t.asset?.id, channel: 'internal', category: t.category, impact: 'unit', urgency: 'low', title: mark },
      });
      if (created.status === 201) changeAt.set(mark, performance.now() - created.ms / 2);
      await new Promise((r) => setTimeout(r, 5000));
    }
  })();

  await new Promise((r) => setTimeout(r, 10_000));
  const s0 = sample(o.pid);
  polls.length = 0; probe.length = 0;
  await new Promise((r) => setTimeout(r, SECONDS * 1000));
  const s1 = sample(o.pid);
  stop = true;
  await Promise.allSettled([...consoles, probing, writing]);

  const hz = 100; // USER_HZ on Linux
  const cpu = (s1.cpuTicks - s0.cpuTicks) / hz / ((s1.at - s0.at) / 1000);
  const delays = [...seen.values()].flat();
  const result = {
    consoles: N, interval_ms: INTERVAL, keepalive: KEEPALIVE, seconds: SECONDS,
    polls: polls.length, polls_per_s: +(polls.length / SECONDS).toFixed(1), statuses,
    poll_ms: { p50: +pct(polls, 50).toFixed(2), p99: +pct(polls, 99).toFixed(2) },
    server_cpu_cores: +cpu.toFixed(3), server_rss_mb: +(s1.rssKb / 1024).toFixed(1), server_threads: s1.threads,
    probe_ms: { n: probe.length, p50: +pct(probe, 50).toFixed(2), p99: +pct(probe, 99).toFixed(2) },
    change_seen_ms: { changes: seen.size, observations: delays.length, p50: Math.round(pct(delays, 50)), p99: Math.round(pct(delays, 99)), max: Math.round(Math.max(...delays)) },
  };
  console.log(JSON.stringify(result));
  process.exit(0);
};
main().catch((e) => { console.error(e); process.exit(1); });
