import type { ProjectedMilestone, Projection } from '@milepost/compiler';
import { DAY_MS } from '@milepost/model';
import * as Plot from '@observablehq/plot';

/** One bar of the Gantt chart. */
export interface GanttRow {
  name: string;
  start: Date;
  end: Date;
  lane: 'Critical path' | 'Other milestones' | 'Skipped';
}

function laneOf(milestone: ProjectedMilestone): GanttRow['lane'] {
  if (milestone.skipped) return 'Skipped';
  if (milestone.critical) return 'Critical path';
  return 'Other milestones';
}

export function ganttRows(projection: Projection): GanttRow[] {
  return projection.milestones.map((milestone) => ({
    name: milestone.name,
    start: new Date(milestone.readyAt),
    end: new Date(milestone.doneAt),
    lane: laneOf(milestone),
  }));
}

/**
 * Draws the projected timeline as a Gantt chart: one bar per milestone from ready to done, the
 * critical path in its own colour, and rules at the projected end and at the workflow's target.
 */
export function drawGantt(projection: Projection, width: number): SVGSVGElement | HTMLElement {
  const rows = ganttRows(projection);
  const ends = [{ label: 'Projected end', at: new Date(projection.endAt) }];
  if (projection.targetDays !== null) {
    ends.push({
      label: 'Target',
      at: new Date(projection.startAt + projection.targetDays * DAY_MS),
    });
  }

  return Plot.plot({
    width,
    height: 60 + rows.length * 30,
    marginLeft: 200,
    marginRight: 90,
    x: { type: 'utc', label: 'Date (UTC)', grid: true },
    y: { domain: rows.map((row) => row.name), label: null },
    color: {
      domain: ['Critical path', 'Other milestones', 'Skipped'],
      range: ['#c2410c', '#2563eb', '#9ca3af'],
      legend: true,
    },
    marks: [
      Plot.barX(rows, {
        x1: 'start',
        x2: 'end',
        y: 'name',
        fill: 'lane',
        insetTop: 4,
        insetBottom: 4,
        title: (row: GanttRow) =>
          `${row.name}: ${row.start.toISOString().slice(0, 10)} to ${row.end.toISOString().slice(0, 10)}`,
      }),
      Plot.ruleX(ends, {
        x: 'at',
        stroke: (end: { label: string }) => (end.label === 'Target' ? '#15803d' : '#111827'),
        strokeDasharray: '4 3',
      }),
      // The target label sits one line lower, so the two labels stay apart when the dates meet.
      ...ends.map((end) =>
        Plot.text([end], {
          x: 'at',
          frameAnchor: 'top',
          text: 'label',
          dy: end.label === 'Target' ? 12 : -2,
          textAnchor: 'start',
          dx: 4,
        }),
      ),
    ],
  });
}
