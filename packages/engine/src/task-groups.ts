import { DAY_MS } from '@milepost/model';
import type { Task } from './queries.ts';

export type TaskGroupKey = 'overdue' | 'today' | 'this_week' | 'later' | 'no_date';

export interface TaskGroup {
  key: TaskGroupKey;
  label: string;
  count: number;
  tasks: Task[];
}

const LABELS: Record<TaskGroupKey, string> = {
  overdue: 'Overdue',
  today: 'Today',
  this_week: 'This week',
  later: 'Later',
  no_date: 'No date',
};

/**
 * Groups tasks by due date relative to `now`, in UTC calendar days with weeks from Monday to
 * Sunday: overdue (due before now), today, the rest of this week, later, and no due date.
 */
export function groupTasksByDue(tasks: readonly Task[], now: number): TaskGroup[] {
  const startOfToday = Math.floor(now / DAY_MS) * DAY_MS;
  const endOfToday = startOfToday + DAY_MS;
  const weekday = (new Date(startOfToday).getUTCDay() + 6) % 7;
  const endOfWeek = startOfToday + (7 - weekday) * DAY_MS;

  const groups = new Map<TaskGroupKey, Task[]>(
    (Object.keys(LABELS) as TaskGroupKey[]).map((key) => [key, []]),
  );
  for (const task of tasks) {
    const due = task.dueAt;
    const key: TaskGroupKey =
      due === null
        ? 'no_date'
        : due < now
          ? 'overdue'
          : due < endOfToday
            ? 'today'
            : due < endOfWeek
              ? 'this_week'
              : 'later';
    groups.get(key)!.push(task);
  }
  return [...groups].map(([key, list]) => ({
    key,
    label: LABELS[key],
    count: list.length,
    tasks: list,
  }));
}
