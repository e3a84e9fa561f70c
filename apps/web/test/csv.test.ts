import { describe, expect, it } from 'vitest';
import { csvField, toCsv } from '../src/reports/csv.ts';

describe('csvField', () => {
  it('leaves plain text alone', () => {
    expect(csvField('Kickoff')).toBe('Kickoff');
    expect(csvField(4.5)).toBe('4.5');
  });

  it('quotes a comma', () => {
    expect(csvField('Acme, Inc.')).toBe('"Acme, Inc."');
  });

  it('doubles quotes inside quotes', () => {
    expect(csvField('the "big" one')).toBe('"the ""big"" one"');
  });

  it('quotes newlines and carriage returns', () => {
    expect(csvField('line one\nline two')).toBe('"line one\nline two"');
    expect(csvField('a\r\nb')).toBe('"a\r\nb"');
  });

  it('leaves missing values empty', () => {
    expect(csvField(null)).toBe('');
    expect(csvField(undefined)).toBe('');
  });
});

describe('toCsv', () => {
  it('writes a header and CRLF rows', () => {
    const text = toCsv({
      header: ['Account', 'Days'],
      rows: [
        ['Acme, Inc.', 3],
        ['Plain', null],
      ],
    });
    expect(text).toBe('Account,Days\r\n"Acme, Inc.",3\r\nPlain,\r\n');
  });

  it('writes only the header for no rows', () => {
    expect(toCsv({ header: ['A', 'B'], rows: [] })).toBe('A,B\r\n');
  });
});
