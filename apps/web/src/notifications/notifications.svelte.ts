import { errorMessage } from '../lib/errors.ts';
import { api, type NotificationEntry } from '../lib/trpc.ts';

/** Interval in milliseconds between unread-count requests while the app is open. */
export const UNREAD_POLL_MS = 30_000;

/** The signed-in user's notifications: the unread count in the header and the list to clear. */
class NotificationStore {
  unread = $state(0);
  items = $state<NotificationEntry[]>([]);
  dailyDigest = $state<boolean | null>(null);
  error = $state<string | null>(null);

  /** Reloads the unread count; call it after any action that may notify someone. */
  async refresh(): Promise<void> {
    try {
      this.unread = await api.notifications.unreadCount.query();
    } catch (error) {
      this.error = errorMessage(error);
    }
  }

  async loadList(): Promise<void> {
    try {
      const [list, settings] = await Promise.all([
        api.notifications.list.query(),
        api.notifications.settings.query(),
      ]);
      this.items = list.items;
      this.unread = list.unread;
      this.dailyDigest = settings.dailyDigest;
      this.error = null;
    } catch (error) {
      this.error = errorMessage(error);
    }
  }

  async markRead(ids?: number[]): Promise<void> {
    try {
      await api.notifications.markRead.mutate(ids ? { ids } : {});
      await this.loadList();
    } catch (error) {
      this.error = `Marking as read failed: ${errorMessage(error)}`;
    }
  }

  async setDailyDigest(enabled: boolean): Promise<void> {
    const before = this.dailyDigest;
    this.dailyDigest = enabled;
    try {
      await api.notifications.setDailyDigest.mutate({ enabled });
    } catch (error) {
      this.dailyDigest = before;
      this.error = `The digest setting was not saved: ${errorMessage(error)}`;
    }
  }
}

export const notifications = new NotificationStore();
