// One clock for a page: a ref holding the server's time as the browser
// estimates it, moved on every second by a single timer however many SLA
// clocks the page shows. setOffset() takes the offset measured from the last
// answer's server_time (lib/sla.ts clockOffset()).
import { onBeforeUnmount, onMounted, ref, type Ref } from 'vue';

export interface ServerNow {
  now: Ref<number>;
  setOffset(ms: number): void;
}

export function useServerNow(periodMs = 1000): ServerNow {
  let offset = 0;
  const now = ref(Date.now());
  let timer: ReturnType<typeof setInterval> | undefined;
  const tick = () => (now.value = Date.now() + offset);
  onMounted(() => {
    tick();
    timer = setInterval(tick, periodMs);
  });
  onBeforeUnmount(() => clearInterval(timer));
  return {
    now,
    setOffset(ms: number) {
      offset = ms;
      tick();
    },
  };
}
