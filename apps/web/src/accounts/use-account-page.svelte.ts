import { errorMessage } from '../lib/errors.ts';
import { api, type AccountPageView } from '../lib/trpc.ts';

/**
 * The account page's data, kept current: every instance shown is watched, and the page reloads
 * when one of them reaches a revision other than the one on screen.
 */
export class AccountPageModel {
  data = $state<AccountPageView | null>(null);
  error = $state<string | null>(null);
  readonly accountId: string;

  constructor(accountId: string) {
    this.accountId = accountId;
  }

  async load(): Promise<void> {
    try {
      this.data = await api.accountDirectory.page.query({ id: this.accountId });
      this.error = null;
    } catch (error) {
      this.error = errorMessage(error);
    }
  }

  watch(instanceIds: readonly string[]): () => void {
    const subscriptions = instanceIds.map((id) =>
      api.instances.watch.subscribe(
        { id },
        {
          onData: ({ revision }) => {
            const shown = this.data?.instances.find((instance) => instance.id === id);
            if (shown && shown.revision !== revision) void this.load();
          },
        },
      ),
    );
    return () => subscriptions.forEach((subscription) => subscription.unsubscribe());
  }
}

/** Creates the account page model, loads it, and watches the instances it shows. */
export function useAccountPage(accountId: string): AccountPageModel {
  const model = new AccountPageModel(accountId);
  const instanceKey = $derived(
    model.data?.instances.map((instance) => instance.id).join(',') ?? '',
  );

  $effect(() => {
    void model.load();
  });
  $effect(() => {
    const ids = instanceKey ? instanceKey.split(',') : [];
    return model.watch(ids);
  });
  return model;
}
