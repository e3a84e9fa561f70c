import type { CompiledWorkflow } from '@milepost/compiler';
import type { Engine, ManualClock } from '@milepost/engine';
import { DAY_MS } from '@milepost/model';

/**
 * Works one instance the way a CSM would, on a simulated clock: each ready milestone is started,
 * its required items ticked and it is completed after its target duration scaled by a random
 * pace (0.5 to 1.8). Work stops at `until`, so the instance is left where a real team would be.
 * Every transition is marked as simulated. Times are whole milliseconds, as the database stores
 * them in integer columns.
 */
export async function workInstance(
  engine: Engine,
  clock: ManualClock,
  compiled: CompiledWorkflow,
  instanceId: string,
  userId: string,
  until: number,
  random: () => number,
): Promise<void> {
  const due = new Map<string, number>();
  let now = clock.now();

  for (;;) {
    const view = await engine.queries.instance(instanceId);
    if (view.status !== 'running') return;
    for (const milestone of view.milestones) {
      if (milestone.state === 'ready' && !due.has(milestone.id)) {
        const target = compiled.graph.milestones.get(milestone.id)!.targetDays;
        const days = Math.max(0.2, target * (0.5 + random() * 1.3));
        due.set(milestone.id, now + Math.round(days * DAY_MS));
      }
    }
    const [next] = [...due.entries()].sort((a, b) => a[1] - b[1]);
    if (!next || next[1] > until) return;

    const [milestoneId, at] = next;
    due.delete(milestoneId);
    const startedAt = Math.min(at, now + Math.round(DAY_MS * random()));
    clock.set(Math.max(now, startedAt));
    const apply = (event: Parameters<Engine['instances']['apply']>[0]['event']) =>
      engine.instances.apply({ instanceId, event, userId, simulated: true });

    await apply({ type: 'START', milestoneId });
    const items = compiled.graph.milestones.get(milestoneId)!.checklist;
    for (const item of items) {
      if (item.required || random() < 0.5) {
        await apply({ type: 'TOGGLE_ITEM', milestoneId, itemId: item.id, done: true });
      }
    }
    now = Math.max(now, at);
    clock.set(now);
    await apply({ type: 'COMPLETE', milestoneId });
  }
}
