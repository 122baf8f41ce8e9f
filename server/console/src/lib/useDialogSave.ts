// A create/edit dialog's write: `saving` while it runs, and the server's
// refusal shown under the form field it names (`errors`, for el-form-item's
// :error), a 409 under `conflictField` (the code of a new record), anything
// else as a message.
import { reactive, ref } from 'vue';
import { ApiError } from '@/api/client';
import { fieldOf } from './admin';
import { errorText, showError } from './errors';

export function useDialogSave(form: object) {
  const errors = reactive<Record<string, string>>({});
  const saving = ref(false);

  function clearErrors(): void {
    for (const k of Object.keys(errors)) delete errors[k];
  }

  async function submit(write: () => Promise<void>, conflictField?: string): Promise<void> {
    saving.value = true;
    try {
      await write();
    } catch (e) {
      const f = e instanceof ApiError ? fieldOf(e.field) : '';
      if (e instanceof ApiError && e.status === 409 && conflictField) errors[conflictField] = e.detail || e.title;
      else if (f && f in form) errors[f] = e instanceof ApiError ? e.detail || errorText(e) : errorText(e);
      else showError(e);
    } finally {
      saving.value = false;
    }
  }

  return { errors, saving, clearErrors, submit };
}
