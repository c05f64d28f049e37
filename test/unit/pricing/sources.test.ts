import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AwsOnDemandSchema, jsonPath, readSource } from '../../../pricing/catalog/sources.ts';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'berth-sources-'));
  mkdirSync(join(dir, 'aws'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const source = {
  repo: 'r/r',
  commit: 'abcdef1',
  path: 'p',
  license: 'Apache-2.0',
  generatedAt: '2026-07-20T13:44:30Z',
};

describe('reading the catalog sources', () => {
  it('returns a file that matches its schema', () => {
    writeFileSync(
      join(dir, 'aws/ondemand-prices.json'),
      JSON.stringify({ source, data: { 'us-east-1': { 'm5.large': 0.096 } } }),
    );
    expect(
      readSource(dir, 'aws/ondemand-prices.json', AwsOnDemandSchema).data['us-east-1']?.['m5.large'],
    ).toBe(0.096);
  });

  it('names the file and the JSON path of a value of the wrong type', () => {
    writeFileSync(
      join(dir, 'aws/ondemand-prices.json'),
      JSON.stringify({ source, data: { 'us-east-1': { 'm5.large': '0.096' } } }),
    );
    expect(() => readSource(dir, 'aws/ondemand-prices.json', AwsOnDemandSchema)).toThrow(
      /aws\/ondemand-prices\.json: data\.us-east-1\.m5\.large: expected number/,
    );
  });

  it('says where to look when the directory is wrong, and when the JSON is broken', () => {
    expect(() => readSource(join(dir, 'nope'), 'aws/ondemand-prices.json', AwsOnDemandSchema)).toThrow(
      /file not found/,
    );
    writeFileSync(join(dir, 'aws/ondemand-prices.json'), '{"source":');
    expect(() => readSource(dir, 'aws/ondemand-prices.json', AwsOnDemandSchema)).toThrow(/not valid JSON/);
  });

  it('spells JSON pointers as dotted paths', () => {
    expect(jsonPath('/regions/eastus/on-demand')).toBe('regions.eastus.on-demand');
    expect(jsonPath('/a~1b/c~0d')).toBe('a/b.c~d');
    expect(jsonPath('')).toBe('(root)');
  });
});
