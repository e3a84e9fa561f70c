import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { AccountMapping, parseAccountMapping, parseTeamFile } from '../src/index.ts';

const examples = new URL('../../../examples/', import.meta.url);
const readExample = (path: string): unknown =>
  JSON.parse(readFileSync(new URL(path, examples), 'utf8'));

/** Returns the message of the error `run` throws, failing the test when it throws none. */
function errorMessage(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('Expected an error, but none was thrown.');
}

describe('parseTeamFile', () => {
  it.each(['team.json', 'ravenstack/team.json'])('accepts examples/%s', (path) => {
    const team = parseTeamFile(readExample(path));
    const roles = team.users.map((user) => user.role);
    expect(roles).toContain('admin');
    expect(roles).toContain('lead');
    expect(roles.filter((role) => role === 'csm').length).toBeGreaterThanOrEqual(4);
  });

  it('lists every problem with its path', () => {
    const message = errorMessage(() =>
      parseTeamFile({
        users: [
          { email: 'not-an-email', name: 'Ada', role: 'csm' },
          { email: 'bo@example.com', name: '', role: 'owner' },
        ],
      }),
    );
    expect(message).toMatch(/^The team file is invalid:/);
    expect(message).toContain('users.0.email');
    expect(message).toContain('users.1.name');
    expect(message).toContain('users.1.role');
  });

  it('rejects a password field', () => {
    const message = errorMessage(() =>
      parseTeamFile({
        users: [{ email: 'ada@example.com', name: 'Ada', role: 'csm', password: 'secret' }],
      }),
    );
    expect(message).toContain('users.0');
    expect(message).toContain('"password"');
  });

  it('rejects an email repeated in another case', () => {
    const message = errorMessage(() =>
      parseTeamFile({
        users: [
          { email: 'ada@example.com', name: 'Ada', role: 'csm' },
          { email: 'Ada@Example.com', name: 'Ada again', role: 'lead' },
        ],
      }),
    );
    expect(message).toContain('users.1.email');
    expect(message).toContain('users.0.email');
  });

  it('rejects an empty team and names the source', () => {
    const message = errorMessage(() => parseTeamFile({ users: [] }, 'team.json'));
    expect(message).toMatch(/^team\.json is invalid:/);
    expect(message).toContain('users');
  });

  it('keeps the zod error as the cause', () => {
    try {
      parseTeamFile('users');
    } catch (error) {
      expect((error as Error).cause).toBeDefined();
      expect((error as Error).message).toContain('(top level)');
      return;
    }
    throw new Error('Expected an error, but none was thrown.');
  });
});

