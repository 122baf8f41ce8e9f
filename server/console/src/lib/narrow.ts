// Whether the screen is phone-narrow, as a ref that follows resizes: for
// widgets whose layout is a prop rather than CSS (descriptions' columns).
import { onBeforeUnmount, onMounted, ref, type Ref } from 'vue';

export function useNarrow(maxWidth = 720): Ref<boolean> {
  const query = typeof window !== 'undefined' && window.matchMedia ? window.matchMedia(`(max-width: ${maxWidth}px)`) : null;
  const narrow = ref(query?.matches ?? false);
  const update = (e: MediaQueryListEvent) => (narrow.value = e.matches);
  onMounted(() => query?.addEventListener('change', update));
  onBeforeUnmount(() => query?.removeEventListener('change', update));
  return narrow;
}
