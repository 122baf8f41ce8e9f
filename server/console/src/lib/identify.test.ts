import { beforeEach, describe, expect, it, vi } from 'vitest';

const GET = vi.fn();
vi.mock('@/api/client', async (orig) => {
  const real = await orig<typeof import('@/api/client')>();
  return { ...real, api: { GET } };
});

const { resolveTarget, serialQuery, exactFirst, findBySerial } = await import('./identify');
const { ApiError } = await import('@/api/client');

const answer = (status: number, data: unknown) => ({
  data: status < 300 ? data : undefined,
  error: status >= 300 ? data : undefined,
  response: new Response(null, { status }),
});

describe('resolveTarget', () => {
  beforeEach(() => GET.mockReset());

  it('asks /id/{code} for JSON and opens the unit the trace names', async () => {
    GET.mockResolvedValue(answer(200, { id: 7, serial: 'FT1' }));
    expect(await resolveTarget({ kind: 'id', code: '040G3QDHEA94BKKBY0' })).toEqual({ kind: 'asset', id: 7 });
    expect(GET).toHaveBeenCalledWith('/id/{code}', {
      params: { path: { code: '040G3QDHEA94BKKBY0' }, header: { Accept: 'application/json' } },
    });
  });

  it('a unit outside the caller’s scope answers its nameplate', async () => {
    const plate = { serial: 'FT2', model: { code: 'M', name: 'Model' }, product_line: 'x', manufacturer: 'm', hotline: '400', report_fault: '', links: { self: '' } };
    GET.mockResolvedValue(answer(200, plate));
    expect(await resolveTarget({ kind: 'gs1', gtin: '06901234567892', serial: 'FT2' })).toEqual({ kind: 'outside', nameplate: plate });
    expect(GET.mock.calls[0]![0]).toBe('/01/{gtin}/21/{serial}');
  });

  it('a replaced label is an ApiError with its status', async () => {
    GET.mockResolvedValue(answer(410, { title: 'Gone', detail: 'replaced' }));
    await expect(resolveTarget({ kind: 'id', code: '040G3QDHEA94BKKBY0' })).rejects.toBeInstanceOf(ApiError);
  });

  it('a short serial lists the exact matches', async () => {
    GET.mockResolvedValue(answer(200, { items: [{ id: 1, serial: 'FT' }], next_cursor: null }));
    expect(await resolveTarget({ kind: 'serial', serial: 'FT' })).toEqual({ kind: 'list', items: [{ id: 1, serial: 'FT' }] });
    expect(GET).toHaveBeenCalledWith('/v1/assets', { params: { query: { serial: 'FT', limit: 20 } } });
  });

  it('part of a serial lists the units it starts, the exact one first', async () => {
    GET.mockResolvedValue(answer(200, { items: [{ id: 1, serial: 'FT2024-10' }, { id: 2, serial: 'FT2024-1' }], next_cursor: null }));
    expect(await resolveTarget({ kind: 'serial', serial: ' FT2024-1 ' })).toEqual({
      kind: 'list',
      items: [{ id: 2, serial: 'FT2024-1' }, { id: 1, serial: 'FT2024-10' }],
    });
    expect(GET).toHaveBeenCalledWith('/v1/assets', { params: { query: { serial_prefix: 'FT2024-1', limit: 20 } } });
  });
});

describe('serialQuery', () => {
  it('a prefix from 3 serial characters, else exact, nothing for empty or too long', () => {
    expect(serialQuery('FT2')).toEqual({ serial_prefix: 'FT2' });
    expect(serialQuery('  ft_2.x-1 ')).toEqual({ serial_prefix: 'ft_2.x-1' });
    expect(serialQuery('FT')).toEqual({ serial: 'FT' });
    expect(serialQuery('FT 2024')).toEqual({ serial: 'FT 2024' });
    expect(serialQuery('开关柜')).toEqual({ serial: '开关柜' });
    expect(serialQuery('   ')).toBeNull();
    expect(serialQuery('A'.repeat(64))).toBeNull();
    expect(serialQuery('A'.repeat(63))).toEqual({ serial_prefix: 'A'.repeat(63) });
  });

  it('exactFirst keeps the others in order', () => {
    const items = [{ serial: 'AB1' }, { serial: 'AB' }, { serial: 'AB2' }];
    expect(exactFirst(items, 'AB').map((a) => a.serial)).toEqual(['AB', 'AB1', 'AB2']);
    expect(exactFirst(items, 'ZZ').map((a) => a.serial)).toEqual(['AB1', 'AB', 'AB2']);
  });

  it('findBySerial asks nothing when no unit can match', async () => {
    GET.mockReset();
    expect(await findBySerial('')).toEqual([]);
    expect(GET).not.toHaveBeenCalled();
  });
});
