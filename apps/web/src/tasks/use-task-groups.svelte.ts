import { errorMessage } from '../lib/errors.ts';
import { api, type TaskGroups } from '../lib/trpc.ts';

/** Whose tasks the list shows: the signed-in user's, one CSM's, or the whole team's. */
export type TaskScope = { kind: 'mine' } | { kind: 'user'; userId: string } | { kind: 'team' };

/** The grouped task list with its filters; it reloads whenever a filter changes. */
export class TaskGroupsModel {
  scope = $state<TaskScope>({ kind: 'mine' });
  workflowKey = $state('');
  accountId = $state('');
  data = $state<TaskGroups | null>(null);
  error = $state<string | null>(null);
  loading = $state(false);
  /** Accounts seen in any list so far, for the account filter. */
  accounts = $state<Record<string, string>>({});

  async load(): Promise<void> {
    this.loading = true;
    const input = {
      ...(this.scope.kind === 'team' ? { everyone: true } : {}),
      ...(this.scope.kind === 'user' ? { assigneeId: this.scope.userId } : {}),
      ...(this.workflowKey ? { workflowKey: this.workflowKey } : {}),
      ...(this.accountId ? { accountId: this.accountId } : {}),
    };
    try {
      const data = await api.taskGroups.grouped.query(input);
      for (const group of data.groups) {
        for (const task of group.tasks) this.accounts[task.accountId] = task.accountName;
      }
      this.data = data;
      this.error = null;
    } catch (error) {
      this.error = errorMessage(error);
    } finally {
      this.loading = false;
    }
  }
}

/** Creates the task list model and reloads it when its filters change. */
export function useTaskGroups(): TaskGroupsModel {
  const model = new TaskGroupsModel();
  $effect(() => {
    void [model.scope, model.workflowKey, model.accountId];
    void model.load();
  });
  return model;
}
