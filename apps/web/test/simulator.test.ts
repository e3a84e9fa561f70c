import { compileWorkflow, projectSchedule } from '@milepost/compiler';
import { DAY_MS, parseDefinition, type WorkflowDefinitionInput } from '@milepost/model';
import { describe, expect, it } from 'vitest';
import { HOUR_MS, SimulatorSession } from '../src/simulator/session.ts';

const START = Date.UTC(2025, 2, 3);

/** Kickoff, then setup (with a checklist) and training in parallel, then go-live. */
const INPUT: WorkflowDefinitionInput = {
  key: 'sim',
  name: 'Simulated onboarding',
  targetDays: 10,
  milestones: [
    { id: 'kickoff', name: 'Kickoff', targetDays: 2 },
    {
      id: 'setup',
      name: 'Setup',
      targetDays: 5,
      checklist: [
        { id: 'roles', title: 'Configure roles', required: true },
        { id: 'logo', title: 'Upload the logo', required: false },
      ],
    },
    { id: 'training', name: 'Training', targetDays: 3 },
    {
      id: 'review',
      name: 'Executive review',
      targetDays: 1,
      condition: { field: 'segment', op: 'eq', value: 'Enterprise' },
    },
    { id: 'golive', name: 'Go-live', targetDays: 1 },
  ],
  dependencies: [
    { from: 'kickoff', to: 'setup' },
    { from: 'kickoff', to: 'training' },
    { from: 'kickoff', to: 'review' },
    { from: 'setup', to: 'golive' },
    { from: 'training', to: 'golive' },
    { from: 'review', to: 'golive' },
  ],
};

function session(account = {}) {
  const compiled = compileWorkflow(parseDefinition(INPUT, 'The test workflow'));
  return new SimulatorSession(compiled, { startAt: START, account });
}

