/** Short confirmations and errors in the corner; they leave by themselves. */
import { createContext, useCallback, useContext, useState, type ReactNode } from 'react';
import { api, ApiError } from './api.ts';

type Toast = { id: number; kind: 'success' | 'error'; text: string };
export type Toaster = { success(text: string): void; error(err: unknown): void };

const ToastContext = createContext<Toaster | null>(null);
let nextId = 1;

export function ToastProvider({ children }: { children: ReactNode }) {
  const [toasts, setToasts] = useState<Toast[]>([]);
  const push = useCallback((kind: Toast['kind'], text: string) => {
    const id = nextId++;
    setToasts((all) => [...all, { id, kind, text }]);
    setTimeout(() => setToasts((all) => all.filter((t) => t.id !== id)), kind === 'error' ? 8000 : 4000);
  }, []);
  const [toaster] = useState<Toaster>(() => ({
    success: (text) => push('success', text),
    error: (err) => push('error', err instanceof ApiError ? err.message : err instanceof Error ? err.message : String(err)),
  }));
  return (
    <ToastContext.Provider value={toaster}>
      {children}
      <div className="toasts" role="status" aria-live="polite">
        {toasts.map((t) => (
          <div key={t.id} className={`toast toast-${t.kind}`}>
            {t.text}
          </div>
        ))}
      </div>
    </ToastContext.Provider>
  );
}

export function useToast(): Toaster {
  const value = useContext(ToastContext);
  if (!value) throw new Error('useToast outside ToastProvider');
  return value;
}

/**
 * Asks `question`, then sends DELETE to `path`; a failure is an error toast, success the `done` toast
 * when given. False only when the person declined (nothing to reload then).
 */
export async function confirmDelete(toast: Toaster, question: string, path: string, done?: string): Promise<boolean> {
  if (!window.confirm(question)) return false;
  try {
    await api('DELETE', path);
    if (done) toast.success(done);
  } catch (err) {
    toast.error(err);
  }
  return true;
}
