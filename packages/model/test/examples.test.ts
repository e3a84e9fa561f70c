import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseAccountMapping, validateDefinition } from '../src/index.ts';
import type { Condition, WorkflowDefinition } from '../src/index.ts';

const examples = new URL('../../../examples/', import.meta.url);
const readExample = (path: string): unknown =>
  JSON.parse(readFileSync(new URL(path, examples), 'utf8'));

/** Workflow files: everything in `workflows/`, and in `ravenstack/` all but team and mapping. */
const workflowFiles = [
  ...readdirSync(new URL('workflows/', examples))
    .filter((name) => name.endsWith('.json'))
    .map((name) => `workflows/${name}`),
  ...readdirSync(new URL('ravenstack/', examples))
    .filter((name) => name.endsWith('.json'))
    .filter((name) => name !== 'team.json' && !name.endsWith('.mapping.json'))
    .map((name) => `ravenstack/${name}`),
];

function definitionOf(path: string): WorkflowDefinition {
  const result = validateDefinition(readExample(path));
  if (!result.ok) throw new Error(result.problems.map((problem) => problem.message).join('\n'));
  return result.definition;
}

function conditionFields(condition: Condition): string[] {
  if ('all' in condition) return condition.all.flatMap(conditionFields);
  if ('any' in condition) return condition.any.flatMap(conditionFields);
  return [condition.field];
}

/** Field names a mapping gives an imported account, built-in fields included. */
function mappedFieldNames(mappingPath: string): string[] {
  const mapping = parseAccountMapping(readExample(mappingPath));
  const builtIn = ['id', 'name', 'owner', 'segment', 'stage'];
  return [...builtIn, ...Object.keys(mapping.dates), ...Object.keys(mapping.fields)];
}

describe('example workflows', () => {
  it('include the expected files', () => {
    expect(workflowFiles).toEqual(
      expect.arrayContaining([
        'workflows/onboarding.json',
        'workflows/renewal.json',
        'workflows/qbr.json',
        'ravenstack/renewal.json',
      ]),
    );
  });

  it.each(workflowFiles)('%s passes validateDefinition', (path) => {
    const result = validateDefinition(readExample(path));
    expect(result.problems).toEqual([]);
    expect(result.ok).toBe(true);
  });

  it('use unique keys', () => {
    const keys = workflowFiles.map((path) => definitionOf(path).key);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it.each(workflowFiles)('%s has distinct canvas positions', (path) => {
    const positions = definitionOf(path).milestones.map(
      ({ position }) => `${position.x},${position.y}`,
    );
    expect(new Set(positions).size).toBe(positions.length);
  });

  it.each(workflowFiles)('%s mixes required and optional items', (path) => {
    const items = definitionOf(path).milestones.flatMap((milestone) => milestone.checklist);
    expect(items.some((item) => item.required)).toBe(true);
    expect(items.some((item) => !item.required)).toBe(true);
  });

  it('onboarding runs the sponsor review for Enterprise only', () => {
    const onboarding = definitionOf('workflows/onboarding.json');
    const review = onboarding.milestones.find(({ id }) => id === 'executive_sponsor_review');
    expect(onboarding.key).toBe('onboarding');
    expect(review?.condition).toEqual({ field: 'segment', op: 'eq', value: 'Enterprise' });
  });

  it('renewal milestones are due before renewal_date', () => {
    const renewal = definitionOf('workflows/renewal.json');
    expect(renewal.key).toBe('renewal');
    for (const milestone of renewal.milestones) {
      expect(milestone.due).toMatchObject({ kind: 'account_date', field: 'renewal_date' });
      expect(milestone.due?.days).toBeLessThanOrEqual(0);
    }
  });

  it('RavenStack renewal milestones are due relative to the anchor', () => {
    const renewal = definitionOf('ravenstack/renewal.json');
    expect(renewal.key).toBe('ravenstack-renewal');
    for (const milestone of renewal.milestones) {
      expect(milestone.due?.kind).toBe('anchor');
      expect(milestone.due?.days).toBeLessThanOrEqual(0);
    }
  });

  it('demo workflows read fields the demo mapping imports', () => {
    const known = mappedFieldNames('accounts.mapping.json');
    for (const path of workflowFiles.filter((file) => file.startsWith('workflows/'))) {
      for (const milestone of definitionOf(path).milestones) {
        const fields = milestone.condition ? conditionFields(milestone.condition) : [];
        if (milestone.due?.kind === 'account_date') fields.push(milestone.due.field);
        for (const field of fields) expect(known, `${path} ${milestone.id}`).toContain(field);
      }
    }
  });

  it('RavenStack workflows read fields the RavenStack mapping imports', () => {
    const known = mappedFieldNames('ravenstack/accounts.mapping.json');
    for (const path of workflowFiles.filter((file) => file.startsWith('ravenstack/'))) {
      for (const milestone of definitionOf(path).milestones) {
        const fields = milestone.condition ? conditionFields(milestone.condition) : [];
        if (milestone.due?.kind === 'account_date') fields.push(milestone.due.field);
        for (const field of fields) expect(known, `${path} ${milestone.id}`).toContain(field);
      }
    }
  });
});
