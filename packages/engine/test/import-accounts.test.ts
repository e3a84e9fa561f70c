import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAccountMapping, parseTeamFile } from '@milepost/model';
import type { AccountMappingInput } from '@milepost/model';
import { describe, expect, it } from 'vitest';
import { mapAccountRows } from '../src/import/index.ts';

const users = new Map([
  ['ada@example.com', 'user-ada'],
  ['bo@example.com', 'user-bo'],
  ['cy@example.com', 'user-cy'],
]);

const examples = new URL('../../../examples/', import.meta.url);
const readExample = (path: string): unknown =>
  JSON.parse(readFileSync(new URL(path, examples), 'utf8'));

/** Maps CSV lines (joined with "\n") with a mapping whose id and name columns are preset. */
function run(lines: string[], mapping: Partial<AccountMappingInput> = {}) {
  const parsed = parseAccountMapping({ id: 'id', name: 'name', ...mapping });
  return mapAccountRows(lines.join('\n'), parsed, users);
}

describe('mapAccountRows', () => {
  it('maps dates, numbers, booleans and strings', () => {
    const { accounts, rejected } = run(
      [
        'id,name,signup,seats,trial,industry',
        'A-1,Acme,2024-02-29,12,TRUE,Retail',
        'A-2,Birch,2023-08-17,3.5,False,',
        'A-3,Cobalt,,1e3,yes,Media',
      ],
      {
        dates: { signup_date: 'signup' },
        fields: {
          seats: { column: 'seats', type: 'number' },
          is_trial: { column: 'trial', type: 'boolean' },
          industry: { column: 'industry', type: 'string' },
        },
      },
    );

    expect(rejected).toEqual([]);
    expect(accounts).toEqual([
      {
        id: 'A-1',
        name: 'Acme',
        ownerId: null,
        segment: null,
        stage: null,
        dates: { signup_date: '2024-02-29' },
        fields: { seats: 12, is_trial: true, industry: 'Retail' },
      },
      {
        id: 'A-2',
        name: 'Birch',
        ownerId: null,
        segment: null,
        stage: null,
        dates: { signup_date: '2023-08-17' },
        fields: { seats: 3.5, is_trial: false, industry: null },
      },
      {
        id: 'A-3',
        name: 'Cobalt',
        ownerId: null,
        segment: null,
        stage: null,
        dates: {},
        fields: { seats: 1000, is_trial: true, industry: 'Media' },
      },
    ]);
  });

  it('reads booleans in any case', () => {
    const { accounts, rejected } = run(
      ['id,name,flag', 'a,A,TRUE', 'b,B,True', 'c,C,true', 'd,D,FALSE', 'e,E,False', 'f,F,0'],
      { fields: { flag: { column: 'flag', type: 'boolean' } } },
    );
    expect(rejected).toEqual([]);
    expect(accounts.map((account) => account.fields.flag)).toEqual([
      true,
      true,
      true,
      false,
      false,
      false,
    ]);
  });

  it('uses custom boolean spellings', () => {
    const { accounts, rejected } = run(['id,name,flag', 'a,A,Y', 'b,B,n', 'c,C,true'], {
      fields: { flag: { column: 'flag', type: 'boolean' } },
      booleans: { true: ['Y'], false: ['N'] },
    });
    expect(accounts.map((account) => account.fields.flag)).toEqual([true, false]);
    expect(rejected).toEqual([
      { line: 4, reason: 'flag "true" is not a boolean: expected one of Y, N' },
    ]);
  });

  it('reads US and European date formats', () => {
    const csv = ['id,name,renewal', 'a,A,03/04/2025', 'b,B,1/9/2026'];
    const dates = { renewal_date: 'renewal' };

    const us = run(csv, { dates, dateFormat: 'MM/DD/YYYY' });
    expect(us.accounts.map((account) => account.dates.renewal_date)).toEqual([
      '2025-03-04',
      '2026-01-09',
    ]);

    const european = run(csv, { dates, dateFormat: 'DD/MM/YYYY' });
    expect(european.accounts.map((account) => account.dates.renewal_date)).toEqual([
      '2025-04-03',
      '2026-09-01',
    ]);
  });

  it('reports a bad date with its line', () => {
    const { accounts, rejected } = run(
      ['id,name,signup_date', 'a,A,2023-01-05', 'b,B,2023-13-45', 'c,C,2023-02-29'],
      { dates: { signup_date: 'signup_date' } },
    );
    expect(accounts.map((account) => account.id)).toEqual(['a']);
    expect(rejected).toEqual([
      { line: 3, reason: 'signup_date "2023-13-45" is not a date written YYYY-MM-DD' },
      { line: 4, reason: 'signup_date "2023-02-29" is not a date written YYYY-MM-DD' },
    ]);
  });

  it('reports a date in the wrong format', () => {
    const { rejected } = run(['id,name,renewal', 'a,A,2025-03-04'], {
      dates: { renewal_date: 'renewal' },
      dateFormat: 'DD/MM/YYYY',
    });
    expect(rejected).toEqual([
      { line: 2, reason: 'renewal "2025-03-04" is not a date written DD/MM/YYYY' },
    ]);
  });

  it('reports a bad number and a bad boolean together', () => {
    const { rejected } = run(['id,name,seats,trial', 'a,A,"1,200",maybe'], {
      fields: {
        seats: { column: 'seats', type: 'number' },
        is_trial: { column: 'trial', type: 'boolean' },
      },
    });
    expect(rejected).toHaveLength(1);
    expect(rejected[0]?.line).toBe(2);
    expect(rejected[0]?.reason).toContain('seats "1,200" is not a number');
    expect(rejected[0]?.reason).toContain(
      'trial "maybe" is not a boolean: expected one of true, yes, 1, false, no, 0',
    );
  });

  it('rejects rows without an id or a name', () => {
    const { rejected } = run(['id,name', ',Nameless', 'b,']);
    expect(rejected).toEqual([
      { line: 2, reason: 'id is empty, but every account needs an id' },
      { line: 3, reason: 'name is empty, but every account needs a name' },
    ]);
  });

  it('counts lines across quoted newlines and CRLF', () => {
    // Lines: 1 header, 2-3 row a, 4 blank, 5 row b, 6-7 row c (one cell too many).
    const csv =
      'id,name,note\r\na,"Acme, Inc.","two\r\nlines"\r\n\r\nb,B,\r\nc,"C\r\nCorp",x,extra\r\n';
    const mapping = parseAccountMapping({
      id: 'id',
      name: 'name',
      fields: { note: { column: 'note', type: 'string' } },
    });
    const { accounts, rejected } = mapAccountRows(csv, mapping, users);

    expect(accounts.map((account) => account.name)).toEqual(['Acme, Inc.', 'B']);
    expect(accounts[0]?.fields.note).toBe('two\nlines');
    expect(rejected).toEqual([
      { line: 6, reason: 'the row has 4 cells but the header has 3 columns' },
    ]);
  });

  it('trims cells and skips blank rows', () => {
    const { accounts, rejected } = run(['id , name', ' a ,  Acme  ', '', ' , ', 'b,B']);
    expect(rejected).toEqual([]);
    expect(accounts.map((account) => [account.id, account.name])).toEqual([
      ['a', 'Acme'],
      ['b', 'B'],
    ]);
  });

  it('looks up owners by email without case', () => {
    const { accounts, rejected } = run(['id,name,owner', 'a,A,Ada@Example.com', 'b,B,'], {
      owner: 'owner',
    });
    expect(rejected).toEqual([]);
    expect(accounts.map((account) => account.ownerId)).toEqual(['user-ada', null]);
  });

  it('reports an unknown owner beside other problems', () => {
    const { rejected } = run(['id,name,owner', ',A,zed@example.com'], { owner: 'owner' });
    expect(rejected).toHaveLength(1);
    expect(rejected[0]?.reason).toContain('id is empty');
    expect(rejected[0]?.reason).toContain('owner "zed@example.com" is not a known user');
  });

  it('rejects an unknown owner', () => {
    const { accounts, rejected } = run(
      ['id,name,owner', 'a,A,ada@example.com', 'b,B,zed@example.com'],
      {
        owner: 'owner',
      },
    );
    expect(accounts).toHaveLength(1);
    expect(rejected).toEqual([
      {
        line: 3,
        reason:
          'owner "zed@example.com" is not a known user: ' +
          'add the user to the team file or correct the email',
      },
    ]);
  });

  it('assigns round-robin owners in file order', () => {
    const { accounts, rejected } = run(['id,name', 'a,A', 'b,B', 'c,', 'd,D', 'e,E', 'f,F'], {
      ownerRule: { kind: 'round_robin', users: ['ada@example.com', 'BO@example.com'] },
    });
    // The rejected row on line 4 takes no turn, so the turns stay even.
    expect(rejected.map((row) => row.line)).toEqual([4]);
    expect(accounts.map((account) => [account.id, account.ownerId])).toEqual([
      ['a', 'user-ada'],
      ['b', 'user-bo'],
      ['d', 'user-ada'],
      ['e', 'user-bo'],
      ['f', 'user-ada'],
    ]);
  });

  it('gives the same round-robin owners on every run', () => {
    const csv = ['id,name', ...Array.from({ length: 9 }, (_, index) => `x${index},X${index}`)];
    const ownerRule = {
      kind: 'round_robin' as const,
      users: ['ada@example.com', 'bo@example.com', 'cy@example.com'],
    };
    const first = run(csv, { ownerRule }).accounts.map((account) => account.ownerId);
    const second = run(csv, { ownerRule }).accounts.map((account) => account.ownerId);
    expect(first).toEqual(second);
  });

  it('throws when an owner rule names an unknown user', () => {
    expect(() =>
      run(['id,name', 'a,A'], {
        ownerRule: { kind: 'round_robin', users: ['ada@example.com', 'zed@example.com'] },
      }),
    ).toThrow(/"zed@example\.com", which is not known users?\. Add them to the team file/);
  });

  it('assigns owners by segment', () => {
    const { accounts, rejected } = run(
      ['id,name,tier', 'a,A,Enterprise', 'b,B,basic', 'c,C,Pro', 'd,D,'],
      {
        segment: 'tier',
        segmentValues: { Basic: 'SMB', Pro: 'Mid-Market', Enterprise: 'Enterprise' },
        ownerRule: {
          kind: 'by_segment',
          segments: { enterprise: 'ada@example.com', SMB: 'bo@example.com' },
          default: 'cy@example.com',
        },
      },
    );
    expect(rejected).toEqual([]);
    expect(accounts.map((account) => [account.segment, account.ownerId])).toEqual([
      ['Enterprise', 'user-ada'],
      ['SMB', 'user-bo'],
      ['Mid-Market', 'user-cy'],
      [null, 'user-cy'],
    ]);
  });

  it('rejects a segment with no owner and no default', () => {
    const { accounts, rejected } = run(['id,name,segment', 'a,A,SMB', 'b,B,Enterprise'], {
      segment: 'segment',
      ownerRule: { kind: 'by_segment', segments: { SMB: 'bo@example.com' } },
    });
    expect(accounts.map((account) => account.ownerId)).toEqual(['user-bo']);
    expect(rejected).toHaveLength(1);
    expect(rejected[0]?.line).toBe(3);
    expect(rejected[0]?.reason).toContain(
      'segment "Enterprise" has no owner in ownerRule.segments',
    );
  });

  it('rejects a value missing from a value map', () => {
    const { rejected } = run(['id,name,tier', 'a,A,Gold'], {
      segment: 'tier',
      segmentValues: { Basic: 'SMB', Pro: 'Mid-Market' },
    });
    expect(rejected).toEqual([
      {
        line: 2,
        reason:
          'tier "Gold" is not listed in segmentValues: ' +
          'expected one of Basic, Pro, or add it to segmentValues',
      },
    ]);
  });

  it('maps stage values and derives stages', () => {
    const mapped = run(['id,name,status', 'a,A,live', 'b,B,'], {
      stage: 'status',
      stageValues: { LIVE: 'Adoption' },
    });
    expect(mapped.accounts.map((account) => account.stage)).toEqual(['Adoption', null]);

    const derived = run(['id,name,churned,trial', 'a,A,TRUE,TRUE', 'b,B,False,True', 'c,C,no,no'], {
      fields: {
        churned: { column: 'churned', type: 'boolean' },
        trial: { column: 'trial', type: 'boolean' },
      },
      stageRules: {
        rules: [
          { when: { field: 'churned', op: 'eq', value: true }, stage: 'Churned' },
          { when: { field: 'trial', op: 'eq', value: true }, stage: 'Trial' },
        ],
        default: 'Active',
      },
    });
    expect(derived.accounts.map((account) => account.stage)).toEqual([
      'Churned',
      'Trial',
      'Active',
    ]);
  });

  it('rejects a repeated account id', () => {
    const { accounts, rejected } = run(['id,name', 'a,First', 'b,B', 'a,Second']);
    expect(accounts.map((account) => account.name)).toEqual(['First', 'B']);
    expect(rejected).toEqual([
      {
        line: 4,
        reason:
          'id "a" repeats the account on line 2: each account id may appear only once in a file',
      },
    ]);
  });

  it('throws when a mapped column is missing', () => {
    const mapping = { fields: { seats: { column: 'seat_count', type: 'number' as const } } };
    expect(() => run(['id,name,seats', 'a,A,3'], mapping)).toThrow(
      'The CSV header has no column "seat_count" (for fields.seats). ' +
        'Its columns are "id", "name", "seats".',
    );
  });

  it('throws when a mapped column is repeated', () => {
    expect(() => run(['id,name,name', 'a,A,B'])).toThrow(/repeats the mapped column "name"/);
  });

  it('throws on an empty file', () => {
    expect(() => run([''])).toThrow('The CSV file is empty');
  });

  it('throws on invalid CSV', () => {
    expect(() => run(['id,name', 'a,"unclosed'])).toThrow(/^The CSV file could not be read: /);
  });
});

