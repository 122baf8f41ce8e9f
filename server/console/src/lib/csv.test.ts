import { describe, expect, it } from 'vitest';
import { BOM, buildCsv, csvCell } from './csv';

describe('csvCell', () => {
  it('leaves plain text and numbers alone', () => {
    expect(csvCell('FT202411-0001')).toBe('FT202411-0001');
    expect(csvCell(16)).toBe('16');
    expect(csvCell(-3)).toBe('-3');
    expect(csvCell(0)).toBe('0');
    expect(csvCell(null)).toBe('');
    expect(csvCell(undefined)).toBe('');
    expect(csvCell(Number.NaN)).toBe('');
  });
  it('quotes commas, quotes and line breaks (RFC 4180)', () => {
    expect(csvCell('a,b')).toBe('"a,b"');
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell('two\nlines')).toBe('"two\nlines"');
    expect(csvCell('cr\r\nlf')).toBe('"cr\r\nlf"');
  });
  it('keeps Chinese text as it is', () => {
    expect(csvCell('粤海能源集团有限公司')).toBe('粤海能源集团有限公司');
    // A full-width comma is text, not a separator.
    expect(csvCell('前湾数据中心 110kV 变电站，一期')).toBe('前湾数据中心 110kV 变电站，一期');
  });
  it('defuses formulas: = + - @ tab CR get a leading quote', () => {
    expect(csvCell('=1+2')).toBe("'=1+2");
    expect(csvCell('+86 139')).toBe("'+86 139");
    expect(csvCell('-2')).toBe("'-2");
    expect(csvCell('@SUM(A1)')).toBe("'@SUM(A1)");
    expect(csvCell('\tx')).toBe("'\tx");
    expect(csvCell('\rx')).toBe("\"'\rx\"");
    expect(csvCell('=HYPERLINK("http://x","y")')).toBe('"\'=HYPERLINK(""http://x"",""y"")"');
    expect(csvCell('a=b')).toBe('a=b');
  });
  it('shows an HTML-looking name as those characters', () => {
    expect(csvCell('<img src=x onerror=alert(1)>')).toBe('<img src=x onerror=alert(1)>');
  });
});

describe('buildCsv', () => {
  it('starts with a BOM and ends every record with CRLF', () => {
    const out = buildCsv(['客户', 'days'], [['深圳前湾建设投资有限公司', 16], ['x,y', '=cmd']]);
    expect(out.startsWith(BOM)).toBe(true);
    expect(out).toBe(`${BOM}客户,days\r\n深圳前湾建设投资有限公司,16\r\n"x,y",'=cmd\r\n`);
  });
  it('encodes to UTF-8 with EF BB BF first', async () => {
    const bytes = new Uint8Array(await new Blob([buildCsv(['质保'], [])]).arrayBuffer());
    expect([...bytes.slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    expect(new TextDecoder().decode(bytes.slice(3))).toBe('质保\r\n');
  });
  it('writes a header alone when there are no rows', () => {
    expect(buildCsv(['a', 'b'], [])).toBe(`${BOM}a,b\r\n`);
  });
});
