// Starts a real fieldtrace on a free loopback port with a fresh demo
// database, for the browser tests. Used by global-setup.ts, and by specs that
// need a server of their own (an expired session, for example).
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
export const BIN = process.env.FIELDTRACE_BIN ? resolve(ROOT, process.env.FIELDTRACE_BIN) : join(ROOT, 'build/fieldtrace');

export interface Server {
  url: string; // https://127.0.0.1:PORT
  dir: string;
  db: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

export async function startServer(extraArgs: string[] = [], env: NodeJS.ProcessEnv = {}): Promise<Server> {
  const dir = mkdtempSync(join(tmpdir(), 'fieldtrace-e2e-'));
  const db = join(dir, 'fieldtrace.db');
  execFileSync(BIN, ['migrate', '--db', db, '--demo'], { stdio: 'ignore' });
  const child = spawn(
    BIN,
    // Uploads (a nameplate report's photos) go to the test's own directory.
    ['serve', '--db', db, '--listen', '127.0.0.1:0', '--data-dir', join(dir, 'data'),
      '--tls-cert', join(ROOT, 'certs/server.pem'), '--tls-key', join(ROOT, 'certs/server.key'),
      ...extraArgs],
    { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let log = '';
  const keep = (chunk: Buffer) => {
    log = (log + chunk.toString()).slice(-65536);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const port = await new Promise<number>((ok, fail) => {
    const timer = setTimeout(() => fail(new Error(`fieldtrace did not start:\n${log}`)), 20_000);
    const look = () => {
      const m = log.match(/serving https on \S+ \(port (\d+)\)/);
      if (m) {
        clearTimeout(timer);
        ok(Number(m[1]));
      }
    };
    child.stdout?.on('data', look);
    child.stderr?.on('data', look);
    child.on('exit', (code) => fail(new Error(`fieldtrace exited (${code}):\n${log}`)));
  });
  const url = `https://127.0.0.1:${port}`;
  return {
    url,
    dir,
    db,
    process: child,
    /* SIGTERM, then the exit status: under ASan a leak or a bad access
     * found while the browser tests ran fails the run here. */
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
      if (child.exitCode !== 0) throw new Error(`fieldtrace exited with ${child.exitCode ?? child.signalCode}:\n${log}`);
    },
  };
}
