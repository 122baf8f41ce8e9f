// Conditional polling that stops while the page is hidden (a console left
// in a background tab costs the server nothing) and catches up as soon as it
// is shown again. One run at a time: a slow answer is never overtaken.

export interface Poller {
  start(): void;
  stop(): void;
  /* Runs the task now (after an action that changed what it reads). */
  poke(): Promise<void>;
}

export function visiblePoller(task: () => Promise<void>, everyMs: number, doc: Document = document): Poller {
  let timer: ReturnType<typeof setInterval> | undefined;
  let running: Promise<void> | null = null;
  let started = false;

  const run = (): Promise<void> => {
    if (running) return running;
    running = task()
      .catch(() => undefined)
      .finally(() => {
        running = null;
      });
    return running;
  };

  const schedule = () => {
    clearInterval(timer);
    timer = setInterval(() => void run(), everyMs);
  };

  const onVisibility = () => {
    if (!started) return;
    if (doc.visibilityState === 'hidden') {
      clearInterval(timer);
      timer = undefined;
    } else {
      void run();
      schedule();
    }
  };

  return {
    start() {
      if (started) return;
      started = true;
      doc.addEventListener('visibilitychange', onVisibility);
      if (doc.visibilityState !== 'hidden') {
        void run();
        schedule();
      }
    },
    stop() {
      started = false;
      clearInterval(timer);
      timer = undefined;
      doc.removeEventListener('visibilitychange', onVisibility);
    },
    poke: run,
  };
}
