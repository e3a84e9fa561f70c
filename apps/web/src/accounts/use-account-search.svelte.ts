import { errorMessage } from '../lib/errors.ts';
import { api, type AccountRow } from '../lib/trpc.ts';

export const PAGE_SIZE = 25;

export interface AccountFilter {
  search: string;
  ownerId: string;
  segment: string;
  stage: string;
  overdue: boolean;
}

/**
 * The account directory a page at a time. Pages are keyset pages, so the model keeps the cursors
 * of the pages before the current one to go back.
 */
export class AccountSearchModel {
  filter = $state<AccountFilter>({
    search: '',
    ownerId: '',
    segment: '',
    stage: '',
    overdue: false,
  });
  rows = $state<AccountRow[]>([]);
  total = $state<number | null>(null);
  nextCursor = $state<string | null>(null);
  /** Cursors of the pages shown so far; the last one is the current page's. */
  cursors = $state<(string | undefined)[]>([undefined]);
  error = $state<string | null>(null);
  loading = $state(false);
  selected = $state<Record<string, boolean>>({});

  get pageIndex(): number {
    return this.cursors.length - 1;
  }

  get selectedIds(): string[] {
    return Object.keys(this.selected).filter((id) => this.selected[id]);
  }

  async load(): Promise<void> {
    const { search, ownerId, segment, stage, overdue } = this.filter;
    const cursor = this.cursors.at(-1);
    this.loading = true;
    try {
      const page = await api.accountDirectory.search.query({
        limit: PAGE_SIZE,
        ...(search.trim() ? { search: search.trim() } : {}),
        ...(ownerId ? { ownerId } : {}),
        ...(segment.trim() ? { segment: segment.trim() } : {}),
        ...(stage.trim() ? { stage: stage.trim() } : {}),
        ...(overdue ? { overdue } : {}),
        ...(cursor ? { cursor } : {}),
      });
      this.rows = page.rows;
      this.total = page.total;
      this.nextCursor = page.nextCursor;
      this.error = null;
    } catch (error) {
      this.error = errorMessage(error);
    } finally {
      this.loading = false;
    }
  }

  /** Starts again at the first page, as a changed filter must. */
  restart(): void {
    this.cursors = [undefined];
    void this.load();
  }

  next(): void {
    if (!this.nextCursor) return;
    this.cursors = [...this.cursors, this.nextCursor];
    void this.load();
  }

  previous(): void {
    if (this.cursors.length <= 1) return;
    this.cursors = this.cursors.slice(0, -1);
    void this.load();
  }

  clearSelection(): void {
    this.selected = {};
  }
}
