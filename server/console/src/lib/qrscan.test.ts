import { describe, expect, it } from 'vitest';
import { cameraProblem, fitWithin, parseScanned } from './qrscan';

describe('parseScanned', () => {
  it('an identification link, whatever its host', () => {
    expect(parseScanned('https://localhost:8443/id/040G3QDHEA94BKKBY0')).toEqual({ kind: 'id', code: '040G3QDHEA94BKKBY0' });
    expect(parseScanned(' https://ft.example.com/id/040G3QDHEA94BKKBY0/ ')).toEqual({ kind: 'id', code: '040G3QDHEA94BKKBY0' });
    expect(parseScanned('/id/040g3qdhea94bkkby0')).toEqual({ kind: 'id', code: '040G3QDHEA94BKKBY0' });
  });
  it('a bare code', () => {
    expect(parseScanned('040G3QDHEA94BKKBY0')).toEqual({ kind: 'id', code: '040G3QDHEA94BKKBY0' });
  });
  it('a GS1 Digital Link, with qualifiers and a percent-encoded serial', () => {
    expect(parseScanned('https://id.example.com/01/06901234567892/21/FT202411-0001')).toEqual({ kind: 'gs1', gtin: '06901234567892', serial: 'FT202411-0001' });
    expect(parseScanned('https://x.example/01/6901234567892/10/LOT1/21/A%2FB?linkType=all')).toEqual({ kind: 'gs1', gtin: '06901234567892', serial: 'A/B' });
  });
  it('a serial typed by hand', () => {
    expect(parseScanned('FT202411-0001')).toEqual({ kind: 'serial', serial: 'FT202411-0001' });
    expect(parseScanned('ABC')).toEqual({ kind: 'serial', serial: 'ABC' });
  });
  it('nothing it can use', () => {
    expect(parseScanned('')).toEqual({ kind: 'none' });
    expect(parseScanned('https://example.com/some/page')).toEqual({ kind: 'none' });
    expect(parseScanned('https://example.com/id/short')).toEqual({ kind: 'none' });
    expect(parseScanned('javascript:alert(1)')).toEqual({ kind: 'serial', serial: 'javascript:alert(1)' });
    expect(parseScanned('two words')).toEqual({ kind: 'none' });
  });
});

describe('fitWithin', () => {
  it('scales down, never up', () => {
    expect(fitWithin(4000, 3000, 1600)).toEqual({ width: 1600, height: 1200 });
    expect(fitWithin(344, 408, 800)).toEqual({ width: 344, height: 408 });
  });
});

describe('cameraProblem', () => {
  it('names the usual getUserMedia failures', () => {
    expect(cameraProblem(new DOMException('x', 'NotAllowedError'))).toBe('denied');
    expect(cameraProblem(new DOMException('x', 'NotFoundError'))).toBe('none');
    expect(cameraProblem(new DOMException('x', 'NotReadableError'))).toBe('busy');
    expect(cameraProblem(new TypeError('x'))).toBe('unsupported');
    expect(cameraProblem('weird')).toBe('failed');
  });
});
