import type { Dependency, Position } from '@milepost/model';
import type { DesignerDocument, DesignerMilestone } from './document.ts';
import { uniqueId } from './ids.ts';

/** Copied milestones and the dependencies among them. */
export interface Snippet {
  milestones: DesignerMilestone[];
  dependencies: Dependency[];
}

/** Copies the given milestones and the dependencies whose both ends are among them. */
export function copySelection(document: DesignerDocument, ids: Iterable<string>): Snippet {
  const selected = new Set(ids);
  return structuredClone({
    milestones: document.milestones.filter(({ id }) => selected.has(id)),
    dependencies: document.dependencies.filter(
      ({ from, to }) => selected.has(from) && selected.has(to),
    ),
  });
}

/**
 * Gives pasted milestones ids unused in `document`, shifts them by `offset` and points the
 * copied dependencies at the new ids.
 */
export function prepareSnippet(
  snippet: Snippet,
  document: DesignerDocument,
  offset: Position,
): Snippet {
  const taken = new Set(document.milestones.map(({ id }) => id));
  const renamed = new Map<string, string>();
  for (const milestone of snippet.milestones) {
    const id = uniqueId(milestone.id, taken);
    taken.add(id);
    renamed.set(milestone.id, id);
  }

  const milestones = snippet.milestones.map((milestone) => ({
    ...structuredClone(milestone),
    id: renamed.get(milestone.id)!,
    position: { x: milestone.position.x + offset.x, y: milestone.position.y + offset.y },
  }));
  const dependencies = snippet.dependencies.map(({ from, to }) => ({
    from: renamed.get(from)!,
    to: renamed.get(to)!,
  }));
  return { milestones, dependencies };
}
