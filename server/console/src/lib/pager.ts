// Cursor paging for the API's lists (`next_cursor`, README "Lists"): the
// cursors of the pages already seen make "previous" possible without the API
// offering it.
export interface Page<T> {
  items: T[];
  next_cursor?: string | null;
}

export class CursorPager<T> {
  private cursors: (string | null)[] = [null];
  private index = 0;
  items: T[] = [];
  next: string | null = null;

  constructor(private readonly fetchPage: (cursor: string | null) => Promise<Page<T>>) {}

  get pageNumber(): number {
    return this.index + 1;
  }

  get hasPrevious(): boolean {
    return this.index > 0;
  }

  get hasNext(): boolean {
    return this.next !== null;
  }

  private async load(): Promise<void> {
    const page = await this.fetchPage(this.cursors[this.index] ?? null);
    this.items = page.items;
    this.next = page.next_cursor ?? null;
  }

  /* The first page again (new filters). */
  async first(): Promise<void> {
    this.cursors = [null];
    this.index = 0;
    await this.load();
  }

  /* The current page again (after a change). */
  async reload(): Promise<void> {
    await this.load();
  }

  async forward(): Promise<void> {
    if (this.next === null) return;
    this.cursors = this.cursors.slice(0, this.index + 1);
    this.cursors.push(this.next);
    this.index++;
    await this.load();
  }

  async back(): Promise<void> {
    if (this.index === 0) return;
    this.index--;
    await this.load();
  }
}

/* Every page of a short list (regions, centres, product lines), up to a
 * bound so a runaway list cannot hang the page. */
export async function fetchAll<T>(fetchPage: (cursor: string | null) => Promise<Page<T>>, maxPages = 20): Promise<T[]> {
  const all: T[] = [];
  let cursor: string | null = null;
  for (let n = 0; n < maxPages; n++) {
    const page: Page<T> = await fetchPage(cursor);
    all.push(...page.items);
    cursor = page.next_cursor ?? null;
    if (cursor === null) break;
  }
  return all;
}
