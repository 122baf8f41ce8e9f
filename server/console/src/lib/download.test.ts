import { describe, expect, it } from 'vitest';
import { fileNameFrom } from './download';

describe('fileNameFrom', () => {
  it.each([
    [null, 'fallback.md'],
    ['attachment', 'fallback.md'],
    ['attachment; filename="fieldtrace-report-2026-12.md"', 'fieldtrace-report-2026-12.md'],
    ['attachment; filename=plain.csv', 'plain.csv'],
    ["attachment; filename=\"x.md\"; filename*=UTF-8''%E6%9C%88%E6%8A%A5.md", '月报.md'],
    ['attachment; filename="../../etc/passwd"', '_.._etc_passwd'],
  ])('%s → %s', (header, name) => expect(fileNameFrom(header, 'fallback.md')).toBe(name));
});
