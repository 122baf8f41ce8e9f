import { startServer } from './server';

declare global {
  // eslint-disable-next-line no-var
  var __fieldtraceStop: (() => Promise<void>) | undefined;
}

export default async function globalSetup(): Promise<void> {
  process.env.NODE_TLS_REJECT_UNAUTHORIZED = '0'; // the dev certificate, loopback only
  const server = await startServer();
  process.env.FIELDTRACE_URL = server.url;
  globalThis.__fieldtraceStop = () => server.stop();
}
