import { errorMessage } from '../lib/errors.ts';
import { api, type ApiInputs, type ApiOutputs, type TeamMember } from '../lib/trpc.ts';

export type ReportOverview = ApiOutputs['reports']['overview'];
export type ReportFilterInput = ApiInputs['reports']['overview']['filter'];
export type Breakdown = NonNullable<ApiInputs['reports']['overview']['breakdown']>;
export type WorkflowSummary = ApiOutputs['workflows']['list'][number];

/** The filter fields as the form edits them: empty strings mean "any". */
export interface FilterFields {
  from: string;
  to: string;
  ownerId: string;
  segment: string;
  versions: number[];
}

/** State of the reports page: the lists behind the pickers, the filter and the loaded overview. */
export class ReportsModel {
  workflows = $state<WorkflowSummary[] | null>(null);
  people = $state<TeamMember[]>([]);
  listError = $state<string | null>(null);
  workflowKey = $state('');
  fields = $state<FilterFields>({ from: '', to: '', ownerId: '', segment: '', versions: [] });
  breakdown = $state<Breakdown>('none');
  overview = $state<ReportOverview | null>(null);
  loading = $state(false);
  error = $state<string | null>(null);
  /** Milestone ids in the order of the latest version's definition, for charts and tables. */
  milestoneOrder = $state<string[]>([]);
  #request = 0;
  #orderKey = '';

  readonly ownerNames: Readonly<Record<string, string>> = $derived(
    Object.fromEntries(this.people.map((person) => [person.id, person.name])),
  );
  readonly published = $derived((this.workflows ?? []).filter((w) => w.latestVersion !== null));

  /** Loads the workflows and the team for the pickers. */
  async loadLists(): Promise<void> {
    this.listError = null;
    try {
      const [workflows, people] = await Promise.all([
        api.workflows.list.query(),
        api.users.list.query(),
      ]);
      this.workflows = workflows;
      this.people = people;
    } catch (error) {
      this.listError = errorMessage(error);
    }
  }

  /** The filter as the API expects it, without the fields left empty. */
  get filter(): ReportFilterInput {
    const { from, to, ownerId, segment, versions } = this.fields;
    return {
      workflowKey: this.workflowKey,
      ...(versions.length > 0 ? { versions: [...versions] } : {}),
      ...(from ? { from } : {}),
      ...(to ? { to } : {}),
      ...(ownerId ? { ownerId } : {}),
      ...(segment.trim() ? { segment: segment.trim() } : {}),
    };
  }

  /** Loads the overview for the current filter; an older request that ends late is dropped. */
  async load(): Promise<void> {
    if (!this.workflowKey) {
      this.overview = null;
      return;
    }
    const request = ++this.#request;
    this.loading = true;
    this.error = null;
    try {
      const overview = await api.reports.overview.query({
        filter: this.filter,
        breakdown: this.breakdown,
      });
      if (this.#orderKey !== this.workflowKey) await this.#loadOrder();
      if (request === this.#request) this.overview = overview;
    } catch (error) {
      if (request === this.#request) this.error = errorMessage(error);
    } finally {
      if (request === this.#request) this.loading = false;
    }
  }

  async #loadOrder(): Promise<void> {
    const key = this.workflowKey;
    const latest = await api.workflows.get.query({ key });
    this.milestoneOrder = latest.definition.milestones.map((milestone) => milestone.id);
    this.#orderKey = key;
  }

  /** Switches to another workflow, clearing the version filter that belonged to the last one. */
  selectWorkflow(key: string): void {
    if (key === this.workflowKey) return;
    this.workflowKey = key;
    this.fields.versions = [];
    this.overview = null;
  }
}
