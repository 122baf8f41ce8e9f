// The two ways the console shows a cursor-paged API list (README "Lists"):
// - usePagedList: a page at a time with previous/next (a CursorPager), its
//   busy flag and the error of the last step, shown above the table;
// - useMoreList: a growing list with a "more" button; errors go to
//   showError and `loaded` says the first page has arrived.
import { reactive, ref, type Ref } from 'vue';
import { CursorPager, type Page } from './pager';
import { errorText, showError } from './errors';

export function usePagedList<T>(fetchPage: (cursor: string | null) => Promise<Page<T>>) {
  const pager = reactive(new CursorPager<T>(fetchPage)) as CursorPager<T>;
  const busy = ref(false);
  const error = ref('');

  /* One pager step (first, reload, forward, back), busy while it runs. */
  async function run(step: () => Promise<void>): Promise<void> {
    busy.value = true;
    error.value = '';
    try {
      await step();
    } catch (e) {
      error.value = errorText(e);
    } finally {
      busy.value = false;
    }
  }

  return { pager, busy, error, run };
}

export function useMoreList<T>(fetchPage: (cursor: string | undefined) => Promise<Page<T>>) {
  const items = ref([]) as Ref<T[]>;
  const cursor = ref<string | null>(null);
  const loading = ref(false);
  const loaded = ref(false);

  /* The first page again, or (more) the next one appended. */
  async function load(more = false): Promise<void> {
    loading.value = true;
    try {
      const page = await fetchPage(more ? (cursor.value ?? undefined) : undefined);
      items.value = more ? [...items.value, ...(page.items ?? [])] : (page.items ?? []);
      cursor.value = page.next_cursor ?? null;
      loaded.value = true;
    } catch (e) {
      showError(e);
    } finally {
      loading.value = false;
    }
  }

  return { items, cursor, loading, loaded, load };
}
