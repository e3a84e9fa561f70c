import type { Dependency } from './definition.ts';

/** Adjacency of a milestone graph: for each milestone id, the ids it points to. */
export type Adjacency = ReadonlyMap<string, readonly string[]>;

/** Builds successor lists for `ids` from dependencies, ignoring edges to unknown ids. */
export function successorsOf(ids: readonly string[], dependencies: readonly Dependency[]) {
  const successors = new Map<string, string[]>(ids.map((id) => [id, []]));
  for (const { from, to } of dependencies) {
    if (successors.has(to)) successors.get(from)?.push(to);
  }
  return successors;
}

/** Builds predecessor lists for `ids` from dependencies, ignoring edges from unknown ids. */
export function predecessorsOf(ids: readonly string[], dependencies: readonly Dependency[]) {
  const predecessors = new Map<string, string[]>(ids.map((id) => [id, []]));
  for (const { from, to } of dependencies) {
    if (predecessors.has(from)) predecessors.get(to)?.push(from);
  }
  return predecessors;
}

/**
 * Finds one cycle in each strongly connected part of the graph (Tarjan's algorithm), each
 * returned as a path that starts and ends at the same id: `['a', 'b', 'a']`.
 */
export function findCycles(graph: Adjacency): string[][] {
  const index = new Map<string, number>();
  const lowLink = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const cycles: string[][] = [];
  let counter = 0;

  // Iterative, so a long chain of milestones cannot overflow the call stack.
  for (const root of graph.keys()) {
    if (index.has(root)) continue;
    const frames: { id: string; next: number }[] = [{ id: root, next: 0 }];
    index.set(root, counter);
    lowLink.set(root, counter++);
    stack.push(root);
    onStack.add(root);

    while (frames.length > 0) {
      const frame = frames[frames.length - 1]!;
      const successors = graph.get(frame.id) ?? [];
      if (frame.next < successors.length) {
        const successor = successors[frame.next++]!;
        if (!index.has(successor)) {
          index.set(successor, counter);
          lowLink.set(successor, counter++);
          stack.push(successor);
          onStack.add(successor);
          frames.push({ id: successor, next: 0 });
        } else if (onStack.has(successor)) {
          lowLink.set(frame.id, Math.min(lowLink.get(frame.id)!, index.get(successor)!));
        }
        continue;
      }

      frames.pop();
      const parent = frames[frames.length - 1];
      if (parent) lowLink.set(parent.id, Math.min(lowLink.get(parent.id)!, lowLink.get(frame.id)!));
      if (lowLink.get(frame.id) !== index.get(frame.id)) continue;

      const component = new Set<string>();
      let member: string;
      do {
        member = stack.pop()!;
        onStack.delete(member);
        component.add(member);
      } while (member !== frame.id);

      const selfLoop = (graph.get(frame.id) ?? []).includes(frame.id);
      if (component.size > 1 || selfLoop) cycles.push(cycleWithin(graph, component, frame.id));
    }
  }
  return cycles;
}

/** Walks from `start` inside one strongly connected part until it returns to `start`. */
function cycleWithin(graph: Adjacency, component: Set<string>, start: string): string[] {
  const previous = new Map<string, string>();
  const queue = [start];
  while (queue.length > 0) {
    const id = queue.shift()!;
    for (const successor of graph.get(id) ?? []) {
      if (!component.has(successor)) continue;
      if (successor === start) {
        const path = [start];
        let step = id;
        while (step !== start) {
          path.splice(1, 0, step);
          step = previous.get(step) ?? start;
        }
        return [...path, start];
      }
      if (!previous.has(successor)) {
        previous.set(successor, id);
        queue.push(successor);
      }
    }
  }
  return [start, start];
}

/** Returns the ids on a path from `from` to `to`, or `null` when `to` cannot be reached. */
export function findPath(graph: Adjacency, from: string, to: string): string[] | null {
  const previous = new Map<string, string | null>([[from, null]]);
  const queue = [from];
  while (queue.length > 0) {
    const id = queue.shift()!;
    if (id === to) {
      const path: string[] = [];
      for (let step: string | null = id; step !== null; step = previous.get(step) ?? null) {
        path.unshift(step);
      }
      return path;
    }
    for (const successor of graph.get(id) ?? []) {
      if (previous.has(successor)) continue;
      previous.set(successor, id);
      queue.push(successor);
    }
  }
  return null;
}

/**
 * Returns the cycle that the edge `from -> to` would close, as a path from `from` back to
 * `from`, or `null` when the edge keeps the graph acyclic.
 */
export function cycleClosedBy(graph: Adjacency, from: string, to: string): string[] | null {
  const path = findPath(graph, to, from);
  return path ? [from, ...path] : null;
}

/** Orders ids so that every id comes after its predecessors (Kahn's algorithm, stable). */
export function topologicalOrder(graph: Adjacency): string[] {
  const inDegree = new Map<string, number>([...graph.keys()].map((id) => [id, 0]));
  for (const successors of graph.values()) {
    for (const successor of successors) inDegree.set(successor, (inDegree.get(successor) ?? 0) + 1);
  }
  const ready = [...graph.keys()].filter((id) => inDegree.get(id) === 0);
  const order: string[] = [];
  while (ready.length > 0) {
    const id = ready.shift()!;
    order.push(id);
    for (const successor of graph.get(id) ?? []) {
      const remaining = inDegree.get(successor)! - 1;
      inDegree.set(successor, remaining);
      if (remaining === 0) ready.push(successor);
    }
  }
  return order;
}