describe('mapAccountRows on the demo accounts', () => {
  it('imports every row', () => {
    const team = parseTeamFile(readExample('team.json'));
    const knownUsers = new Map(team.users.map((user) => [user.email.toLowerCase(), user.email]));
    const mapping = parseAccountMapping(readExample('accounts.mapping.json'));
    const csv = readFileSync(new URL('demo-accounts.csv', examples), 'utf8');

    const { accounts, rejected } = mapAccountRows(csv, mapping, knownUsers);

    expect(rejected).toEqual([]);
    expect(accounts.length).toBeGreaterThanOrEqual(35);
    expect(new Set(accounts.map((account) => account.segment))).toEqual(
      new Set(['Enterprise', 'Mid-Market', 'SMB']),
    );
    for (const account of accounts) {
      expect(account.ownerId).not.toBeNull();
      expect(account.dates.renewal_date).toMatch(/^202[56]-/);
    }
  });
});

const referenceData = process.env.MILEPOST_REFERENCE_DATA;
if (!referenceData) {
  console.warn(
    'Skipping the RavenStack account import test: set MILEPOST_REFERENCE_DATA to the folder ' +
      'that contains ravenstack/ravenstack_accounts.csv to run it.',
  );
}

describe('mapAccountRows on RavenStack accounts', () => {
  it.skipIf(!referenceData)('imports all 500 accounts', () => {
    const team = parseTeamFile(readExample('ravenstack/team.json'));
    const knownUsers = new Map(team.users.map((user, index) => [user.email, `user-${index}`]));
    const mapping = parseAccountMapping(readExample('ravenstack/accounts.mapping.json'));
    const csv = readFileSync(join(referenceData!, 'ravenstack', 'ravenstack_accounts.csv'), 'utf8');

    const { accounts, rejected } = mapAccountRows(csv, mapping, knownUsers);

    expect(rejected).toEqual([]);
    expect(accounts).toHaveLength(500);

    const countBy = (values: (string | null)[]) => {
      const counts: Record<string, number> = {};
      for (const value of values) counts[String(value)] = (counts[String(value)] ?? 0) + 1;
      return counts;
    };
    // The CSMs are users 2 to 6 of the team file, and 500 rows split evenly over five of them.
    expect(countBy(accounts.map((account) => account.ownerId))).toEqual({
      'user-2': 100,
      'user-3': 100,
      'user-4': 100,
      'user-5': 100,
      'user-6': 100,
    });
    expect(countBy(accounts.map((account) => account.segment))).toEqual({
      SMB: 168,
      'Mid-Market': 178,
      Enterprise: 154,
    });
    expect(countBy(accounts.map((account) => account.stage))).toEqual({
      Churned: 110,
      Trial: 72,
      Active: 318,
    });

    const first = accounts[0]!;
    expect(first.id).toBe('A-2e4581');
    expect(first.dates).toEqual({ signup_date: '2024-10-16' });
    expect(first.fields).toEqual({
      industry: 'EdTech',
      country: 'US',
      referral_source: 'partner',
      plan_tier: 'Basic',
      seats: 9,
      is_trial: false,
      churn_flag: false,
    });
  });
});