describe('parseAccountMapping', () => {
  it('accepts the demo mapping', () => {
    const mapping = parseAccountMapping(readExample('accounts.mapping.json'));
    expect(mapping.owner).toBe('owner_email');
    expect(mapping.dates).toEqual({ signup_date: 'signup_date', renewal_date: 'renewal_date' });
    expect(mapping.fields.arr).toEqual({ column: 'arr_usd', type: 'number' });
    expect(mapping.fields.auto_renew?.type).toBe('boolean');
  });

  it('accepts the RavenStack mapping', () => {
    const mapping = parseAccountMapping(readExample('ravenstack/accounts.mapping.json'));
    expect(mapping.segment).toBe('plan_tier');
    expect(mapping.ownerRule?.kind).toBe('round_robin');
    expect(mapping.stageRules?.default).toBe('Active');
    expect(mapping.fields.seats?.type).toBe('number');
    expect(mapping.fields.is_trial?.type).toBe('boolean');
    expect(mapping.fields.churn_flag?.type).toBe('boolean');
  });

  it('fills in defaults', () => {
    const mapping = parseAccountMapping({ id: 'id', name: 'name' });
    expect(mapping.dateFormat).toBe('YYYY-MM-DD');
    expect(mapping.booleans.true).toEqual(['true', 'yes', '1']);
    expect(mapping.booleans.false).toEqual(['false', 'no', '0']);
    expect(mapping.dates).toEqual({});
    expect(mapping.fields).toEqual({});
  });

  it('accepts both owner rule kinds', () => {
    const roundRobin = { kind: 'round_robin', users: ['a@example.com', 'b@example.com'] };
    const bySegment = {
      kind: 'by_segment',
      segments: { Enterprise: 'a@example.com' },
      default: 'b@example.com',
    };
    const base = { id: 'id', name: 'name', segment: 'tier' };
    expect(AccountMapping.safeParse({ ...base, ownerRule: roundRobin }).success).toBe(true);
    expect(AccountMapping.safeParse({ ...base, ownerRule: bySegment }).success).toBe(true);
  });

  it('rejects an unknown field type with its path', () => {
    const message = errorMessage(() =>
      parseAccountMapping({
        id: 'id',
        name: 'name',
        fields: { seats: { column: 'seats', type: 'integer' } },
      }),
    );
    expect(message).toMatch(/^The account mapping is invalid:/);
    expect(message).toContain('fields.seats.type');
    expect(message).toContain('"number"');
  });

  it('rejects a misspelt key', () => {
    const message = errorMessage(() =>
      parseAccountMapping({ id: 'id', name: 'name', dateformat: 'MM/DD/YYYY' }),
    );
    expect(message).toContain('"dateformat"');
  });

  it('rejects a missing id column', () => {
    const message = errorMessage(() => parseAccountMapping({ name: 'name' }));
    expect(message).toContain('  - id:');
  });

  it('rejects an unknown date format', () => {
    const message = errorMessage(() =>
      parseAccountMapping({ id: 'id', name: 'name', dateFormat: 'DD.MM.YYYY' }),
    );
    expect(message).toContain('dateFormat');
    expect(message).toContain('"MM/DD/YYYY"');
  });

  it('rejects an owner column beside an owner rule', () => {
    const message = errorMessage(() =>
      parseAccountMapping({
        id: 'id',
        name: 'name',
        owner: 'owner_email',
        ownerRule: { kind: 'round_robin', users: ['a@example.com'] },
      }),
    );
    expect(message).toContain('ownerRule: Give either an owner column or an ownerRule');
  });

  it('rejects a by-segment rule without a segment column', () => {
    const message = errorMessage(() =>
      parseAccountMapping({
        id: 'id',
        name: 'name',
        ownerRule: { kind: 'by_segment', segments: { SMB: 'a@example.com' } },
      }),
    );
    expect(message).toContain('needs a segment column');
  });

  it('rejects an invalid email in an owner rule', () => {
    const message = errorMessage(() =>
      parseAccountMapping({
        id: 'id',
        name: 'name',
        ownerRule: { kind: 'round_robin', users: ['a@example.com', 'bob'] },
      }),
    );
    expect(message).toContain('ownerRule.users.1');
  });

  it('rejects a round-robin rule with no users', () => {
    const message = errorMessage(() =>
      parseAccountMapping({
        id: 'id',
        name: 'name',
        ownerRule: { kind: 'round_robin', users: [] },
      }),
    );
    expect(message).toContain('ownerRule.users');
  });

  it('rejects a stage column beside stage rules', () => {
    const stageRules = { rules: [{ when: { field: 'x', op: 'exists' }, stage: 'Live' }] };
    const message = errorMessage(() =>
      parseAccountMapping({ id: 'id', name: 'name', stage: 'stage', stageRules }),
    );
    expect(message).toContain('stageRules: Give either a stage column or stageRules');
  });

  it('rejects a stage rule with an invalid condition', () => {
    const stageRules = { rules: [{ when: { field: 'x', op: 'equals', value: 1 }, stage: 'Live' }] };
    const message = errorMessage(() => parseAccountMapping({ id: 'id', name: 'name', stageRules }));
    expect(message).toContain('stageRules.rules.0.when');
  });

  it('rejects value maps without their column', () => {
    const message = errorMessage(() =>
      parseAccountMapping({
        id: 'id',
        name: 'name',
        segmentValues: { Basic: 'SMB' },
        stageValues: { live: 'Active' },
      }),
    );
    expect(message).toContain('segmentValues: segmentValues needs a segment column');
    expect(message).toContain('stageValues: stageValues needs a stage column');
  });

  it('rejects value map keys that differ only in case', () => {
    const message = errorMessage(() =>
      parseAccountMapping({
        id: 'id',
        name: 'name',
        segment: 'tier',
        segmentValues: { Basic: 'SMB', BASIC: 'SMB' },
      }),
    );
    expect(message).toContain('segmentValues.BASIC');
  });

  it('rejects built-in and repeated field names', () => {
    const message = errorMessage(() =>
      parseAccountMapping({
        id: 'id',
        name: 'name',
        dates: { stage: 'stage_date', signup: 'signup_date' },
        fields: {
          owner: { column: 'owner', type: 'string' },
          signup: { column: 'signup_text', type: 'string' },
        },
      }),
    );
    expect(message).toContain('dates.stage: "stage" is a built-in account field');
    expect(message).toContain('fields.owner: "owner" is a built-in account field');
    expect(message).toContain('fields.signup: "signup" is also a date');
  });

  it('rejects a field name with spaces', () => {
    const message = errorMessage(() =>
      parseAccountMapping({ id: 'id', name: 'name', dates: { 'renewal date': 'renewal' } }),
    );
    expect(message).toContain('dates.renewal date');
  });

  it('rejects a spelling listed as both true and false', () => {
    const message = errorMessage(() =>
      parseAccountMapping({
        id: 'id',
        name: 'name',
        booleans: { true: ['Y', 'yes'], false: ['N', 'YES'] },
      }),
    );
    expect(message).toContain('booleans.false.1: "YES" is listed as both true and false.');
  });
});