describe('SimulatorSession', () => {
  it('starts with the roots ready', () => {
    const sim = session();
    expect(sim.states().kickoff).toBe('ready');
    expect(sim.states().setup).toBe('locked');
    expect(sim.now).toBe(START);
    expect(sim.log).toEqual([]);
  });

  it('steps a milestone through start and complete', () => {
    const sim = session();
    expect(sim.start('kickoff')).toEqual({ ok: true });
    expect(sim.states().kickoff).toBe('active');
    expect(sim.complete('kickoff')).toEqual({ ok: true });
    expect(sim.states().kickoff).toBe('done');
    expect(sim.states().setup).toBe('ready');
    expect(sim.states().training).toBe('ready');
  });

  it('skips a conditional milestone the account fails', () => {
    const sim = session({ segment: 'SMB' });
    sim.start('kickoff');
    sim.complete('kickoff');
    expect(sim.states().review).toBe('skipped');
    expect(sim.dueAt('review')).toBeNull();
  });

  it('rejects completing with a required item open', () => {
    const sim = session();
    sim.start('kickoff');
    sim.complete('kickoff');
    sim.start('setup');
    const result = sim.complete('setup');
    expect(result.ok).toBe(false);
    expect(sim.states().setup).toBe('active');

    expect(sim.toggleItem('setup', 'roles', true)).toEqual({ ok: true });
    expect(sim.items('setup')).toEqual({ roles: true });
    expect(sim.complete('setup')).toEqual({ ok: true });
  });

  it('rejects starting a locked milestone', () => {
    const sim = session();
    const result = sim.start('golive');
    expect(result.ok).toBe(false);
    expect(sim.log).toEqual([]);
  });

  it('skips a ready milestone', () => {
    const sim = session();
    sim.start('kickoff');
    sim.complete('kickoff');
    expect(sim.skip('training')).toEqual({ ok: true });
    expect(sim.states().training).toBe('skipped');
  });

  it('advances the clock by hours and days', () => {
    const sim = session();
    sim.advance(3 * HOUR_MS);
    sim.advance(2 * DAY_MS);
    expect(sim.now).toBe(START + 3 * HOUR_MS + 2 * DAY_MS);
    expect(sim.log.map((entry) => entry.message)).toEqual([
      'Clock moved forward 3 hours',
      'Clock moved forward 2 days',
    ]);
    expect(() => sim.advance(0)).toThrow(RangeError);
  });

  it('marks a milestone overdue after its due time', () => {
    const sim = session();
    expect(sim.dueAt('kickoff')).toBe(START + 2 * DAY_MS);
    sim.advance(2 * DAY_MS);
    expect(sim.overdue('kickoff')).toBe(false);
    sim.advance(HOUR_MS);
    expect(sim.overdue('kickoff')).toBe(true);
  });

  it('advances to the next due date', () => {
    const sim = session();
    sim.advance(HOUR_MS);
    sim.start('kickoff');
    sim.complete('kickoff');
    const readyAt = START + HOUR_MS;
    expect(sim.readyAt.get('training')).toBe(readyAt);
    expect(sim.nextDueAt()).toBe(readyAt + 3 * DAY_MS);

    expect(sim.advanceToNextDue()).toBe(true);
    expect(sim.now).toBe(readyAt + 3 * DAY_MS);
    expect(sim.nextDueAt()).toBe(readyAt + 5 * DAY_MS);
  });

  it('finds no next due date when all are past', () => {
    const sim = session();
    sim.advance(5 * DAY_MS);
    expect(sim.nextDueAt()).toBeNull();
    expect(sim.advanceToNextDue()).toBe(false);
  });

  it('pauses and resumes', () => {
    const sim = session();
    expect(sim.pause()).toEqual({ ok: true });
    expect(sim.status()).toBe('paused');
    expect(sim.start('kickoff').ok).toBe(false);
    expect(sim.resume()).toEqual({ ok: true });
    expect(sim.status()).toBe('running');
    expect(sim.start('kickoff')).toEqual({ ok: true });
  });

  it('resets to the start', () => {
    const sim = session();
    sim.start('kickoff');
    sim.advance(DAY_MS);
    sim.complete('kickoff');
    sim.reset();
    expect(sim.now).toBe(START);
    expect(sim.states().kickoff).toBe('ready');
    expect(sim.doneAt.size).toBe(0);
    expect(sim.log.map((entry) => entry.kind)).toEqual(['reset']);
  });

  it('logs every step with its simulated time', () => {
    const sim = session();
    sim.start('kickoff');
    sim.advance(DAY_MS);
    sim.complete('kickoff');
    expect(sim.log).toEqual([
      { seq: 1, at: START, kind: 'start', milestoneId: 'kickoff', message: 'Started "Kickoff"' },
      {
        seq: 2,
        at: START + DAY_MS,
        kind: 'advance',
        milestoneId: null,
        message: 'Clock moved forward 1 day',
      },
      {
        seq: 3,
        at: START + DAY_MS,
        kind: 'complete',
        milestoneId: 'kickoff',
        message: 'Completed "Kickoff"',
      },
    ]);
  });

  it('auto-runs to the projected schedule', () => {
    const sim = session({ segment: 'Enterprise' });
    expect(sim.autoRun()).toEqual({ ok: true });
    expect(sim.status()).toBe('completed');
    expect(sim.log.at(-1)?.kind).toBe('finish');

    const projection = projectSchedule(sim.compiled.graph, {
      startAt: START,
      account: { segment: 'Enterprise' },
    });
    for (const milestone of projection.milestones) {
      expect(sim.readyAt.get(milestone.id), milestone.id).toBe(milestone.readyAt);
      expect(sim.doneAt.get(milestone.id), milestone.id).toBe(milestone.doneAt);
    }
    expect(sim.now).toBe(projection.endAt);
  });

  it('auto-runs from a paused instance', () => {
    const sim = session();
    sim.pause();
    expect(sim.autoRun()).toEqual({ ok: true });
    expect(sim.status()).toBe('completed');
  });
});
