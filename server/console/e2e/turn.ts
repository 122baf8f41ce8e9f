// A real TURN relay for the assistance tests: Debian's coturn
// (/usr/bin/turnserver, tools/install-deps.sh) on a free loopback port with
// the TURN REST API's shared secret (use-auth-secret), which fieldtrace is
// given as turn-secret-file. On loopback coturn needs --allow-loopback-peers:
// both peers' relayed addresses are 127.0.0.1, which it refuses as a peer
// address otherwise (the call then gathers relay candidates but never
// connects). Chromium needs no flag: it reaches a TURN server on 127.0.0.1.
import { spawn, type ChildProcess } from 'node:child_process';
import { createHmac, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const TURNSERVER = process.env.FIELDTRACE_TURNSERVER ?? '/usr/bin/turnserver';

export interface Turn {
  port: number;
  secret: string;
  secretFile: string;
  /* The turn-uris config value: UDP and TCP on the same port. */
  uris: string;
  process: ChildProcess;
  log(): string;
  /* TURN REST credentials as fieldtrace issues them: username
   * "<unix expiry>:<user>", credential base64(HMAC-SHA1(secret, username)). */
  credentials(user: string, ttlS?: number): { username: string; credential: string };
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const s = createServer();
    s.once('error', fail);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      const port = typeof a === 'object' && a ? a.port : 0;
      s.close(() => ok(port));
    });
  });
}

export async function startTurn(): Promise<Turn> {
  const dir = mkdtempSync(join(tmpdir(), 'fieldtrace-turn-'));
  const secret = randomBytes(24).toString('hex');
  const secretFile = join(dir, 'turn-secret');
  writeFileSync(secretFile, `${secret}\n`, { mode: 0o600 });
  const port = await freePort();
  const child = spawn(TURNSERVER, [
    '--use-auth-secret', `--static-auth-secret=${secret}`, '--realm=fieldtrace.test',
    '--listening-ip=127.0.0.1', '--relay-ip=127.0.0.1', `--listening-port=${port}`,
    '--allow-loopback-peers', '--no-tls', '--no-dtls', '--no-cli',
    '--log-file=stdout', '--simple-log', `--pidfile=${join(dir, 'turnserver.pid')}`,
  ], { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  const keep = (c: Buffer) => (log = (log + c.toString()).slice(-65536));
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  // Ready when it listens: poll the TCP port (UDP has no handshake).
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`turnserver exited (${child.exitCode}):\n${log}`);
    const up = await new Promise<boolean>((ok) => {
      const sock = connect(port, '127.0.0.1');
      sock.once('connect', () => { sock.destroy(); ok(true); });
      sock.once('error', () => ok(false));
    }).catch(() => false);
    if (up) break;
    if (Date.now() > deadline) throw new Error(`turnserver did not listen on ${port}:\n${log}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    port,
    secret,
    secretFile,
    uris: `turn:127.0.0.1:${port}?transport=udp,turn:127.0.0.1:${port}?transport=tcp`,
    process: child,
    log: () => log,
    credentials(user, ttlS = 3600) {
      const username = `${Math.floor(Date.now() / 1000) + ttlS}:${user}`;
      return { username, credential: createHmac('sha1', secret).update(username).digest('base64') };
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
