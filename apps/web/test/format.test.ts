import { describe, expect, it } from 'vitest';
import { fieldLabel, formatFieldValue, formatIsoDate } from '../src/lib/format.ts';

describe('fieldLabel', () => {
  it('splits snake case', () => {
    expect(fieldLabel('renewal_date')).toBe('Renewal date');
  });

  it('splits camel case and kebab case', () => {
    expect(fieldLabel('arrUsd')).toBe('Arr usd');
    expect(fieldLabel('seat-count')).toBe('Seat count');
  });

  it('keeps an empty key', () => {
    expect(fieldLabel('__')).toBe('__');
  });
});

describe('formatFieldValue', () => {
  it('writes booleans as yes or no', () => {
    expect(formatFieldValue(true)).toBe('Yes');
    expect(formatFieldValue(false)).toBe('No');
  });

  it('groups digits of numbers', () => {
    expect(formatFieldValue(1234567)).toBe(new Intl.NumberFormat().format(1234567));
  });

  it('shows a dash for no value', () => {
    expect(formatFieldValue(null)).toBe('—');
    expect(formatFieldValue('')).toBe('—');
  });

  it('formats date text as a date', () => {
    expect(formatFieldValue('2025-03-03')).toBe(formatIsoDate('2025-03-03'));
    expect(formatFieldValue('2025-03-03')).not.toBe('2025-03-03');
  });

  it('leaves other text alone', () => {
    expect(formatFieldValue('Enterprise')).toBe('Enterprise');
  });
});
