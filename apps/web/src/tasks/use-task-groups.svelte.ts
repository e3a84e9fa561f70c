import { errorMessage } from '../lib/errors.ts';
import { router } from '../lib/router.svelte.ts';
import { session } from '../lib/session.svelte.ts';
import { api, type TaskGroups, type TeamMember } from '../lib/trpc.ts';

/** Whose tasks the list shows: the signed-in user's, one CSM's, or the whole team's. */
export type TaskScope = { kind: 'mine' } | { kind: 'user'; userId: string } | { kind: 'team' };

/**
 * The grouped task list with its filters; it reloads whenever a filter changes. The filters live
 * in the route's query (`scope=team`, `assignee`, `workflow`, `account`), so a reload or a shared
 * link shows the same list.
 */
export class TaskGroupsModel {
  data = $state<TaskGroups | null>(null);
  error = $state<string | null>(null);
  loading = $state(false);
  /** Accounts seen in any list so far, for the account filter. */
  accounts = $state<Record<string, string>>({});
  /** Users that leads and admins may pick, also used to name each task's assignee. */
  people = $state<TeamMember[]>([]);

  get scope(): TaskScope {
    const params = router.params();
    if (params.get('scope') === 'team') return { kind: 'team' };
    const userId = params.get('assignee');
    return userId && userId !== session.user?.id ? { kind: 'user', userId } : { kind: 'mine' };
  }

  set scope(scope: TaskScope) {
    this.#setFilters({ scope });
  }

  get workflowKey(): string {
    return router.params().get('workflow') ?? '';
  }

  set workflowKey(workflowKey: string) {
    this.#setFilters({ workflowKey });
  }

  get accountId(): string {
    return router.params().get('account') ?? '';
  }

  set accountId(accountId: string) {
    this.#setFilters({ accountId });
  }

  /** Returns the name of a task's assignee, or `null` while the user list is not loaded. */
  assigneeName(assigneeId: string | null): string | null {
    if (assigneeId === null) return 'Nobody';
    return this.people.find((person) => person.id === assigneeId)?.name ?? null;
  }

  async load(): Promise<void> {
    this.loading = true;
    const scope = this.scope;
    const input = {
      ...(scope.kind === 'team' ? { everyone: true } : {}),
      ...(scope.kind === 'user' ? { assigneeId: scope.userId } : {}),
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

  /** Loads the people a lead or admin may pick; CSMs see only their own tasks and skip this. */
  async loadPeople(): Promise<void> {
    if (!session.can('lead', 'admin')) return;
    try {
      this.people = await api.users.list.query();
    } catch (error) {
      this.error = `The team could not be loaded: ${errorMessage(error)}`;
    }
  }

  #setFilters(change: { scope?: TaskScope; workflowKey?: string; accountId?: string }): void {
    const scope = change.scope ?? this.scope;
    router.setParams({
      scope: scope.kind === 'team' ? 'team' : null,
      assignee: scope.kind === 'user' ? scope.userId : null,
      workflow: change.workflowKey ?? this.workflowKey,
      account: change.accountId ?? this.accountId,
    });
  }
}

/** Creates the task list model, loads the team once and reloads the list when a filter changes. */
export function useTaskGroups(): TaskGroupsModel {
  const model = new TaskGroupsModel();
  $effect(() => {
    void [model.scope, model.workflowKey, model.accountId];
    void model.load();
  });
  $effect(() => {
    void model.loadPeople();
  });
  return model;
}
