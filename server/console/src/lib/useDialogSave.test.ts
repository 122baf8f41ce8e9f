import { describe, expect, it, vi } from 'vitest';
import { ApiError } from '@/api/client';
import { useDialogSave } from './useDialogSave';

// errors.ts pulls in Element Plus's message css, which node cannot load.
const shown: unknown[] = [];
vi.mock('./errors', () => ({
  errorText: (e: unknown) => (e instanceof Error ? e.message : String(e)),
  showError: (e: unknown) => shown.push(e),
}));

const refusal = (status: number, field?: string) => new ApiError(status, 'Refused', status === 409 ? 'taken' : 'bad value', field, 'about:blank');

describe('useDialogSave', () => {
  it('is saving while the write runs and leaves no errors when it works', async () => {
    const d = useDialogSave({ code: '', name: '' });
    let during = false;
    await d.submit(async () => {
      during = d.saving.value;
    });
    expect([during, d.saving.value, { ...d.errors }]).toEqual([true, false, {}]);
  });

  it('puts a refusal under the field it names, a 409 under the conflict field, the rest in a message', async () => {
    const d = useDialogSave({ code: '', name: '' });
    await d.submit(async () => Promise.reject(refusal(400, '/name')));
    expect({ ...d.errors }).toEqual({ name: 'bad value' });
    d.clearErrors();
    await d.submit(async () => Promise.reject(refusal(409)), 'code');
    expect({ ...d.errors }).toEqual({ code: 'taken' });
    d.clearErrors();
    await d.submit(async () => Promise.reject(refusal(409)));
    await d.submit(async () => Promise.reject(refusal(400, '/other')));
    expect([{ ...d.errors }, shown.length, d.saving.value]).toEqual([{}, 2, false]);
  });
});
